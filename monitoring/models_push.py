"""What X pushed about the governed accounts themselves (monitoring.push): a row per X event, each acted on once.

Imported by monitoring.models, so Django sees it as monitoring's model.
"""

from django.db import models
from django.utils import timezone

from accounts.models import TwitterAccount


class AccountEvent(models.Model):
    """An X Activity API event about a governed account (its own post, a deletion, a profile change), stored once by
    X's event id; `account_activity` is sent for it when this row is committed."""

    event_id = models.CharField(max_length=20, unique=True, help_text="X's event_uuid.")
    event_type = models.CharField(max_length=64)
    account = models.ForeignKey(TwitterAccount, on_delete=models.CASCADE, related_name="+")
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    summary = models.CharField(max_length=300, blank=True, help_text="The post's id, or what changed.")

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.event_type} on account {self.account_id} ({self.event_id})"
