"""Queueing a small job (an email) so that Redis being down never fails the action that asked for it.

Publishing does not come here: its jobs are found again by the due-post sweep (tweets.queueing). An email has
no sweep, so when Redis cannot take its job it is run in this process instead, after the commit: the jobs are
safe to run twice, and the person's action has already been saved either way.
"""

import logging

import django_rq
from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def enqueue_or_run_here(queue_name: str, func: str, *args, **kwargs) -> None:
    """Put `func(*args, **kwargs)` (named by path) on the queue; if Redis is unreachable, run it now."""
    # commit_mode "auto": callers are after commit already, so django-rq must not defer again.
    queue = django_rq.get_queue(queue_name, is_async=settings.RQ_ASYNC, commit_mode="auto")
    try:
        queue.enqueue(func, *args, **kwargs)
        return
    except RedisError as exc:
        logger.warning("Could not queue %s (%s: %s); running it here instead.", func, exc.__class__.__name__, exc)
    try:
        import_string(func)(*args, **kwargs)
    except Exception:
        logger.exception("%s failed, run here while the queue was unreachable", func)


def enqueue_on_commit(queue_name: str, func: str, *args, **kwargs) -> None:
    """`enqueue_or_run_here` once the current transaction commits."""
    transaction.on_commit(lambda: enqueue_or_run_here(queue_name, func, *args, **kwargs))
