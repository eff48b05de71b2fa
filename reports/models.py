"""What the reports app records: which weekly report emails have gone to which lead."""

from django.conf import settings
from django.db import models


class WeeklyReportEmail(models.Model):
    """One lead's weekly report email for one week: sent once (the row is claimed before mailing)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField(help_text="The Monday the reported week starts on.")
    teams = models.JSONField(default=list, blank=True, help_text="Slugs of the teams the email covered.")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-week_start", "user_id"]
        constraints = [models.UniqueConstraint(fields=["user", "week_start"], name="one_report_email_per_lead_week")]

    def __str__(self) -> str:
        return f"Weekly report for {self.week_start} to user {self.user_id}"
