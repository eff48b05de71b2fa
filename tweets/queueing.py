"""Putting tweets' jobs on the queues. Jobs are named by path so services and jobs don't import each other.

Enqueueing happens after commit. If Redis is unreachable the failure is logged, not raised, and the action
stands as the database records it: the sweep (dovecote/cron.py) finds every due draft again within a minute
of Redis answering, and an email job is sent from this process instead (core.queues). With
settings.RQ_ASYNC off (tests), jobs run in-process at once and a failure is raised; a job for a future time is
then left to the sweep.
"""

import logging
from datetime import UTC, datetime

import django_rq
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from redis.exceptions import RedisError

from core.queues import enqueue_or_run_here

logger = logging.getLogger(__name__)

PUBLISH_JOB = "tweets.jobs.publish_draft"
PUBLISH_DUE_JOB = "tweets.jobs.publish_due"


class SyncJobFailed(RuntimeError):
    """A job run in-process (RQ_ASYNC off) raised; rq records that quietly, so say it loudly."""


def get_queue(name: str):
    # commit_mode "auto": we enqueue from our own on_commit callbacks, so django-rq must not defer again.
    return django_rq.get_queue(name, is_async=settings.RQ_ASYNC, commit_mode="auto")


def _enqueue(
    queue_name: str,
    func: str,
    *args,
    at: datetime | None = None,
    job_id: str | None = None,
    run_here_if_unreachable: bool = False,
) -> None:
    queue = get_queue(queue_name)
    try:
        if at is not None and at > timezone.now():
            if queue.is_async:
                queue.enqueue_at(at, func, *args, job_id=job_id)
            return
        job = queue.enqueue(func, *args, job_id=job_id)
    except RedisError as exc:
        if run_here_if_unreachable:
            enqueue_or_run_here(queue_name, func, *args)  # tries Redis once more, then runs it here
            return
        logger.warning("Could not queue %s%r (%s: %s); the sweep will catch up", func, args, type(exc).__name__, exc)
        return
    if not queue.is_async and job.is_failed:
        result = job.latest_result()
        raise SyncJobFailed(result.exc_string if result else f"{func}{args!r} failed")


def publish(draft_id: int, *, at: datetime | None = None) -> None:
    """Publish the draft now, or at `at` together with everything else due in that second."""
    if at is not None and at > timezone.now():
        publish_due_in_second(int(at.timestamp()))
    else:
        _enqueue("publish", PUBLISH_JOB, draft_id)


def publish_due_in_second(second: int) -> None:
    """One job per second of due times, so drafts due together are published together (in batches).

    RQ's scheduler looks for due jobs once a second, so the job is put on the queue a second early and
    waits for the due time itself: posts go out on time, not up to a second late. The job id makes a
    second's job one job however many drafts are due in it.
    """
    start = datetime.fromtimestamp(second - 1, tz=UTC)
    _enqueue("publish", PUBLISH_DUE_JOB, second, at=start, job_id=f"publish-due-{second}")


def publish_due_now() -> None:
    """Publish whatever is due (another worker's share of a large batch, or the sweep's catch-up)."""
    _enqueue("publish", PUBLISH_DUE_JOB)


def publish_on_commit(draft_id: int, *, at: datetime | None = None) -> None:
    transaction.on_commit(lambda: publish(draft_id, at=at))


def notify_approvers_on_commit(draft_id: int) -> None:
    transaction.on_commit(
        lambda: _enqueue("default", "tweets.jobs.notify_approvers", draft_id, run_here_if_unreachable=True)
    )


def notify_author_of_failure_on_commit(draft_id: int) -> None:
    transaction.on_commit(
        lambda: _enqueue("default", "tweets.jobs.notify_author_of_failure", draft_id, run_here_if_unreachable=True)
    )


def notify_held(draft_id: int) -> None:
    """Tell a held post's author and approvers (called from the state-change signal, which is after commit)."""
    _enqueue("default", "tweets.jobs.notify_held", draft_id, run_here_if_unreachable=True)


def notify_leads_of_freeze_on_commit(freeze_id: int, event: str) -> None:
    transaction.on_commit(
        lambda: _enqueue(
            "default", "tweets.jobs.notify_leads_of_freeze", freeze_id, event, run_here_if_unreachable=True
        )
    )
