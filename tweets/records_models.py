"""What happened to a published post on X after Dovecote published it: deleted on X, edited on X, or retracted
through Dovecote. One `PostOnX` row per change, written by `tweets.records.x_change_record` and never changed, so a
post's history on X can be read back for an archivist or an FOI officer.

Imported by tweets.models, so Django finds these models in the tweets app.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class PostOnX(models.Model):
    """One change to a published post on X, as Dovecote learnt of it. Never changed once saved."""

    class Kind(models.TextChoices):
        DELETED_ON_X = "deleted_on_x", "Deleted on X"
        EDITED_ON_X = "edited_on_x", "Edited on X"
        RETRACTED = "retracted", "Retracted through Dovecote"

    class Source(models.TextChoices):
        POLL = "poll", "Found by reading X"
        PUSH = "push", "Pushed by X"
        RETRACTION = "retraction", "Dovecote retraction"

    draft = models.ForeignKey("tweets.Draft", on_delete=models.CASCADE, related_name="x_changes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    source = models.CharField(max_length=20, choices=Source.choices)
    x_post_id = models.CharField(
        "X post id", max_length=300, blank=True, help_text="The post of the thread it concerns ('' for all of them)."
    )
    seen_at = models.DateTimeField(help_text="When it happened on X (as X says), or when Dovecote found it.")
    # deleted_on_x: {"post_id"}; edited_on_x: {"post_id", "previous_text", "new_text" (or "text_on_x"), "new_post_ids"};
    # retracted: {"by_id", "by", "reason", "posts": [{"position", "post_id", "deleted_at"}]}.
    detail = models.JSONField(default=dict, blank=True)
    # X's event id, or a stable id of a finding: the same change told twice is recorded once.
    event_id = models.CharField(max_length=200, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["seen_at", "id"]
        verbose_name = "change on X"
        verbose_name_plural = "changes on X"
        indexes = [models.Index(fields=["draft", "seen_at"])]
        constraints = [
            models.UniqueConstraint(fields=["event_id"], condition=~Q(event_id=""), name="post_on_x_event_once"),
            # A post is deleted once, however many times X tells us (pushed, then found by a poll).
            models.UniqueConstraint(
                fields=["draft", "x_post_id"],
                condition=Q(kind="deleted_on_x") & ~Q(x_post_id=""),
                name="post_on_x_deleted_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: draft {self.draft_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Records of changes on X cannot be changed.")
        super().save(*args, **kwargs)
