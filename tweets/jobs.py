"""Jobs: take ids, load, call a service. Each is safe to run twice and on several workers at once."""

import logging
import time
from datetime import UTC, datetime

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.access import led_team_ids
from accounts.models import User
from core import notices
from tweets import publishing, retention, selectors, spend
from tweets.models import Approval, Draft, PublishingFreeze

logger = logging.getLogger(__name__)


# RQ's scheduler works in whole seconds, so a job can start up to a second before its draft is due.
EARLY_START_WAIT_SECONDS = 3


def publish_draft(draft_id: int) -> publishing.Outcome:
    """Publish one draft if it is due (the claim makes a second run or a second worker a no-op)."""
    due = Draft.objects.filter(pk=draft_id).values_list("publish_due_at", flat=True).first()
    if due is not None:
        wait = (due - timezone.now()).total_seconds()
        if 0 < wait <= EARLY_START_WAIT_SECONDS:
            time.sleep(wait)
    return publishing.draft_publish(draft_id=draft_id)


def publish_due(second: int | None = None) -> dict[int, publishing.Outcome]:
    """Publish every due draft, in batches. For `second`'s job, first wait for the drafts due in it."""
    outcomes: dict[int, publishing.Outcome] = {}
    while True:
        if second is not None:
            first = publishing.next_due(before=datetime.fromtimestamp(second + 1, tz=UTC))
            if first is None:
                return outcomes
            wait = (first - timezone.now()).total_seconds()
            if wait > EARLY_START_WAIT_SECONDS:
                return outcomes  # not this second's any more (rescheduled); its own job or the sweep has it
            if wait > 0:
                time.sleep(wait)
        done = publishing.drafts_publish_due_now()
        outcomes.update(done)
        if second is None or not done:
            return outcomes  # (nothing done: what is left is another worker's or the sweep's)


def publish_due_sweep() -> list[int]:
    """Periodic: enqueue every overdue draft, e.g. after the workers or the scheduler were down."""
    return publishing.drafts_publish_due()


def _draft_url(draft: Draft) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("tweets:draft_detail", args=[draft.pk])


def notify_approvers(draft_id: int) -> int:
    """Email the people who may approve a submitted draft (not its author)."""
    draft = Draft.objects.select_related("account", "author", "current_revision").filter(pk=draft_id).first()
    if draft is None or draft.state != Draft.State.SUBMITTED:
        return 0
    approvers = [u for u in selectors.eligible_approvers(draft.account).exclude(pk=draft.author_id) if u.email]
    if not approvers:
        logger.warning("Draft %s is waiting for approval but %s has no approvers", draft.pk, draft.account)
        return 0
    wanted = notices.emails_wanted("approval_needed", [u.pk for u in approvers])
    recipients = sorted({u.email for u in approvers if u.pk in wanted})
    if not recipients:
        return 0
    context = {
        "draft": draft,
        "url": _draft_url(draft),
        "required": selectors.approvals_required(draft),
        "count": selectors.approval_count(draft),
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
    if not notices.emails_wanted("post_failed", [draft.author_id]):
        return 0
    send_mail(
        subject=f"Your post for {draft.account} was not published",
        message=render_to_string("tweets/email/publish_failed.txt", {"draft": draft, "url": _draft_url(draft)}),
        from_email=None,
        recipient_list=[draft.author.email],
    )
    return 1


def spend_holds_release() -> int:
    """Release posts held for spend that their team's budget allows now (after the month turns)."""
    return spend.spend_holds_release()


def notify_held(draft_id: int) -> int:
    """Email a held post's author and the approvers who approved it: why it is held and what happens next."""
    draft = (
        Draft.objects.select_related("account", "account__team", "author", "current_revision", "held_by__started_by")
        .filter(pk=draft_id)
        .first()
    )
    if draft is None or draft.state != Draft.State.HELD:
        return 0
    approver_ids = Approval.objects.filter(draft=draft, revision_id=draft.current_revision_id).values("approver_id")
    people = [draft.author, *User.objects.filter(pk__in=approver_ids).exclude(pk=draft.author_id).order_by("pk")]
    wanted = notices.emails_wanted("post_held", [u.pk for u in people])
    recipients = [u.email for u in people if u.is_active and u.email and u.pk in wanted]
    if not recipients:
        return 0
    outlook = selectors.held_outlook(draft)
    context = {"draft": draft, "freeze": draft.held_by, "outlook": outlook, "url": _draft_url(draft)}
    by = "the team's spend budget" if draft.held_for_spend and not draft.held_by_id else "a publishing freeze"
    send_mail(
        subject=f"Held by {by}: a post for {draft.account}",
        message=render_to_string("tweets/email/post_held.txt", context),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)


def notify_leads_of_freeze(freeze_id: int, event: str) -> int:
    """Email the leads in a freeze's scope that it started or was lifted (not the person who did it). After a
    lift each lead hears how many held posts of the teams they lead wait for their decision."""
    freeze = (
        PublishingFreeze.objects.select_related("team", "account", "started_by", "lifted_by")
        .filter(pk=freeze_id)
        .first()
    )
    if freeze is None or (event == "lifted" and freeze.lifted_at is None):
        return 0
    actor_id = freeze.started_by_id if event == "started" else freeze.lifted_by_id
    url = settings.SITE_URL.rstrip("/") + reverse("tweets:freeze_detail", args=[freeze.pk])
    held = selectors.held_after_lift(freeze) if event == "lifted" else Draft.objects.none()
    sent = 0
    leads = list(selectors.freeze_leads(freeze).exclude(pk=actor_id))
    wanted = notices.emails_wanted(f"freeze_{event}", [lead.pk for lead in leads])
    for lead in leads:
        if not lead.email or lead.pk not in wanted:
            continue
        waiting = held if lead.is_admin else held.filter(account__team_id__in=led_team_ids(lead))
        send_mail(
            subject=f"Publishing freeze {event}: {freeze.scope_label}",
            message=render_to_string(
                f"tweets/email/freeze_{event}.txt",
                {"freeze": freeze, "lead": lead, "url": url, "waiting": waiting.count()},
            ),
            from_email=None,
            recipient_list=[lead.email],
        )
        sent += 1
    return sent


def records_retention_sweep() -> dict[str, dict]:
    """Daily: delete what each account's retention period has passed, unless it is on legal hold (tweets.retention).
    Safe to run twice: the second run finds nothing due."""
    return retention.retention_sweep()
