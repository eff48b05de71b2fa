"""Teams, memberships and roles, the department's X accounts, and the append-only audit log."""

from datetime import timedelta

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.fields import EncryptedTextField
from core.fields import HttpsURLField
from networks import MASTODON, NETWORK_CHOICES, X


class DovecoteUserManager(UserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("Every user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


ROLES_CACHE_SECONDS = 10 * 60


def roles_cache_key(user_id: int) -> str:
    return f"dovecote:roles:{user_id}"


MFA_CACHE_SECONDS = 60 * 60


def mfa_cache_key(user_id: int) -> str:
    return f"dovecote:has-totp:{user_id}"


def person_name(first_name: str, last_name: str, email: str) -> str:
    """How a person is named on every page: their full name, or their email address when they have none. For
    lists read as plain values; a User instance is named the same by str()."""
    return f"{first_name} {last_name}".strip() or email


class User(AbstractUser):
    """A member of departmental staff. Signs in with an email address; admins are superusers."""

    username = None
    email = models.EmailField("email address", unique=True)
    is_trainer = models.BooleanField(
        default=False, help_text="Trainers run workshops, mark attendance and award certification."
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = DovecoteUserManager()

    class Meta:
        ordering = ["first_name", "last_name", "email"]

    def __str__(self) -> str:
        return person_name(self.first_name, self.last_name, self.email)

    @property
    def is_admin(self) -> bool:
        return self.is_active and self.is_superuser

    def current_roles(self) -> dict[int, str]:
        """Team id -> role, for each team the user belongs to now.

        Every page asks (the MFA check, the access helpers, the dashboard), so the answer is kept on this object
        for the rest of the request, and in the cache until one of the user's memberships is saved or deleted
        (accounts.signals), until the next time one of them starts or ends, and for ROLES_CACHE_SECONDS at most.
        """
        if not hasattr(self, "_current_roles"):
            self._current_roles = self._roles_now()
        return self._current_roles

    def _roles_now(self) -> dict[int, str]:
        now = timezone.now()
        key = roles_cache_key(self.pk)
        cached = cache.get(key)
        if cached is not None and now < cached[1]:
            return cached[0]
        roles, changes_at = {}, now + timedelta(seconds=ROLES_CACHE_SECONDS)
        # Memberships not yet ended: the current ones give the roles, the rest say when the answer next changes.
        # order_by(): the default ordering would join users and teams for nothing.
        unended = Membership.objects.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=now), user=self).order_by()
        for team_id, role, started_at, ended_at in unended.values_list("team_id", "role", "started_at", "ended_at"):
            if started_at <= now:
                roles[team_id] = role
                changes_at = min(changes_at, ended_at or changes_at)
            else:
                changes_at = min(changes_at, started_at)
        cache.set(key, (roles, changes_at), ROLES_CACHE_SECONDS)
        return roles

    def requires_mfa(self) -> bool:
        """Admins, leads, approvers and trainers (whose certification opens the training gate) must use an
        authenticator app."""
        if self.is_superuser or self.is_staff or self.is_trainer:
            return True
        return any(role in (Membership.Role.LEAD, Membership.Role.APPROVER) for role in self.current_roles().values())

    def has_mfa(self) -> bool:
        """Has the user enrolled an authenticator app? Asked on every page a lead or approver opens, so a yes is
        kept in the cache until one of their authenticators is saved or removed (accounts.signals); a no is
        never kept, so an enrolment counts at once."""
        from allauth.mfa.models import Authenticator

        key = mfa_cache_key(self.pk)
        if cache.get(key):
            return True
        enrolled = Authenticator.objects.filter(user=self, type=Authenticator.Type.TOTP).exists()
        if enrolled:
            cache.set(key, True, MFA_CACHE_SECONDS)
        return enrolled


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    email = models.EmailField(blank=True, help_text="Shared mailbox for alerts and reports.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet):
    def current(self, at=None):
        at = at or timezone.now()
        return self.filter(started_at__lte=at).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=at))

    def current_leads(self, at=None):
        """Leads now (or at `at`) who can still sign in: whom a lead's email goes to."""
        return self.current(at).filter(role=Membership.Role.LEAD, user__is_active=True)


class Membership(models.Model):
    """A person's place in a team. Access ends at ended_at: when they leave or move team."""

    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        APPROVER = "approver", "Approver"
        LEAD = "lead", "Team lead"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["team__name", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "team"], condition=Q(ended_at__isnull=True), name="one_open_membership_per_team"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}, {self.team}"

    def clean(self) -> None:
        if self.ended_at and self.ended_at < self.started_at:
            raise ValidationError({"ended_at": "The end date must be after the start date."})

    @property
    def is_current(self) -> bool:
        now = timezone.now()
        return self.started_at <= now and (self.ended_at is None or self.ended_at > now)

    @property
    def can_approve(self) -> bool:
        return self.role in (self.Role.APPROVER, self.Role.LEAD)


EXPIRY_RANGE = "Enter a number of hours between 1 and 720 (30 days)."
handle_validator = RegexValidator(
    r"^[A-Za-z0-9_]{1,15}$", "A handle is 1 to 15 letters, numbers or underscores, without the @."
)
# Bluesky: a domain name (dept.bsky.social, or the department's own domain). Mastodon: the user and the instance.
bluesky_handle_validator = RegexValidator(
    r"^(?=.{3,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$",
    "A Bluesky handle is a domain name, for example dept.bsky.social, without the @.",
)
mastodon_handle_validator = RegexValidator(
    r"^[A-Za-z0-9_]{1,30}@([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}$",
    "A Mastodon handle is the user and the instance, for example comms@social.example.gov.uk, without the first @.",
)
HANDLE_VALIDATORS = {"x": handle_validator, "bluesky": bluesky_handle_validator, "mastodon": mastodon_handle_validator}


# Seven years: the common entry for a department's communications records in its records schedule (the
# Limitation Act 1980's six years for a claim, plus the current year), so nothing is destroyed that a claim, an
# inquiry or an FOI request could still need. Records selected for permanent preservation go to the archive through
# the records export before then; an account whose schedule differs has its own period set by an admin.
DEFAULT_RETENTION_YEARS = 7
RETENTION_RANGE = "Enter a retention period between 1 and 100 years."


class OnLegalHold(PermissionError):
    """A deletion refused because the account is on legal hold (raised whatever asked for it)."""


class TwitterAccount(models.Model):
    class Kind(models.TextChoices):
        CORPORATE = "corporate", "Corporate"
        PRESS_OFFICE = "press_office", "Press office"
        PERSONAL = "personal", "Personal (named official)"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    class ApiAccess(models.TextChoices):
        SELF_SERVE = "self_serve", "Self-serve (pay-per-use): X accepts replies only where summoned"
        ENTERPRISE = "enterprise", "Enterprise: not limited"
        PUBLIC_UTILITY = "public_utility", "Public Utility: not limited"

    DEFAULT_APPROVALS = {Kind.CORPORATE: 2, Kind.PRESS_OFFICE: 1, Kind.PERSONAL: 0}

    # Which network the account is on (networks.provider_for picks its provider); the handle's rule is its network's.
    network = models.CharField(max_length=20, choices=NETWORK_CHOICES, default=X, db_default=X)
    handle = models.CharField(
        max_length=253, unique=True, help_text="Without the @: on X 1 to 15 letters, numbers or underscores."
    )
    display_name = models.CharField(max_length=50)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    instance_url = HttpsURLField(
        "Mastodon instance",
        blank=True,
        db_default="",
        help_text="Mastodon only: the address of the account's server, for example https://social.example.gov.uk.",
    )
    max_characters = models.PositiveIntegerField(
        null=True, blank=True, help_text="Mastodon only: the instance's limit on a post, read when it is connected."
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="accounts", help_text="The owning team.")
    responsible_person = models.ForeignKey(User, on_delete=models.PROTECT, related_name="responsible_for_accounts")
    # The id the network knows the account by: X's user id, Bluesky's DID, Mastodon's account id.
    x_user_id = models.CharField("user id on the network", max_length=255, blank=True, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)

    # Approval policy.
    approvals_required = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(10, "Enter a number of approvals between 0 and 10.")],
        help_text="Distinct approvals needed. Leave blank for the default for the kind.",
    )
    approver_team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approves_for_accounts",
        help_text="Whose approvers may approve. Leave blank for the owning team.",
    )
    replies_need_approval = models.BooleanField(default=True)
    # What X allows the app this account posts through (twitter_api.replies decides replies from it).
    api_access = models.CharField(
        "X API access",
        max_length=20,
        choices=ApiAccess.choices,
        default=ApiAccess.SELF_SERVE,
        help_text="Self-serve apps may reply only where the post's author mentioned or quoted the account. "
        "Choose Enterprise or Public Utility only when X has granted that access.",
    )
    saved_replies_skip_approval = models.BooleanField(
        "saved replies need no further approval",
        default=False,
        help_text="A reply made from one of the team's approved saved replies, unchanged, is published without "
        "another approval.",
    )
    # The takeover tripwire (safety): freeze the account at once when it sees a possible compromise.
    freeze_on_compromise = models.BooleanField(
        "freeze on possible compromise",
        null=True,
        blank=True,
        help_text="When Dovecote sees a post it did not make or a profile change, stop everything scheduled for this "
        "account until a lead has looked. Leave blank for the default for the kind (on for corporate and press "
        "office, off for personal).",
    )
    approval_expiry_hours = models.PositiveIntegerField(
        default=72,
        validators=[MinValueValidator(1, EXPIRY_RANGE), MaxValueValidator(720, EXPIRY_RANGE)],
        help_text="Approvals older than this lapse and must be given again.",
    )

    # Records (tweets.retention): how long the account's posts and drafts are kept, and the legal hold that stops
    # every deletion of them while it lasts.
    retention_years = models.PositiveSmallIntegerField(
        "retention period (years)",
        default=DEFAULT_RETENTION_YEARS,
        db_default=DEFAULT_RETENTION_YEARS,  # rows written in SQL (bench/) get it too
        validators=[MinValueValidator(1, RETENTION_RANGE), MaxValueValidator(100, RETENTION_RANGE)],
        help_text="Drafts never published, and published posts with their history, media and records of changes on "
        "X, are deleted this many years after their last activity (unless on legal hold). The audit trail is "
        "never deleted. Export the records to the archive first.",
    )
    legal_hold_since = models.DateTimeField(
        null=True, blank=True, help_text="While set, nothing of this account's records is deleted, by anyone."
    )
    legal_hold_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    legal_hold_reason = models.TextField(blank=True, db_default="")

    # OAuth 1.0a user credentials: encrypted at rest, write-only everywhere.
    access_token = EncryptedTextField(blank=True, default="")
    access_token_secret = EncryptedTextField(blank=True, default="")
    credentials_updated_at = models.DateTimeField(null=True, blank=True)
    credentials_revoked_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["handle"]

    def __str__(self) -> str:
        return f"@{self.handle}"

    def clean(self) -> None:
        super().clean()
        validator = HANDLE_VALIDATORS.get(self.network or X, handle_validator)
        try:
            validator(self.handle or "")
        except ValidationError as exc:
            raise ValidationError({"handle": exc.messages}) from exc
        if self.network == MASTODON and not self.instance_url:
            raise ValidationError({"instance_url": "Enter the address of the account's Mastodon server."})
        if self.network != MASTODON and self.instance_url:
            raise ValidationError({"instance_url": "Only a Mastodon account has an instance. Leave it blank."})

    @property
    def network_label(self) -> str:
        return dict(NETWORK_CHOICES).get(self.network, "X")

    @property
    def on_legal_hold(self) -> bool:
        return self.legal_hold_since is not None

    @property
    def required_approvals(self) -> int:
        return self.required_approvals_for(self.kind, self.approvals_required)

    @classmethod
    def required_approvals_for(cls, kind: str, approvals_required: int | None) -> int:
        """The account's own number, or its kind's default when it has none."""
        return cls.DEFAULT_APPROVALS[kind] if approvals_required is None else approvals_required

    @property
    def freezes_on_compromise(self) -> bool:
        if self.freeze_on_compromise is not None:
            return self.freeze_on_compromise
        return self.kind in (self.Kind.CORPORATE, self.Kind.PRESS_OFFICE)

    @property
    def approving_team_id(self) -> int:
        return self.approver_team_id or self.team_id

    @property
    def approval_expiry(self) -> timedelta:
        return timedelta(hours=self.approval_expiry_hours)

    @property
    def has_credentials(self) -> bool:
        """X needs a token and its secret; Bluesky an app password and Mastodon an access token (in access_token)."""
        if self.credentials_revoked_at is not None or not self.access_token:
            return False
        return bool(self.access_token_secret) or (self.network or X) != X

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class ActivityGrant(models.Model):
    """The account's OAuth 2.0 grant (Authorization Code with PKCE): what lets X's Activity API push the account's
    private events (mentions, replies, quotes) to Dovecote. Separate from the OAuth 1.0a credentials used for
    posting. Tokens are encrypted at rest and never shown again; one grant per account, kept (without its tokens)
    as history once revoked. Written only by accounts/oauth2.py (the service)."""

    account = models.OneToOneField(TwitterAccount, on_delete=models.CASCADE, related_name="activity_grant")
    access_token = EncryptedTextField(blank=True, default="")
    refresh_token = EncryptedTextField(blank=True, default="")
    scopes = models.CharField(max_length=500, blank=True, help_text="The scopes X granted, space-separated.")
    expires_at = models.DateTimeField(null=True, blank=True, help_text="When the access token stops working.")
    x_user_id = models.CharField("X user id", max_length=30, blank=True, help_text="Whose token X issued.")
    authorised_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    authorised_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Set when X refused to refresh (invalid_grant): a lead must authorise again.
    refresh_failed_at = models.DateTimeField(null=True, blank=True)
    refresh_failure = models.CharField(max_length=200, blank=True)
    # Counts each change of tokens: a refresh writes only if no one changed them since it read them (X rotates the
    # refresh token, so of two refreshes racing one loses, and must not mark the grant as failed).
    generation = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="activity_grant_expiry")]

    def __str__(self) -> str:
        return f"Account events grant for {self.account}"

    @property
    def is_usable(self) -> bool:
        """Holds tokens X still honours as far as Dovecote knows: authorised, not revoked, refresh not failed."""
        return bool(self.access_token) and self.revoked_at is None and self.refresh_failed_at is None

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events cannot be changed.")

    def delete(self):
        raise PermissionError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """An append-only record of a consequential action. The app offers no way to edit or delete one."""

    # PROTECT: rows are immutable, so people and teams with history are deactivated, not deleted.
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor_label = models.CharField(max_length=254, blank=True, help_text="Who acted, kept if the user is deleted.")
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label or 'system'} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events cannot be deleted.")
