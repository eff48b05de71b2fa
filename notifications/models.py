"""Notices to people about what happened (in the app, and by email where they chose it), and their choices."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from notifications.kinds import Kind


class Notification(models.Model):
    """One notice to one person. `key` names the event it is about, so the same event never notifies twice."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    key = models.CharField(max_length=200, help_text="The event, e.g. draft-transition:123.")
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    in_app = models.BooleanField(default=True, help_text="Shown in the person's list of notifications.")
    email = models.BooleanField(default=False, help_text="Emailed by this app (other apps email some kinds).")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="one_notification_per_event")]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], condition=Q(in_app=True), name="notice_list"),
            models.Index(fields=["recipient"], condition=Q(in_app=True, read_at__isnull=True), name="notice_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient_id}: {self.title}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class Preference(models.Model):
    """A person's choice of channels for one kind of notice; without a row, the kind's defaults hold."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    in_app = models.BooleanField()
    email = models.BooleanField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user", "kind"]
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: in app {self.in_app}, email {self.email}"
