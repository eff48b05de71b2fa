"""The takeover tripwire's records: what it last saw of each governed account (Watch), and each possible takeover
it found (Incident), with the freeze it started and the outcome a lead recorded."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import TwitterAccount
from networks import provider_for
from tweets.models import PublishingFreeze

# What X calls each profile field in its profile.update.* events, and what the pages call it.
PROFILE_FIELD_LABELS = {
    "name": "Name",
    "username": "Handle",
    "description": "Bio",
    "profile_image_url": "Profile picture",
    "url": "Link",
}


class Watch(models.Model):
    """Where the tripwire's reading of one account has got to: the newest of its own posts seen (a cursor, moved in
    the transaction that records what the read found) and its profile as last seen. Empty: no baseline yet."""

    account = models.OneToOneField(TwitterAccount, on_delete=models.CASCADE, related_name="safety_watch")
    since_id = models.CharField(max_length=30, blank=True, help_text="The newest of the account's posts read.")
    posts_baseline_at = models.DateTimeField(null=True, blank=True, help_text="When its posts were first read.")
    posts_read_at = models.DateTimeField(null=True, blank=True)
    profile = models.JSONField(default=dict, blank=True, help_text="The profile as last read: field -> value.")
    profile_read_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Why the last read failed, if it did.")
    paused_until = models.DateTimeField(null=True, blank=True, help_text="X limited reading until then.")

    def __str__(self) -> str:
        return f"Watch of {self.account}"


class Incident(models.Model):
    """A possible takeover: a post on a governed account that did not come out of Dovecote, or a change to its
    profile. One per finding (`event_id`, per account), however often it is found or by which route."""

    class Kind(models.TextChoices):
        FOREIGN_POST = "foreign_post", "Post not made through Dovecote"
        PROFILE_CHANGE = "profile_change", "Profile changed"

    class State(models.TextChoices):
        OPEN = "open", "Open"
        LEGITIMATE = "legitimate", "Legitimate"
        COMPROMISED = "compromised", "Compromised"

    class Source(models.TextChoices):
        POLL = "poll", "Reading the account on X"
        PUSH = "push", "X's account activity events"

    account = models.ForeignKey(TwitterAccount, on_delete=models.PROTECT, related_name="incidents")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.OPEN, db_index=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    event_id = models.CharField(max_length=120, help_text="The finding: the same one twice is one incident.")
    x_event_id = models.CharField(max_length=120, blank=True, help_text="X's event id, when X pushed it.")
    # The evidence: the post as X showed it, or the profile field before and after.
    post_id = models.CharField(max_length=300, blank=True, help_text="The network's id of the post.")
    post_text = models.TextField(blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    profile_field = models.CharField(max_length=40, blank=True)
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)
    detected_at = models.DateTimeField(default=timezone.now)
    freeze = models.ForeignKey(
        PublishingFreeze, on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text="Started by it."
    )
    emailed_at = models.DateTimeField(null=True, blank=True)
    # The outcome.
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    credentials_revoked = models.BooleanField(default=False)
    post_deleted = models.BooleanField(default=False)
    freeze_kept = models.BooleanField(default=False)

    class Meta:
        ordering = ["-detected_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "event_id"], name="one_incident_per_finding"),
            models.CheckConstraint(
                condition=Q(state="open", resolved_at__isnull=True) | (~Q(state="open") & Q(resolved_at__isnull=False)),
                name="incident_resolved_when_not_open",
            ),
        ]
        indexes = [models.Index(fields=["state", "account"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.account}"

    def get_absolute_url(self) -> str:
        return reverse("safety:incident_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    @property
    def field_label(self) -> str:
        return PROFILE_FIELD_LABELS.get(self.profile_field, self.profile_field.replace("_", " ").capitalize())

    @property
    def post_url(self) -> str:
        return provider_for(self.account).post_url(self.account, self.post_id) if self.post_id else ""

    @property
    def summary(self) -> str:
        """What was seen, in one line (the freeze's reason, the banner, the email's subject)."""
        if self.kind == self.Kind.FOREIGN_POST:
            text = self.post_text if len(self.post_text) <= 80 else self.post_text[:79] + "…"
            return f"a post not made through Dovecote: “{text}”"
        return f"the profile's {self.field_label.lower()} changed"


class SecurityContact(models.Model):
    """Someone in the department's security team emailed about every possible takeover, added by an admin (beside
    settings.SECURITY_CONTACT_EMAIL, from the environment)."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email
