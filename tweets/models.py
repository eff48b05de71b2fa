"""Drafts and their immutable revisions, approvals bound to a revision, comments, the history of every
state change, publish attempts (the exactly-once ledger) and publishing freezes.

A draft holds a thread: each revision stores an ordered list of post texts (one item for a single post).
The draft's state changes only through tweets.services, which lock the row and write a DraftTransition.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import Team, TwitterAccount
from core.paths import path_with_pk
from networks import provider_for

MAX_THREAD_LENGTH = 25


class Draft(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Waiting for approval"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        APPROVED = "approved", "Approved"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHING = "publishing", "Publishing"
        PUBLISHED = "published", "Published"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"
        HELD = "held", "Held by a freeze"
        FAILED = "failed", "Failed"
        RETRACTED = "retracted", "Retracted from X"

    class Purpose(models.TextChoices):
        POST = "post", "Post"
        REPLY = "reply", "Reply from the inbox"

    account = models.ForeignKey(TwitterAccount, on_delete=models.PROTECT, related_name="drafts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="drafts")
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.POST)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT, db_index=True)
    current_revision = models.ForeignKey(
        "DraftRevision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scheduled_at = models.DateTimeField(null=True, blank=True, help_text="When the author wants it published.")
    publish_due_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next publishing attempt is due (schedule, retry or rate limit)."
    )
    in_reply_to_post_id = models.CharField("in reply to post id", max_length=300, blank=True)
    # Composed once for several accounts (networks): the drafts made together share this, each approved and
    # published on its own account's rules.
    announcement = models.UUIDField(null=True, blank=True, db_index=True)
    dm_conversation_id = models.CharField(
        "direct message conversation id",
        max_length=64,
        blank=True,
        db_default="",
        help_text="A reply to a direct message: sent privately into this conversation, not posted publicly.",
    )
    # The post a reply answers as it was when the reply was started (author handle and name, text, time), so the
    # approvers and the history show it even once the mention is deleted: {"post_id", "author_username",
    # "author_name", "text", "posted_at"}.
    reply_to_snapshot = models.JSONField(default=dict, blank=True)
    published_post_id = models.CharField(
        max_length=300, blank=True, help_text="The network's id of the first post (X's id, a Bluesky at:// URI…)."
    )
    published_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.TextField(blank=True)
    held_by = models.ForeignKey(
        "PublishingFreeze", on_delete=models.SET_NULL, null=True, blank=True, related_name="held_drafts"
    )
    coverage = models.ForeignKey(
        "Coverage", on_delete=models.PROTECT, null=True, blank=True, related_name="drafts", help_text="Live coverage."
    )
    coverage_position = models.PositiveIntegerField(null=True, blank=True, help_text="Its place in the coverage.")
    held_for_spend = models.BooleanField(
        default=False, help_text="Held because its team's spend budget for the month is used up (tweets.spend)."
    )
    essential_reason = models.TextField(blank=True, help_text="Why it was published during a freeze.")
    essential_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    retracted_at = models.DateTimeField(null=True, blank=True, help_text="When it was deleted from X.")
    retracted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    retraction_reason = models.TextField(blank=True, help_text="Why it was deleted from X.")
    # The worker that owns a draft in `publishing` holds this token; a stale claim can be taken over.
    claim_token = models.CharField(max_length=36, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["state", "publish_due_at"]),
            models.Index(fields=["account", "state"]),
            # The dashboard's schedule, "my drafts" and the records export.
            models.Index(fields=["state", "scheduled_at"]),
            models.Index(fields=["author", "state"]),
            models.Index(fields=["account", "published_at"]),
            # The approval queue and the dashboard's "waiting for my approval": counted and ordered from the
            # index alone, however many drafts an account has.
            models.Index(
                fields=["account", "updated_at", "id"],
                include=["author", "current_revision"],
                condition=Q(state="submitted"),
                name="draft_submitted_queue",
            ),
            # The dashboard's next seven days per account: each account's upcoming posts ranked and counted
            # from the index alone (with only the state and time index, every upcoming row was fetched).
            models.Index(
                fields=["account", "scheduled_at", "id"],
                condition=Q(state__in=["approved", "scheduled", "publishing"]),
                name="draft_upcoming_per_account",
            ),
            # An inbox item's conversation: the department's published posts in it and its replies to posts in it
            # (monitoring.conversation), found by X id.
            models.Index(fields=["published_post_id"], condition=Q(state="published"), name="draft_published_post_idx"),
            models.Index(
                fields=["in_reply_to_post_id"], condition=Q(state="published"), name="draft_published_reply_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Draft {self.pk} for {self.account}"

    def get_absolute_url(self) -> str:
        return path_with_pk("tweets:draft_detail", self.pk)

    @property
    def posts(self) -> list[str]:
        return list(self.current_revision.posts) if self.current_revision_id else []

    @property
    def text(self) -> str:
        posts = self.posts
        return posts[0] if posts else ""

    @property
    def is_thread(self) -> bool:
        return len(self.posts) > 1

    @property
    def post_url(self) -> str:
        if not self.published_post_id:
            return ""
        if self.dm_conversation_id:  # a private message: its conversation, seen only by its participants
            return f"https://x.com/messages/{self.dm_conversation_id}"
        return provider_for(self.account).post_url(self.account, self.published_post_id)

    @property
    def answers(self) -> dict | None:
        """The post this reply answers, as kept when the reply was started (None for a post, or a reply without)."""
        snapshot = self.reply_to_snapshot
        if not isinstance(snapshot, dict) or not snapshot.get("post_id"):
            return None
        posted_at = snapshot.get("posted_at")
        handle = snapshot.get("author_username") or ""
        on_x = (self.account.network or "x") == "x"
        url = snapshot.get("url") if isinstance(snapshot.get("url"), str) else ""
        return {
            **snapshot,
            "posted_at": parse_datetime(posted_at) if isinstance(posted_at, str) and posted_at else None,
            # A reply is on its post's network; an X address is built only for a post on X.
            "url": url or (f"https://x.com/{handle or 'i'}/status/{snapshot['post_id']}" if on_x else ""),
            "network_label": self.account.network_label,
        }

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.PUBLISHED, self.State.REJECTED, self.State.WITHDRAWN, self.State.RETRACTED)


class DraftRevision(models.Model):
    """One version of a draft's text. Never changed once saved: an edit makes a new revision."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    posts = models.JSONField(help_text="The thread's post texts, in order (NFC-normalised).")
    in_reply_to_post_id = models.CharField("in reply to post id", max_length=300, blank=True)
    # Set when this revision is an approved saved reply filled in and left unchanged (tweets.saved_replies).
    saved_reply_version = models.ForeignKey(
        "SavedReplyVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["draft", "number"]
        constraints = [models.UniqueConstraint(fields=["draft", "number"], name="one_revision_number_per_draft")]

    def __str__(self) -> str:
        return f"Revision {self.number} of draft {self.draft_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Revisions cannot be changed; edit the draft to make a new revision.")
        super().save(*args, **kwargs)

    @property
    def text(self) -> str:
        return "\n\n".join(self.posts)


class Approval(models.Model):
    """An approver's yes to one revision. It counts only for that revision, only until it lapses, and not once
    voided."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="approvals")
    revision = models.ForeignKey(DraftRevision, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approvals")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    voided_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When it stopped counting though its revision is current: the post was brought forward by someone "
        "who may not (the draft's history says who and why).",
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["revision", "created_at"])]

    def __str__(self) -> str:
        return f"Approval of {self.revision} by {self.approver}"


class Comment(models.Model):
    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="comments")
    revision = models.ForeignKey(DraftRevision, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="draft_comments")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment by {self.author} on draft {self.draft_id}"


class DraftTransition(models.Model):
    """One state change: who, when, from, to and why. Doubles as the draft's timeline."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=20, blank=True, choices=Draft.State.choices)
    to_state = models.CharField(max_length=20, choices=Draft.State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        # Reports measure approval turnaround from transitions by state and time.
        indexes = [
            models.Index(fields=["to_state", "created_at"]),
            models.Index(fields=["draft", "to_state", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"Draft {self.draft_id}: {self.from_state or 'new'} → {self.to_state}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("History cannot be changed.")
        super().save(*args, **kwargs)


class PublishAttempt(models.Model):
    """One call to X to create one post of a draft, recorded before the call is made."""

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight", "In flight"
        SUCCEEDED = "succeeded", "Accepted by X"
        UNCERTAIN = "uncertain", "Outcome unknown"
        FAILED = "failed", "Failed"

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="attempts")
    revision = models.ForeignKey(DraftRevision, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0, help_text="Which post of the thread (0 is the first).")
    state = models.CharField(max_length=20, choices=State.choices, default=State.IN_FLIGHT)
    claim_token = models.CharField(max_length=36, blank=True)
    x_post_id = models.CharField(max_length=300, blank=True)
    error_kind = models.CharField(
        max_length=20, blank=True, help_text="transient, uncertain, not_found, rate_limited, duplicate or permanent."
    )
    reconciled = models.BooleanField(default=False, help_text="The outcome was found by reading the account's posts.")
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True, help_text="When X accepted the post.")
    retracted_at = models.DateTimeField(
        null=True, blank=True, help_text="When this post was deleted from X (or found gone) by a retraction."
    )

    class Meta:
        ordering = ["draft", "position", "started_at", "id"]
        indexes = [models.Index(fields=["draft", "position", "state"])]
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "position"],
                condition=Q(state="succeeded"),
                name="one_successful_attempt_per_post",
            )
        ]

    def __str__(self) -> str:
        return f"Attempt {self.pk} on draft {self.draft_id} post {self.position + 1}: {self.state}"


AUTOMATIC_FREEZE_LABEL = "Dovecote, automatically"


class PublishingFreezeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(lifted_at__isnull=True)

    def applying_to(self, account: TwitterAccount):
        # PublishingFreeze.covers, in SQL.
        return self.active().filter(
            Q(scope=PublishingFreeze.Scope.EVERYTHING)
            | Q(scope=PublishingFreeze.Scope.TEAM, team_id=account.team_id)
            | Q(scope=PublishingFreeze.Scope.ACCOUNT, account_id=account.pk)
        )


class PublishingFreeze(models.Model):
    """While a freeze holds, nothing in its scope publishes; due posts become held."""

    class Scope(models.TextChoices):
        EVERYTHING = "everything", "Every account"
        TEAM = "team", "One team's accounts"
        ACCOUNT = "account", "One account"

    scope = models.CharField(max_length=20, choices=Scope.choices)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="freezes")
    account = models.ForeignKey(TwitterAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="freezes")
    reason = models.TextField()
    # None: Dovecote started it by itself (tweets.freezes.freeze_start_automatic, for the takeover tripwire).
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lift_note = models.TextField(blank=True)

    objects = PublishingFreezeQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope="everything", team__isnull=True, account__isnull=True)
                    | Q(scope="team", team__isnull=False, account__isnull=True)
                    | Q(scope="account", team__isnull=True, account__isnull=False)
                ),
                name="freeze_scope_matches_target",
            )
        ]

    def __str__(self) -> str:
        return f"Freeze of {self.scope_label}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None

    @property
    def started_by_label(self) -> str:
        """Who started it, as pages say it."""
        return str(self.started_by) if self.started_by_id else AUTOMATIC_FREEZE_LABEL

    @property
    def scope_label(self) -> str:
        if self.scope == self.Scope.TEAM:
            return f"{self.team}'s accounts"
        if self.scope == self.Scope.ACCOUNT:
            return str(self.account)
        return "every account"

    def covers(self, account: TwitterAccount) -> bool:
        if self.scope == self.Scope.EVERYTHING:
            return True
        if self.scope == self.Scope.TEAM:
            return self.team_id == account.team_id
        return self.account_id == account.pk


class SpendBudget(models.Model):
    """What a team may spend on X in a month (its accounts' posts and reads, its monitors' reads), set by a lead:
    warned at 80%; at 100%, if the lead chose so, posts that are not essential are held (tweets.spend)."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="spend_budget")
    monthly_limit = models.DecimalField(
        "monthly budget (US dollars)", max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    hold_at_limit = models.BooleanField(
        default=False, help_text="At 100%, hold posts that are not essential until the month turns or it is raised."
    )
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team__name"]

    def __str__(self) -> str:
        return f"{self.team}: ${self.monthly_limit:,.2f} a month"


class Coverage(models.Model):
    """Live coverage of an event (a policy launch, a summit): a planned thread for a time window, with an approver
    on duty. Its posts are drafts (`drafts`, in `coverage_position` order) with their approvals, so the plan, the
    posts and the approvals are one record; they go out in order, each replying to the one before (tweets.coverage).
    """

    account = models.ForeignKey(TwitterAccount, on_delete=models.PROTECT, related_name="coverages")
    title = models.CharField(max_length=200, help_text="The event, e.g. 'Launch of the Green Homes Grant'.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    approver_on_duty = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="coverage_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.title} on {self.account}"

    def get_absolute_url(self) -> str:
        return path_with_pk("tweets:coverage_detail", self.pk)


class SavedReply(models.Model):
    """A reply a team keeps to use again ("we're looking into it"), in one of its accounts' voice. Its text lives in
    versions: each is approved once, as a post for that account would be; an edit is a new version."""

    account = models.ForeignKey(TwitterAccount, on_delete=models.PROTECT, related_name="saved_replies")
    title = models.CharField(max_length=80)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["title", "id"]
        constraints = [models.UniqueConstraint(fields=["account", "title"], name="saved_reply_title_per_account")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return path_with_pk("tweets:saved_reply_detail", self.pk)


class SavedReplyVersion(models.Model):
    class State(models.TextChoices):
        SUBMITTED = "submitted", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    saved_reply = models.ForeignKey(SavedReply, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField(help_text="May hold {handle} and {name}: the author's handle and name.")
    state = models.CharField(max_length=20, choices=State.choices, default=State.SUBMITTED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["saved_reply", "-number"]
        constraints = [models.UniqueConstraint(fields=["saved_reply", "number"], name="one_saved_reply_version_number")]

    def __str__(self) -> str:
        return f"{self.saved_reply} v{self.number}"

    @property
    def label(self) -> str:
        return f"“{self.saved_reply.title}” v{self.number}"


class SavedReplyApproval(models.Model):
    """An approver's yes to one version of a saved reply."""

    version = models.ForeignKey(SavedReplyVersion, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "approver"], name="one_saved_reply_approval_each")]

    def __str__(self) -> str:
        return f"Approval of {self.version} by {self.approver}"


from tweets.media_models import MediaFile, MediaUpload, RevisionMedia  # noqa: E402, F401 - models of this app
from tweets.metrics_models import PostMetrics  # noqa: E402, F401 - models of this app
from tweets.records_models import PostOnX  # noqa: E402, F401 - models of this app
