"""The inbox's working tools: saved searches (per person), a team's own tags, and bulk actions (with undo).

Imported by monitoring.models, so Django sees them as monitoring's models.
"""

from django.db import models
from django.utils import timezone

from accounts.models import Team, User


class SavedSearch(models.Model):
    """A person's named search of one team's inbox: the words and the filters, as the inbox's query string."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    params = models.TextField(help_text="The inbox's query string (search words and filters).")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner", "team", "name"], name="saved_search_name_unique")]

    def __str__(self) -> str:
        return self.name


class TeamTag(models.Model):
    """A tag a team defines for its inbox items (its leads manage the list); items carry it by name."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="item_tags")
    name = models.CharField(max_length=50)
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="team_tag_unique")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name = self.name.strip().lower()
        super().save(*args, **kwargs)


class BulkAction(models.Model):
    """One bulk action by one person on the items a search or filter found, its progress, and what it changed.

    `before` keeps, per item changed, what undoing needs: its status and assignee before, the tag it did not have,
    or the item the receiving team was given. Only the person's last bulk action can be undone, once.
    """

    class Action(models.TextChoices):
        ASSIGN = "assign", "Assign"
        TAG = "tag", "Tag"
        CLOSE = "close", "Close with a reason"
        ESCALATE = "escalate", "Pass on to another team"

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Under way"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    params = models.JSONField(default=dict, help_text="The action's choices: assignee, tag, reason, team, note.")
    item_ids = models.JSONField(default=list, help_text="The items found when the action was asked for.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    before = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["by", "-created_at"], name="bulkaction_by_recent")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} on {self.total} items by {self.by}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(self.done * 100 / self.total))

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)
