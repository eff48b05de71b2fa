"""The figures X keeps for each published post (impressions, likes, replies, reposts, link clicks), read at set
times after publishing: one `PostMetrics` row per post of a thread and checkpoint (hours after it went out).

The rows live in tweets, beside the drafts they describe, so the draft page and the reports can read them; they are
written only by monitoring.post_metrics, which reads X within the department's read budget (monitoring.budget).
Imported by tweets.models, so Django finds these models in the tweets app.
"""

from django.db import models
from django.utils import timezone

FIGURES = ("impressions", "likes", "replies", "reposts", "quotes", "bookmarks", "link_clicks", "profile_clicks")


class PostMetricsQuerySet(models.QuerySet):
    def taken(self):
        return self.filter(status=PostMetrics.Status.TAKEN)

    def of_draft(self, draft):
        """A draft's snapshots, post by post of its thread and checkpoint by checkpoint (its page shows them)."""
        return self.filter(draft=draft).order_by("position", "checkpoint_hours")


class PostMetrics(models.Model):
    """One post's figures at one checkpoint (or why there are none). Figures X did not give are null."""

    class Status(models.TextChoices):
        TAKEN = "taken", "Taken"
        SKIPPED = "skipped", "Skipped"  # not read in time (read budget used up, X credits blocked, X failing)
        GONE = "gone", "Gone from X"

    draft = models.ForeignKey("tweets.Draft", on_delete=models.CASCADE, related_name="metrics")
    account = models.ForeignKey("accounts.TwitterAccount", on_delete=models.CASCADE, related_name="+")
    x_post_id = models.CharField("X post id", max_length=300)
    position = models.PositiveSmallIntegerField(default=0, help_text="Which post of the thread (0 is the first).")
    published_at = models.DateTimeField(help_text="When X accepted the post.")
    checkpoint_hours = models.PositiveIntegerField(help_text="Hours after publishing this snapshot is for.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TAKEN)
    taken_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=200, blank=True)
    impressions = models.PositiveBigIntegerField(null=True, blank=True)
    likes = models.PositiveBigIntegerField(null=True, blank=True)
    replies = models.PositiveBigIntegerField(null=True, blank=True)
    reposts = models.PositiveBigIntegerField(null=True, blank=True)
    quotes = models.PositiveBigIntegerField(null=True, blank=True)
    bookmarks = models.PositiveBigIntegerField(null=True, blank=True)
    link_clicks = models.PositiveBigIntegerField(null=True, blank=True, help_text="Only for posts under 30 days.")
    profile_clicks = models.PositiveBigIntegerField(null=True, blank=True)

    objects = PostMetricsQuerySet.as_manager()

    class Meta:
        ordering = ["published_at", "x_post_id", "checkpoint_hours"]
        verbose_name = "post's figures"
        verbose_name_plural = "posts' figures"
        indexes = [models.Index(fields=["account", "published_at"]), models.Index(fields=["draft", "position"])]
        constraints = [
            # Safe to run twice: one snapshot per post and checkpoint.
            models.UniqueConstraint(fields=["x_post_id", "checkpoint_hours"], name="post_metrics_once_per_checkpoint")
        ]

    def __str__(self) -> str:
        return f"Post {self.x_post_id} at {self.checkpoint_hours} h: {self.get_status_display()}"

    @property
    def checkpoint_label(self) -> str:
        return checkpoint_label(self.checkpoint_hours)


def checkpoint_label(hours: int) -> str:
    """1 hour, 24 hours, 7 days."""
    if hours % 24 == 0 and hours >= 48:
        days = hours // 24
        return f"{days} days"
    return f"{hours} hour{'s' if hours != 1 else ''}"
