"""Jobs: take ids, load, call a service. Each is safe to run twice and on several workers at once."""

import logging
import time
from datetime import UTC, datetime

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from tweets import services
from tweets.models import Draft

logger = logging.getLogger(__name__)


# RQ's scheduler works in whole seconds, so a job can start up to a second before its draft is due.
EARLY_START_WAIT_SECONDS = 3


def publish_draft(draft_id: int) -> str:
    """Publish one draft if it is due (the claim makes a second run or a second worker a no-op)."""
    due = Draft.objects.filter(pk=draft_id).values_list("publish_due_at", flat=True).first()
    if due is not None:
        wait = (due - timezone.now()).total_seconds()
        if 0 < wait <= EARLY_START_WAIT_SECONDS:
            time.sleep(wait)
    return services.draft_publish(draft_id=draft_id)


def publish_due(second: int | None = None) -> dict[int, str]:
    """Publish every due draft, in batches. For `second`'s job, first wait for the drafts due in it."""
    outcomes: dict[int, str] = {}
    while True:
        if second is not None:
            first = services.next_due(before=datetime.fromtimestamp(second + 1, tz=UTC))
            if first is None:
                return outcomes
            wait = (first - timezone.now()).total_seconds()
            if wait > EARLY_START_WAIT_SECONDS:
                return outcomes  # not this second's any more (rescheduled); its own job or the sweep has it
            if wait > 0:
                time.sleep(wait)
        done = services.drafts_publish_due_now()
        outcomes.update(done)
        if second is None or not done:
            return outcomes  # (nothing done: what is left is another worker's or the sweep's)


def publish_due_sweep() -> list[int]:
    """Periodic: enqueue every overdue draft, e.g. after the workers or the scheduler were down."""
    return services.drafts_publish_due()


def _draft_url(draft: Draft) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("tweets:draft_detail", args=[draft.pk])


def notify_approvers(draft_id: int) -> int:
    """Email the people who may approve a submitted draft (not its author)."""
    draft = Draft.objects.select_related("account", "author", "current_revision").filter(pk=draft_id).first()
    if draft is None or draft.state != Draft.State.SUBMITTED:
        return 0
    recipients = sorted(
        {u.email for u in services.eligible_approvers(draft.account).exclude(pk=draft.author_id) if u.email}
    )
    if not recipients:
        logger.warning("Draft %s is waiting for approval but %s has no approvers", draft.pk, draft.account)
        return 0
    context = {
        "draft": draft,
        "url": _draft_url(draft),
        "required": services.approvals_required(draft),
        "count": services.approval_count(draft),
    }
    send_mail(
        subject=f"Approval needed: a post for {draft.account}",
        message=render_to_string("tweets/email/approval_needed.txt", context),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)


def notify_author_of_failure(draft_id: int) -> int:
    draft = Draft.objects.select_related("account", "author", "current_revision").filter(pk=draft_id).first()
    if draft is None or draft.state != Draft.State.FAILED or not draft.author.email:
        return 0
    send_mail(
        subject=f"Your post for {draft.account} was not published",
        message=render_to_string("tweets/email/publish_failed.txt", {"draft": draft, "url": _draft_url(draft)}),
        from_email=None,
        recipient_list=[draft.author.email],
    )
    return 1
