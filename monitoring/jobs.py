"""Jobs on the `poll` and `default` queues: take ids (or nothing), load, call a service; safe to run twice."""

import logging
from datetime import timedelta

import django_rq
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from monitoring import budget, ingest, spikes
from monitoring.models import MonitorHour

log = logging.getLogger(__name__)

# The dashboard reads a monitor's last 48 closed hours (monitoring.dashboard); a week more is kept for anyone
# looking into a recent spike in the admin.
MONITOR_HOURS_KEPT = timedelta(days=9)


def poll_cycle() -> int:
    """Every few seconds (RQ cron): sync cursors with monitors and accounts, enqueue a poll for each due cursor."""
    ingest.cursors_sync()
    due = ingest.cursors_due()
    queue = django_rq.get_queue("poll")
    for cursor_id in due:
        transaction.on_commit(lambda pk=cursor_id: queue.enqueue(poll_cursor, pk, job_id=f"poll-cursor-{pk}"))
    return len(due)


def poll_cursor(cursor_id: int) -> str:
    outcome = ingest.cursor_poll(cursor_id=cursor_id)
    if outcome.status in ("error", "rate_limited"):
        log.warning("Poll of cursor %s: %s (%s)", cursor_id, outcome.status, outcome.message)
    return outcome.status


def spikes_check() -> int:
    return len(spikes.spikes_detect())


def budget_check() -> bool:
    return budget.budget_check().exhausted


def monitor_hours_purge() -> int:
    """Delete stored monitor hours older than MONITOR_HOURS_KEPT; returns how many went."""
    deleted, _ = MonitorHour.objects.filter(hour__lt=timezone.now() - MONITOR_HOURS_KEPT).delete()
    return deleted


def bulk_run(bulk_id: int) -> str:
    """A large bulk action on the inbox (monitoring.bulk): carries on from where it got to; safe to run twice."""
    from monitoring import bulk

    try:
        return bulk.bulk_run(bulk_id=bulk_id).state
    except Exception:
        log.exception("Bulk action %s failed", bulk_id)
        bulk.bulk_fail(bulk_id=bulk_id)
        raise


def post_metrics_sweep() -> int:
    """Every few minutes (RQ cron): skip own posts' snapshots past their time, enqueue a read per account with
    snapshots due (monitoring.post_metrics)."""
    from monitoring import post_metrics

    accounts = post_metrics.post_metrics_sweep()
    queue = django_rq.get_queue("poll", is_async=settings.RQ_ASYNC, commit_mode="auto")
    for account_id in accounts:
        transaction.on_commit(lambda pk=account_id: queue.enqueue(post_metrics_read, pk, job_id=f"post-metrics-{pk}"))
    return len(accounts)


def post_metrics_read(account_id: int) -> str:
    from monitoring import post_metrics

    outcome = post_metrics.post_metrics_read(account_id=account_id)
    if outcome.status in ("error", "rate_limited"):
        log.warning("Own posts' figures for account %s: %s (%s)", account_id, outcome.status, outcome.message)
    return outcome.status
