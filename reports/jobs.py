"""Weekly report emails: the cron job enqueues one job per lead; each sends that lead's email once."""

from datetime import date

import django_rq
from django.conf import settings

from accounts.models import User
from reports import weekly, weekly_export


def weekly_reports_enqueue() -> int:
    """Queue last week's report email for every current lead (run weekly; safe to run twice)."""
    week_start = weekly.last_complete_week().isoformat()
    queue = django_rq.get_queue("default", is_async=settings.RQ_ASYNC)
    lead_ids = weekly_export.lead_ids_to_email()
    for user_id in lead_ids:
        queue.enqueue("reports.jobs.weekly_report_email", user_id=user_id, week_start=week_start)
    return len(lead_ids)


def weekly_report_email(*, user_id: int, week_start: str) -> bool:
    """Send one lead's report for the week; does nothing if it was already sent."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return False
    return weekly_export.report_email_send(user=user, week_start=date.fromisoformat(week_start))
