"""Who is told what, for each event the apps below record. Each function takes ids, reads the event as it is now
and calls services.notify with a key naming the event, so being told twice (a signal sent again, a job run twice)
notifies nobody twice."""

from functools import reduce
from operator import or_

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import ActivityGrant, Membership, Team, User
from monitoring.models import BulkAction, InboxItemEvent
from notifications.kinds import Kind
from notifications.services import notify
from safety.models import Incident
from safety.selectors import incident_leads, security_contacts
from training.models import ReminderSent
from tweets import selectors as tweets_selectors
from tweets.models import Approval, Draft, DraftTransition, PublishingFreeze

S = Draft.State


def _latest_transition_id(draft_id: int, to_state: str) -> int | None:
    return (
        DraftTransition.objects.filter(draft_id=draft_id, to_state=to_state)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )


def draft_moved(draft_id: int, to_state: str) -> int:
    """A draft's state changed: approvers hear it waits for them; its author hears it was held, published or
    failed (with the approvers who approved it, when held)."""
    if to_state not in (S.SUBMITTED, S.HELD, S.PUBLISHED, S.FAILED):
        return 0
    draft = Draft.objects.select_related("account", "author", "current_revision", "held_by").filter(pk=draft_id).first()
    transition_id = _latest_transition_id(draft_id, to_state)
    if draft is None or transition_id is None or draft.state != to_state:
        return 0  # moved on already (approved at once, say): the later state is what matters
    account = draft.account
    key = f"draft-transition:{transition_id}"
    url = draft.get_absolute_url()
    text = draft.text
    preview = text if len(text) <= 140 else text[:139] + "…"
    if to_state == S.SUBMITTED:
        if tweets_selectors.approvals_required(draft) == 0:
            return 0
        team_id = account.approving_team_id
        wrote = {draft.author_id, draft.current_revision.created_by_id if draft.current_revision_id else None}
        approvers = tweets_selectors.possible_approvers([team_id], [account.kind])[team_id]
        recipients = [a.user_id for a in approvers if a.trained.get(account.kind) and a.user_id not in wrote]
        return notify(
            kind=Kind.APPROVAL_NEEDED,
            recipients=recipients,
            key=key,
            title=f"A post for {account} is waiting for your approval",
            body=f"From {draft.author}: {preview}",
            url=url,
        )
    if to_state == S.HELD:
        approvers = Approval.objects.filter(draft=draft, revision_id=draft.current_revision_id).values_list(
            "approver_id", flat=True
        )
        freeze = draft.held_by
        return notify(
            kind=Kind.POST_HELD,
            recipients=[draft.author_id, *approvers],
            key=key,
            title=f"A post for {account} is held by a publishing freeze",
            body=(f"Freeze: {freeze.reason}\n" if freeze else "") + preview,
            url=url,
        )
    if to_state == S.PUBLISHED:
        return notify(
            kind=Kind.POST_PUBLISHED,
            recipients=[draft.author_id],
            key=key,
            title=f"Your post for {account} was published",
            body=preview,
            url=url,
        )
    return notify(
        kind=Kind.POST_FAILED,
        recipients=[draft.author_id],
        key=key,
        title=f"Your post for {account} was not published",
        body=(draft.failure_reason or "") + ("\n" if draft.failure_reason else "") + preview,
        url=url,
    )


def item_event(event_id: int) -> int:
    """An inbox item was assigned to someone: they hear, unless they did it."""
    event = InboxItemEvent.objects.select_related("item__team", "item__mention", "actor").filter(pk=event_id).first()
    if event is None:
        return 0
    item = event.item
    url = reverse("monitoring:item_detail", args=[item.pk])
    key = f"inbox-event:{event.pk}"
    author = getattr(item.mention, "author_username", "") or ""
    about = f"A mention from @{author}" if author else "A mention"
    if event.action == "assigned":
        if not item.assigned_to_id or item.assigned_to_id == event.actor_id:
            return 0
        return notify(
            kind=Kind.ITEM_ASSIGNED,
            recipients=[item.assigned_to_id],
            key=key,
            title=f"{event.actor or 'Someone'} assigned an inbox item to you",
            body=f"{about}, in {item.team}'s inbox.",
            url=url,
        )
    return 0


def bulk_assigned(bulk_id: int) -> int:
    """A bulk action assigned items to someone: they hear once, with how many (unless they did it)."""
    bulk = BulkAction.objects.select_related("by", "team").filter(pk=bulk_id).first()
    if bulk is None or bulk.action != BulkAction.Action.ASSIGN or bulk.state != BulkAction.State.DONE:
        return 0
    assignee_id = (bulk.params or {}).get("assignee")
    if not assignee_id or not bulk.changed or str(assignee_id) == str(bulk.by_id):
        return 0
    many = bulk.changed > 1
    return notify(
        kind=Kind.ITEM_ASSIGNED,
        recipients=[int(assignee_id)],
        key=f"bulk-action:{bulk.pk}",
        title=f"{bulk.by} assigned {bulk.changed if many else 'an'} inbox item{'s' if many else ''} to you",
        body=f"In {bulk.team}'s inbox.",
        url=reverse("monitoring:inbox"),
    )


def items_passed_on(*, to_team_id: int, item_ids: list[int], by_id: int | None, note: str) -> int:
    """Items were passed on to a team (one, or a bulk action's many): its leads hear once per pass-on, unless one
    of them did it."""
    team = Team.objects.filter(pk=to_team_id).first()
    ids = sorted(int(pk) for pk in item_ids)
    if team is None or not ids:
        return 0
    by = User.objects.filter(pk=by_id).first() if by_id else None
    leads = (
        Membership.objects.current_leads()
        .filter(team_id=team.pk)
        .exclude(user_id=by_id)
        .values_list("user_id", flat=True)
    )
    many = len(ids) > 1
    return notify(
        kind=Kind.ITEM_PASSED,
        recipients=leads,
        key=f"passed-on:{team.pk}:{ids[0]}:{len(ids)}",
        title=f"{by or 'Someone'} passed {len(ids) if many else 'an'} inbox item{'s' if many else ''} on to {team}",
        body=note,
        url=reverse("monitoring:inbox") if many else reverse("monitoring:item_detail", args=[ids[0]]),
    )


def freeze_changed(freeze_id: int, event: str) -> int:
    """A freeze started or was lifted: the leads in its scope hear (not the person who did it)."""
    freeze = PublishingFreeze.objects.select_related("team", "account").filter(pk=freeze_id).first()
    if freeze is None or (event == "lifted" and freeze.lifted_at is None):
        return 0
    actor_id = freeze.started_by_id if event == "started" else freeze.lifted_by_id
    leads = tweets_selectors.freeze_leads(freeze).exclude(pk=actor_id).values_list("pk", flat=True)
    url = reverse("tweets:freeze_detail", args=[freeze.pk])
    if event == "started":
        return notify(
            kind=Kind.FREEZE_STARTED,
            recipients=leads,
            key=f"freeze:{freeze.pk}:started",
            title=f"Publishing freeze started: {freeze.scope_label}",
            body=freeze.reason,
            url=url,
        )
    return notify(
        kind=Kind.FREEZE_LIFTED,
        recipients=leads,
        key=f"freeze:{freeze.pk}:lifted",
        title=f"Publishing freeze lifted: {freeze.scope_label}",
        body=freeze.lift_note,
        url=url,
    )


def incident_raised(incident_id: int) -> int:
    """The takeover tripwire raised an incident: the account's leads hear at once, and the department's security
    contacts who have a Dovecote account (safety.selectors.security_contacts; they are emailed either way)."""
    incident = Incident.objects.select_related("account").filter(pk=incident_id).first()
    if incident is None:
        return 0
    recipients = [lead.pk for lead in incident_leads(incident)]
    if contacts := security_contacts():
        people = reduce(or_, (Q(email__iexact=email) for email in contacts))
        recipients += list(User.objects.filter(people).values_list("pk", flat=True))
    return notify(
        kind=Kind.INCIDENT_RAISED,
        recipients=recipients,
        key=f"incident:{incident.pk}",
        title=f"Possible takeover of {incident.account}",
        body=f"Dovecote saw {incident.summary}"
        + (" The account is frozen until a lead has looked." if incident.freeze_id else ""),
        url=incident.get_absolute_url(),
    )


def account_events_stopped(grant_id: int) -> int:
    """X refused to refresh an account's OAuth 2.0 grant (accounts.oauth2): its team's leads hear, to authorise it
    again. Told once per failure (a later failure, after authorising again, is told again)."""
    grant = (
        ActivityGrant.objects.select_related("account")
        .filter(pk=grant_id, refresh_failed_at__isnull=False, revoked_at__isnull=True)
        .first()
    )
    if grant is None:
        return 0
    account = grant.account
    leads = Membership.objects.current_leads().filter(team_id=account.team_id).values_list("user_id", flat=True)
    return notify(
        kind=Kind.ACCOUNT_EVENTS_STOPPED,
        recipients=list(leads),
        key=f"account-events-stopped:{grant.pk}:{grant.refresh_failed_at:%Y%m%d%H%M%S%f}",
        title=f"Account events for {account} stopped: authorise again",
        body="X no longer accepts Dovecote's authorisation to receive the account's events. Mentions are still "
        "found by polling; authorise account events again on the account's page to have them pushed.",
        url=reverse("accounts:account_detail", args=[account.pk]) + "#account-events",
    )


EXPIRY_KINDS = (ReminderSent.Kind.EXPIRY_30, ReminderSent.Kind.EXPIRY_7)


def certification_reminder(reminder_id: int) -> int:
    """training's daily job recorded a certification about to lapse: its holder hears."""
    reminder = (
        ReminderSent.objects.select_related("certification__course")
        .filter(pk=reminder_id, kind__in=EXPIRY_KINDS)
        .first()
    )
    if reminder is None or reminder.certification is None:
        return 0
    c = reminder.certification
    return notify(
        kind=Kind.CERTIFICATION_LAPSING,
        recipients=[reminder.user_id],
        key=f"training-reminder:{reminder.key}",
        title=f"Your '{c.course}' certification expires on {timezone.localtime(c.expires_at):%-d %B %Y}",
        body="Book a session to renew it before it lapses.",
        url=reverse("training:my_training"),
    )
