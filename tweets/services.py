"""The draft workflow: every state change is one function here, atomic and guarded on the current state.

Rules (see DESIGN.md "Core rules of the domain"):
- An approval belongs to the revision it approved. Editing the text (or the post it replies to) makes a
  new revision, so earlier approvals stop counting; a draft that was submitted, approved, scheduled or
  held goes back to `submitted` (still in the approvers' queue, who are told again).
- Authors never approve their own drafts; nor does whoever wrote the current revision.
- Approvals older than the account's expiry lapse: they do not count towards the required number. The
  count is taken when an approval is given; once a draft is approved its schedule is honoured.
- Freezes: due posts in scope become `held` instead of publishing. A lead of the owning team (or an
  admin) may publish one held or approved post during a freeze as an essential communication.
- Publishing is exactly once: see `draft_publish`.
"""

import logging
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import AuditEvent, Membership, TwitterAccount, User, person_name
from accounts.services import audit_event, audit_record
from core import freshness
from tweets import access, queueing
from tweets.models import (
    MAX_THREAD_LENGTH,
    Approval,
    Comment,
    Draft,
    DraftRevision,
    DraftTransition,
    PublishAttempt,
    PublishingFreeze,
)
from tweets.signals import draft_state_changed

logger = logging.getLogger(__name__)

S = Draft.State

# The transition table: which states each action may start from. Nothing else changes a draft's state.
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "edit": frozenset({S.DRAFT, S.CHANGES_REQUESTED, S.SUBMITTED, S.APPROVED, S.SCHEDULED, S.HELD, S.FAILED}),
    "submit": frozenset({S.DRAFT, S.CHANGES_REQUESTED}),
    "withdraw": frozenset({S.DRAFT, S.SUBMITTED, S.CHANGES_REQUESTED, S.APPROVED, S.SCHEDULED, S.HELD, S.FAILED}),
    "approve": frozenset({S.SUBMITTED}),
    "request_changes": frozenset({S.SUBMITTED}),
    "reject": frozenset({S.SUBMITTED}),
    "reschedule": frozenset({S.APPROVED, S.SCHEDULED, S.HELD}),
    "publish_now": frozenset({S.HELD}),
    "publish_essential": frozenset({S.HELD, S.APPROVED, S.SCHEDULED}),
    "retry": frozenset({S.FAILED}),
    "claim": frozenset({S.APPROVED, S.SCHEDULED}),
}

ACTION_PHRASES = {
    "edit": "edited",
    "submit": "submitted for approval",
    "withdraw": "withdrawn",
    "approve": "approved",
    "request_changes": "sent back for changes",
    "reject": "rejected",
    "reschedule": "rescheduled",
    "publish_now": "published now",
    "publish_essential": "published as an essential communication",
    "retry": "tried again",
    "claim": "published",
}

APPROVING_ROLES = (Membership.Role.APPROVER, Membership.Role.LEAD)

# Publishing: a claim older than this belongs to a worker that died; the sweep takes it over.
STALE_CLAIM_AFTER = timedelta(seconds=180)
MAX_TRANSIENT_FAILURES = 6
BACKOFF_BASE_SECONDS = 5
BACKOFF_MAX_SECONDS = 300


class DraftError(Exception):
    """A refusal a person can act on. `.message` says what happened and what to do next."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TransitionNotAllowed(DraftError):
    def __init__(self, draft: Draft, action: str):
        self.draft = draft
        self.action = action
        state = Draft.State(draft.state).label.lower()
        super().__init__(
            f"This draft can't be {ACTION_PHRASES[action]} because it is {state}. "
            "Refresh the page to see where it is now."
        )


class DraftChanged(DraftError):
    """The draft is not what the person saw when they acted on it: `seen` and `current` say what changed."""

    def __init__(self, draft: Draft, *, seen: DraftRevision, seen_scheduled_at=None):
        self.draft = draft
        self.seen = seen
        self.current = draft.current_revision
        self.seen_scheduled_at = seen_scheduled_at
        super().__init__(
            "This draft changed since you opened it, so nothing was approved. Read what changed below, then "
            "approve the version you see now if it is right."
        )


class NotAllowed(PermissionDenied):
    """The person's role does not allow this (shown as 403 with the message)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Validation --------------------------------------------------------------------------------------


def clean_posts(posts: list[str]) -> list[str]:
    """Validate a thread's texts by X's rules; return them NFC-normalised or raise ValidationError."""
    from twitter_api.text import validate_post_text

    posts = [p for p in (posts or []) if p is not None]
    # Trailing empty boxes in a thread form are ignored; an empty first post is an error.
    while len(posts) > 1 and not posts[-1].strip():
        posts.pop()
    if not posts:
        posts = [""]
    if len(posts) > MAX_THREAD_LENGTH:
        raise ValidationError(
            f"A thread can have at most {MAX_THREAD_LENGTH} posts; this one has {len(posts)}. "
            "Split it into two threads."
        )
    errors = []
    cleaned = []
    for index, text in enumerate(posts):
        check = validate_post_text(text)
        prefix = f"Post {index + 1}: " if len(posts) > 1 else ""
        errors.extend(prefix + error for error in check.errors)
        cleaned.append(check.text_nfc)
    if errors:
        raise ValidationError(errors)
    return cleaned


def clean_reply_to(value: str | None) -> str:
    value = (value or "").strip()
    if value.startswith("http"):
        match = re.search(r"/status(?:es)?/(\d+)", value)
        value = match.group(1) if match else value
    if value and not value.isdigit():
        raise ValidationError("Enter the id of the post to reply to (the number at the end of its link).")
    return value


# --- Policy helpers -----------------------------------------------------------------------------------


def approvals_required(draft: Draft) -> int:
    account = draft.account
    return approvals_needed(
        draft.purpose,
        account_requires=account.required_approvals,
        replies_need_approval=account.replies_need_approval,
    )


def approvals_needed(purpose: str, *, account_requires: int, replies_need_approval: bool) -> int:
    """How many approvals a draft of this purpose needs on an account that requires `account_requires` of a
    post: replies from the inbox may go out without any, if the account says so."""
    if purpose == Draft.Purpose.REPLY and not replies_need_approval:
        return 0
    return account_requires


def _counting(*, revision, lapses_before) -> Q:
    """The rule for when an approval counts, in one place: it is of the draft's current revision (an edit voids
    it), was given after `lapses_before` (the account's approval expiry before now) and was not voided (the post
    was brought forward by someone who may not: see _send_back_for_approval). Values or expressions
    (an outer draft's columns), so each reader below applies the same rule in SQL."""
    return Q(revision_id=revision, created_at__gt=lapses_before, voided_at__isnull=True)


def valid_approvals(draft: Draft, *, at: datetime | None = None):
    """Approvals of the current revision that have not lapsed."""
    at = at or timezone.now()
    return Approval.objects.filter(
        _counting(revision=draft.current_revision_id, lapses_before=at - draft.account.approval_expiry)
    )


def approval_count(draft: Draft, *, at: datetime | None = None) -> int:
    return valid_approvals(draft, at=at).values("approver_id").distinct().count()


class _HoursBefore(Func):
    """The moment a number of hours (an integer expression, such as a column) before `at`.

    Django can subtract a duration from a timestamp everywhere, but not multiply a column into one on SQLite.
    """

    output_field = DateTimeField()

    def __init__(self, at: datetime, hours):
        super().__init__(Value(at, output_field=DateTimeField()), hours)

    def _parts(self, compiler, connection):
        at_sql, at_params = compiler.compile(self.source_expressions[0])
        hours_sql, hours_params = compiler.compile(self.source_expressions[1])
        return at_sql, hours_sql, (*at_params, *hours_params)

    def as_sql(self, compiler, connection, **extra):
        at_sql, hours_sql, params = self._parts(compiler, connection)
        return f"({at_sql} - make_interval(hours => {hours_sql}))", params

    def as_sqlite(self, compiler, connection, **extra):
        # Timestamps are text there, 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC, compared as text.
        at_sql, hours_sql, params = self._parts(compiler, connection)
        return f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', {at_sql}, '-' || {hours_sql} || ' hours')", params


def approved_by(viewer: User, *, at: datetime) -> Exists:
    """For filtering drafts in SQL: has `viewer` approved the row's current revision (and not lapsed)?"""
    return Exists(
        Approval.objects.filter(
            _counting(
                revision=OuterRef("current_revision_id"),
                lapses_before=_HoursBefore(at, OuterRef("account__approval_expiry_hours")),
            ),
            draft=OuterRef("pk"),
            approver=viewer,
        )
    )


def approvals_counted(*, at: datetime) -> Coalesce:
    """For annotating drafts in SQL: how many approvers' approvals count (as approval_count for one draft)."""
    counted = (
        Approval.objects.filter(
            _counting(
                revision=OuterRef("current_revision_id"),
                lapses_before=_HoursBefore(at, OuterRef("account__approval_expiry_hours")),
            ),
            draft=OuterRef("pk"),
        )
        .order_by()
        .values("draft")
        .annotate(n=Count("approver", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def approval_publishes_now(*, needed: int, counted: int, scheduled_at: datetime | None, at: datetime) -> bool:
    """Would one more approval publish the post at once: it is the last one needed and no later time is set?"""
    return counted + 1 >= needed and not (scheduled_at and scheduled_at > at)


def counting_approvers(draft_ids: list[int], *, at: datetime | None = None) -> dict[int, set[int]]:
    """Per draft, who has given an approval that counts (as approval_count above does for one draft): one
    query for a page of drafts."""
    at = at or timezone.now()
    approvers = {pk: set() for pk in draft_ids}
    found = Approval.objects.filter(
        _counting(
            revision=F("draft__current_revision_id"),
            lapses_before=_HoursBefore(at, F("draft__account__approval_expiry_hours")),
        ),
        draft_id__in=draft_ids,
    ).values_list("draft_id", "approver_id")
    for draft_id, approver_id in found:
        approvers[draft_id].add(approver_id)
    return approvers


def eligible_approvers(account: TwitterAccount):
    """People who may approve for the account: approvers and leads of its approving team."""
    user_ids = (
        Membership.objects.current()
        .filter(team_id=account.approving_team_id, role__in=[Membership.Role.APPROVER, Membership.Role.LEAD])
        .values("user_id")
    )
    return User.objects.filter(pk__in=user_ids, is_active=True)


# --- Who can approve ---------------------------------------------------------------------------------


@dataclass
class PossibleApprover:
    user_id: int
    name: str
    trained: dict[str, bool]  # account kind -> trained to approve for it now


def possible_approvers(team_ids, kinds, *, at: datetime | None = None) -> dict[int, list[PossibleApprover]]:
    """Per team, its current approvers and leads (active people, in name order) and, for each account kind, whether
    each is trained to approve for it (training.policy.trained_for): one query."""
    from training.policy import Action, trained_for

    at = at or timezone.now()
    kinds = sorted(set(kinds))
    rows = (
        Membership.objects.current(at)
        .filter(team_id__in=team_ids, role__in=APPROVING_ROLES, user__is_active=True)
        .annotate(**{f"trained_{kind}": trained_for(kind, Action.APPROVE, at=at) for kind in kinds})
        .order_by("user__first_name", "user__last_name", "user__email")
        .values(
            "team_id", "user_id", "user__first_name", "user__last_name", "user__email", *(f"trained_{k}" for k in kinds)
        )
    )
    found: dict[int, list[PossibleApprover]] = {team_id: [] for team_id in team_ids}
    for row in rows:
        found[row["team_id"]].append(
            PossibleApprover(
                user_id=row["user_id"],
                name=person_name(row["user__first_name"], row["user__last_name"], row["user__email"]),
                trained={kind: row[f"trained_{kind}"] for kind in kinds},
            )
        )
    return found


@dataclass
class ApprovalReach:
    """Whether a draft can get the approvals it needs: who could give one now, and who could once trained."""

    needed: int
    able: list[PossibleApprover]
    untrained: list[PossibleApprover]

    @property
    def short(self) -> bool:
        return len(self.able) < self.needed


def reach_of(
    approvers: list[PossibleApprover], *, needed: int, kind: str, author_id: int, reviser_id: int | None
) -> ApprovalReach:
    """Of the approving team's approvers and leads, those who may approve this draft: never its author, nor whoever
    wrote its current version (as draft_approve refuses them); and of those, who is trained."""
    others = [a for a in approvers if a.user_id not in (author_id, reviser_id)]
    return ApprovalReach(
        needed=needed,
        able=[a for a in others if a.trained[kind]],
        untrained=[a for a in others if not a.trained[kind]],
    )


def approval_reach(draft: Draft, *, at: datetime | None = None) -> ApprovalReach:
    """Can this draft reach its approvals? (one query, or none when it needs none)."""
    needed = approvals_required(draft)
    if needed == 0:
        return ApprovalReach(needed=0, able=[], untrained=[])
    account = draft.account
    team_id = account.approving_team_id
    approvers = possible_approvers([team_id], [account.kind], at=at)[team_id]
    reviser_id = draft.current_revision.created_by_id if draft.current_revision_id else None
    return reach_of(approvers, needed=needed, kind=account.kind, author_id=draft.author_id, reviser_id=reviser_id)


def _is_member(user: User, team_id: int, roles=None) -> bool:
    qs = Membership.objects.current().filter(user=user, team_id=team_id)
    if roles:
        qs = qs.filter(role__in=roles)
    return qs.exists()


def _require_writer(user: User, account: TwitterAccount, purpose: str = Draft.Purpose.POST) -> None:
    if user.is_admin or _is_member(user, account.team_id):
        return
    # Replies come from team inboxes: any current team member may draft one; the training gate decides.
    if purpose == Draft.Purpose.REPLY and Membership.objects.current().filter(user=user).exists():
        return
    raise NotAllowed(f"Only members of {account.team} can write posts for {account}.")


def _require_approver(user: User, account: TwitterAccount) -> None:
    if user.is_admin or _is_member(user, account.approving_team_id, [Membership.Role.APPROVER, Membership.Role.LEAD]):
        return
    team = account.approver_team or account.team
    raise NotAllowed(f"Only approvers and leads in {team} can approve posts for {account}.")


def _is_current_author(user: User, draft: Draft) -> bool:
    """Authors act on their own drafts only while they are still in the account's team: a leaver loses them."""
    return user.pk == draft.author_id and (user.is_admin or _is_member(user, draft.account.team_id))


def _require_lead(user: User, account: TwitterAccount, what: str) -> None:
    if user.is_admin or _is_member(user, account.team_id, [Membership.Role.LEAD]):
        return
    raise NotAllowed(f"Only a lead of {account.team} or an admin can {what}.")


def _require_release(user: User, account: TwitterAccount, what: str) -> None:
    if not access.may_release(user, account):
        raise NotAllowed(f"Only a lead of {account.team} or an admin can {what}.")


def _require_trained(user: User, account: TwitterAccount, action: str) -> None:
    from training.policy import ensure_allowed

    ensure_allowed(user, account, action)


def _training_action_for(draft_purpose: str) -> str:
    from training.policy import Action

    return Action.REPLY if draft_purpose == Draft.Purpose.REPLY else Action.DRAFT


def freeze_for(account: TwitterAccount) -> PublishingFreeze | None:
    return PublishingFreeze.objects.applying_to(account).order_by("started_at").first()


# --- Transition machinery ---------------------------------------------------------------------------


def _lock(draft: Draft | int, action: str) -> Draft:
    """Lock the draft's row and check the action may start from its current state. Call inside atomic."""
    pk = draft.pk if isinstance(draft, Draft) else draft
    locked = Draft.objects.select_for_update(of=("self",)).select_related("account", "account__team").get(pk=pk)
    if locked.state not in ALLOWED_FROM[action]:
        raise TransitionNotAllowed(locked, action)
    return locked


def _move(draft: Draft, to: str, *, by: User | None, reason: str = "", request=None, **fields) -> Draft:
    """Change a locked draft's state, with a history row, an audit event and a signal after commit."""
    from_state = draft.state
    now = timezone.now()
    draft.state = to
    draft.updated_at = now
    for name, value in fields.items():
        setattr(draft, name, value)
    draft.save(update_fields=["state", "updated_at", *fields])
    _record_moves([(draft, from_state)], to, reason=reason, by=by, request=request)
    return draft


def _record_moves(
    moves: list[tuple[Draft, str]], to: str, *, reason: str, by: User | None = None, request=None
) -> None:
    """For drafts already changed to `to` (from the states given): their history rows and audit events,
    written together, and each one's signal after commit."""
    DraftTransition.objects.bulk_create(
        DraftTransition(draft=draft, from_state=from_state, to_state=to, actor=by, reason=reason)
        for draft, from_state in moves
    )
    AuditEvent.objects.bulk_create(
        audit_event(
            action=f"draft.{to}",
            actor=by,
            obj=draft,
            team=draft.account.team,
            details={"from": from_state, "to": to, "reason": reason, "account": draft.account.handle},
            request=request,
        )
        for draft, from_state in moves
    )
    for draft, from_state in moves:
        transaction.on_commit(
            lambda d=draft, f=from_state: draft_state_changed.send(sender=Draft, draft=d, from_state=f, to_state=to)
        )
    freshness.changed("drafts")  # some moves are bulk updates, which send no save signals


def _proceed_when_approved(draft: Draft, *, by: User | None, request=None) -> Draft:
    """An approved draft is scheduled for its time, or published straight away."""
    now = timezone.now()
    if draft.scheduled_at and draft.scheduled_at > now:
        _move(
            draft,
            S.SCHEDULED,
            by=by,
            reason=f"Scheduled for {timezone.localtime(draft.scheduled_at):%-d %b %Y %H:%M}",
            request=request,
            publish_due_at=draft.scheduled_at,
        )
        queueing.publish_on_commit(draft.pk, at=draft.scheduled_at)
    else:
        draft.publish_due_at = None
        draft.save(update_fields=["publish_due_at"])
        queueing.publish_on_commit(draft.pk)
    return draft


def _advance_if_approved(draft: Draft, *, by: User | None, request=None) -> Draft:
    """Move a submitted draft on once it has the approvals its account requires."""
    required = approvals_required(draft)
    if approval_count(draft) < required:
        return draft
    reason = "No approval needed for this account" if required == 0 else f"{required} of {required} approvals"
    _move(draft, S.APPROVED, by=by, reason=reason, request=request)
    return _proceed_when_approved(draft, by=by, request=request)


def _new_revision(draft: Draft, *, by: User, posts: list[str], in_reply_to_post_id: str) -> DraftRevision:
    number = (draft.current_revision.number + 1) if draft.current_revision_id else 1
    revision = DraftRevision.objects.create(
        draft=draft, number=number, posts=posts, in_reply_to_post_id=in_reply_to_post_id, created_by=by
    )
    draft.current_revision = revision
    draft.in_reply_to_post_id = in_reply_to_post_id
    draft.save(update_fields=["current_revision", "in_reply_to_post_id"])
    return revision


# --- Writing ------------------------------------------------------------------------------------------


def draft_create(
    *,
    author: User,
    account: TwitterAccount,
    text: str | None = None,
    posts: list[str] | None = None,
    scheduled_at: datetime | None = None,
    in_reply_to_post_id: str | None = None,
    purpose: str = Draft.Purpose.POST,
    request=None,
) -> Draft:
    """Save a new draft (a single post from `text`, or a thread from `posts`)."""
    purpose = Draft.Purpose(purpose)
    _require_writer(author, account, purpose)
    _require_trained(author, account, _training_action_for(purpose))
    cleaned = clean_posts(posts if posts is not None else [text or ""])
    reply_to = clean_reply_to(in_reply_to_post_id)
    with transaction.atomic():
        now = timezone.now()
        draft = Draft.objects.create(
            account=account, author=author, purpose=purpose, scheduled_at=scheduled_at, created_at=now, updated_at=now
        )
        _new_revision(draft, by=author, posts=cleaned, in_reply_to_post_id=reply_to)
        DraftTransition.objects.create(draft=draft, from_state="", to_state=S.DRAFT, actor=author, reason="Created")
        audit_record(
            action="draft.created",
            actor=author,
            obj=draft,
            team=account.team,
            details={"account": account.handle, "purpose": purpose, "posts": len(cleaned)},
            request=request,
        )
    return draft


_UNSET = object()
UNSET = _UNSET  # for views: "the form did not say", as opposed to None


def draft_edit(
    *,
    draft: Draft,
    by: User,
    text: str | None = None,
    posts: list[str] | None = None,
    scheduled_at=_UNSET,
    in_reply_to_post_id=_UNSET,
    request=None,
) -> Draft:
    """Change a draft. New text makes a new revision, which voids earlier approvals (see module doc)."""
    _require_writer(by, draft.account, draft.purpose)
    _require_trained(by, draft.account, _training_action_for(draft.purpose))
    cleaned = clean_posts(posts if posts is not None else [text or ""]) if (posts is not None or text) else None
    reply_to = clean_reply_to(in_reply_to_post_id) if in_reply_to_post_id is not _UNSET else _UNSET
    with transaction.atomic():
        draft = _lock(draft, "edit")
        revision = draft.current_revision
        new_posts = cleaned if cleaned is not None else list(revision.posts)
        new_reply_to = reply_to if reply_to is not _UNSET else revision.in_reply_to_post_id
        content_changed = new_posts != list(revision.posts) or new_reply_to != revision.in_reply_to_post_id
        schedule_changed = scheduled_at is not _UNSET and scheduled_at != draft.scheduled_at
        keeps_approvals = not schedule_changed or access.keeps_approvals(by, draft, scheduled_at)
        previous_time = draft.scheduled_at
        if schedule_changed:
            draft.scheduled_at = scheduled_at
            draft.save(update_fields=["scheduled_at"])
        if content_changed:
            revision = _new_revision(draft, by=by, posts=new_posts, in_reply_to_post_id=new_reply_to)
            audit_record(
                action="draft.edited",
                actor=by,
                obj=draft,
                team=draft.account.team,
                details={"revision": revision.number},
                request=request,
            )
            if draft.state in (S.SUBMITTED, S.APPROVED, S.SCHEDULED, S.HELD):
                _move(
                    draft,
                    S.SUBMITTED,
                    by=by,
                    reason=f"Edited (revision {revision.number}): approvals of earlier versions no longer count",
                    request=request,
                    publish_due_at=None,
                    held_by=None,
                )
                queueing.notify_approvers_on_commit(draft.pk)
                _advance_if_approved(draft, by=by, request=request)
            elif draft.state == S.FAILED:
                _move(draft, S.DRAFT, by=by, reason=f"Edited after failing (revision {revision.number})")
        elif schedule_changed and draft.state in (S.APPROVED, S.SCHEDULED):
            if keeps_approvals:
                _reschedule_locked(draft, by=by, scheduled_at=scheduled_at, request=request)
            else:
                _send_back_for_approval(
                    draft, by=by, previous=previous_time, scheduled_at=scheduled_at, request=request
                )
    return draft


def draft_submit(*, draft: Draft, by: User, request=None) -> Draft:
    """Send a draft for approval; with nothing to approve (policy 0) it goes straight on."""
    _require_writer(by, draft.account, draft.purpose)
    _require_trained(by, draft.account, _training_action_for(draft.purpose))
    with transaction.atomic():
        draft = _lock(draft, "submit")
        _move(draft, S.SUBMITTED, by=by, reason="Submitted for approval", request=request)
        if approvals_required(draft) > 0:
            queueing.notify_approvers_on_commit(draft.pk)
        _advance_if_approved(draft, by=by, request=request)
    return draft


def draft_withdraw(*, draft: Draft, by: User, reason: str = "", request=None) -> Draft:
    if not _is_current_author(by, draft):
        _require_lead(by, draft.account, "withdraw someone else's draft")
    with transaction.atomic():
        draft = _lock(draft, "withdraw")
        return _move(
            draft, S.WITHDRAWN, by=by, reason=reason or "Withdrawn", request=request, publish_due_at=None, held_by=None
        )


# --- Approving ----------------------------------------------------------------------------------------


def _revision_seen(draft: Draft, revision) -> DraftRevision:
    """The revision of `draft` that a form says the person saw (a revision or its id), or a refusal."""
    pk = revision.pk if isinstance(revision, DraftRevision) else revision
    found = DraftRevision.objects.filter(draft=draft, pk=pk).first() if str(pk or "").isdigit() else None
    if found is None:
        raise DraftError(
            "Dovecote could not tell which version you approved. Open the draft again and approve it there."
        )
    return found


def draft_approve(
    *, draft: Draft, by: User, revision=None, scheduled_at=_UNSET, note: str = "", request=None
) -> Approval:
    """Record an approval of the revision the approver saw; the draft moves on when enough approvers agree.

    `revision` (a revision or its id) and `scheduled_at` are what the approver's page showed: if the draft's
    current revision or publishing time is no longer that, nothing is approved (DraftChanged). Pages always send
    them; `revision=None` approves the current revision, for callers that made the draft themselves (demo data).
    """
    _require_approver(by, draft.account)
    from training.policy import Action

    _require_trained(by, draft.account, Action.APPROVE)
    with transaction.atomic():
        draft = _lock(draft, "approve")
        current = draft.current_revision
        if by.pk == draft.author_id or by.pk == current.created_by_id:
            raise DraftError("You wrote this draft, so someone else must approve it. Ask another approver.")
        revision_seen = current if revision is None else _revision_seen(draft, revision)
        time_moved = scheduled_at is not _UNSET and scheduled_at != draft.scheduled_at
        if revision_seen.pk != draft.current_revision_id or time_moved:
            raise DraftChanged(
                draft, seen=revision_seen, seen_scheduled_at=scheduled_at if time_moved else draft.scheduled_at
            )
        revision = current
        if valid_approvals(draft).filter(approver=by).exists():
            raise DraftError("You have already approved this version. It is waiting for another approver.")
        approval = Approval.objects.create(draft=draft, revision=revision, approver=by, note=note)
        count = approval_count(draft)
        required = approvals_required(draft)
        DraftTransition.objects.create(
            draft=draft,
            from_state=draft.state,
            to_state=draft.state,
            actor=by,
            reason=f"Approved revision {revision.number} ({min(count, required)} of {required})"
            + (f": {note}" if note else ""),
        )
        audit_record(
            action="draft.approval_given",
            actor=by,
            obj=draft,
            team=draft.account.team,
            details={"revision": revision.number, "count": count, "required": required},
            request=request,
        )
        _advance_if_approved(draft, by=by, request=request)
    return approval


def _approver_refusal(*, draft: Draft, by: User, action: str, to: str, reason: str, request=None) -> Draft:
    _require_approver(by, draft.account)
    reason = (reason or "").strip()
    if not reason:
        raise DraftError("Say why, so the author knows what to change.")
    with transaction.atomic():
        draft = _lock(draft, action)
        if by.pk == draft.author_id:
            raise DraftError("You wrote this draft. To take it back, withdraw it instead.")
        Comment.objects.create(draft=draft, revision=draft.current_revision, author=by, body=reason)
        return _move(draft, to, by=by, reason=reason, request=request)


def draft_request_changes(*, draft: Draft, by: User, reason: str, request=None) -> Draft:
    return _approver_refusal(
        draft=draft, by=by, action="request_changes", to=S.CHANGES_REQUESTED, reason=reason, request=request
    )


def draft_reject(*, draft: Draft, by: User, reason: str, request=None) -> Draft:
    return _approver_refusal(draft=draft, by=by, action="reject", to=S.REJECTED, reason=reason, request=request)


def comment_create(*, draft: Draft, by: User, body: str) -> Comment:
    body = (body or "").strip()
    if not body:
        raise DraftError("Write a comment before adding it.")
    return Comment.objects.create(draft=draft, revision=draft.current_revision, author=by, body=body)


# --- Scheduling and freezes -------------------------------------------------------------------------


def _reschedule_locked(draft: Draft, *, by: User, scheduled_at: datetime | None, request=None) -> Draft:
    draft.scheduled_at = scheduled_at
    if scheduled_at is None or scheduled_at <= timezone.now():
        _move(draft, S.APPROVED, by=by, reason="Publish now", request=request, publish_due_at=None, held_by=None)
        queueing.publish_on_commit(draft.pk)
        return draft
    _move(
        draft,
        S.SCHEDULED,
        by=by,
        reason=f"Rescheduled for {timezone.localtime(scheduled_at):%-d %b %Y %H:%M}",
        request=request,
        scheduled_at=scheduled_at,
        publish_due_at=scheduled_at,
        held_by=None,
    )
    queueing.publish_on_commit(draft.pk, at=scheduled_at)
    return draft


def _send_back_for_approval(
    draft: Draft, *, by: User, previous: datetime | None, scheduled_at: datetime | None, request=None
) -> Draft:
    """Someone who may not bring an approved post forward (tweets.access.keeps_approvals) moved it earlier: its
    approvals stop counting and it goes back to the approvers, at the time asked for. Call with the row locked."""
    now = timezone.now()
    valid_approvals(draft, at=now).filter(draft=draft).update(voided_at=now)

    def said(moment):
        return f"{timezone.localtime(moment):%-d %b %Y %H:%M}" if moment else "as soon as it is approved"

    was = "held by a freeze" if draft.state == S.HELD else f"due {said(previous)}"
    _move(
        draft,
        S.SUBMITTED,
        by=by,
        reason=f"Brought forward (it was {was}; now {said(scheduled_at)}) by someone who is not an approver or lead "
        f"for {draft.account}: the approvals given no longer count, so it needs approving again",
        request=request,
        scheduled_at=scheduled_at,
        publish_due_at=None,
        held_by=None,
    )
    queueing.notify_approvers_on_commit(draft.pk)
    return draft


def draft_reschedule(*, draft: Draft, by: User, scheduled_at: datetime, request=None) -> Draft:
    """Move an approved, scheduled or held post to a new time. Approvals stand (the text is unchanged), unless it is
    brought forward by someone who may not (tweets.access.keeps_approvals): then it goes back to the approvers."""
    _require_writer(by, draft.account)
    if scheduled_at is None or scheduled_at <= timezone.now():
        raise DraftError("Choose a time in the future, or use 'Publish now'.")
    with transaction.atomic():
        draft = _lock(draft, "reschedule")
        if not access.keeps_approvals(by, draft, scheduled_at):
            return _send_back_for_approval(
                draft, by=by, previous=draft.scheduled_at, scheduled_at=scheduled_at, request=request
            )
        # A held draft whose account is still frozen is simply held again when due.
        return _reschedule_locked(draft, by=by, scheduled_at=scheduled_at, request=request)


def draft_publish_now(*, draft: Draft, by: User, request=None) -> Draft:
    """After a freeze is lifted: publish a held post now."""
    _require_release(by, draft.account, "release held posts")
    with transaction.atomic():
        draft = _lock(draft, "publish_now")
        freeze = freeze_for(draft.account)
        if freeze:
            raise DraftError(
                f"{draft.account} is still frozen ({freeze.reason}). Lift the freeze first, or publish this "
                "post as an essential communication."
            )
        _move(draft, S.APPROVED, by=by, reason="Released after the freeze", request=request, publish_due_at=None)
        queueing.publish_on_commit(draft.pk)
        return draft


def draft_publish_essential(*, draft: Draft, by: User, reason: str, request=None) -> Draft:
    """A lead publishes one approved post during a freeze, with a reason. Audited."""
    _require_release(by, draft.account, "publish during a freeze")
    reason = (reason or "").strip()
    if not reason:
        raise DraftError("Say why this post is essential. The reason is kept in the audit trail.")
    with transaction.atomic():
        draft = _lock(draft, "publish_essential")
        freeze = freeze_for(draft.account)
        if freeze is None:
            raise DraftError(f"{draft.account} is not frozen, so this post can be published normally.")
        audit_record(
            action="freeze.essential_exception",
            actor=by,
            obj=draft,
            team=draft.account.team,
            details={"reason": reason, "freeze": freeze.pk, "account": draft.account.handle},
            request=request,
        )
        _move(
            draft,
            S.APPROVED,
            by=by,
            reason=f"Essential communication during a freeze: {reason}",
            request=request,
            essential_reason=reason,
            essential_by=by,
            publish_due_at=None,
        )
        queueing.publish_on_commit(draft.pk)
        return draft


def draft_retry(*, draft: Draft, by: User, request=None) -> Draft:
    """Try a failed post again (for example after new credentials were entered)."""
    if not access.may_retry(by, draft):
        raise NotAllowed(f"Only its author, a lead of {draft.account.team} or an admin can retry this post.")
    with transaction.atomic():
        draft = _lock(draft, "retry")
        _move(draft, S.APPROVED, by=by, reason="Trying again", request=request, publish_due_at=None, failure_reason="")
        queueing.publish_on_commit(draft.pk)
        return draft


def can_start_freeze(user: User, *, scope: str, team=None, account=None) -> bool:
    """Everything: admins or any lead (it may be urgent). A team or an account: a lead of that team."""
    if user.is_admin:
        return True
    if scope == PublishingFreeze.Scope.EVERYTHING:
        return Membership.objects.current().filter(user=user, role=Membership.Role.LEAD).exists()
    team_id = team.pk if scope == PublishingFreeze.Scope.TEAM else account.team_id
    return _is_member(user, team_id, [Membership.Role.LEAD])


def freeze_start(*, by: User, scope: str, reason: str, team=None, account=None, request=None) -> PublishingFreeze:
    scope = PublishingFreeze.Scope(scope)
    reason = (reason or "").strip()
    if not reason:
        raise DraftError("Give a reason for the freeze. Everyone will see it in the banner.")
    if scope == PublishingFreeze.Scope.TEAM and team is None:
        raise DraftError("Choose the team whose accounts to freeze.")
    if scope == PublishingFreeze.Scope.ACCOUNT and account is None:
        raise DraftError("Choose the account to freeze.")
    if not can_start_freeze(by, scope=scope, team=team, account=account):
        raise NotAllowed("Only a lead of the team that owns these accounts, or an admin, can freeze them.")
    with transaction.atomic():
        freeze = PublishingFreeze.objects.create(
            scope=scope,
            team=team if scope == PublishingFreeze.Scope.TEAM else None,
            account=account if scope == PublishingFreeze.Scope.ACCOUNT else None,
            reason=reason,
            started_by=by,
        )
        audit_record(
            action="freeze.started",
            actor=by,
            obj=freeze,
            team=team or (account.team if account else None),
            details={"scope": scope, "reason": reason},
            request=request,
        )
        queueing.notify_leads_of_freeze_on_commit(freeze.pk, "started")
    return freeze


def freeze_lift(*, freeze: PublishingFreeze, by: User, note: str = "", request=None) -> PublishingFreeze:
    if not can_start_freeze(by, scope=freeze.scope, team=freeze.team, account=freeze.account):
        raise NotAllowed("Only a lead of the team that owns these accounts, or an admin, can lift this freeze.")
    with transaction.atomic():
        locked = PublishingFreeze.objects.select_for_update().get(pk=freeze.pk)
        if locked.lifted_at is not None:
            raise DraftError("This freeze has already been lifted.")
        locked.lifted_at = timezone.now()
        locked.lifted_by = by
        locked.lift_note = note
        locked.save(update_fields=["lifted_at", "lifted_by", "lift_note"])
        audit_record(
            action="freeze.lifted",
            actor=by,
            obj=locked,
            team=locked.team or (locked.account.team if locked.account_id else None),
            details={"note": note},
            request=request,
        )
        queueing.notify_leads_of_freeze_on_commit(locked.pk, "lifted")
    return locked


def freeze_held_posts(freeze: PublishingFreeze):
    """Held drafts in the freeze's scope that it held: while it is in force, every one (none can publish);
    once lifted, those held by it or by a freeze in force at the same time, not by one started later."""
    qs = Draft.objects.filter(state=S.HELD).select_related(
        "account", "account__team", "author", "current_revision", "held_by"
    )
    if freeze.scope == PublishingFreeze.Scope.TEAM:
        qs = qs.filter(account__team_id=freeze.team_id)
    elif freeze.scope == PublishingFreeze.Scope.ACCOUNT:
        qs = qs.filter(account_id=freeze.account_id)
    if freeze.lifted_at is not None:
        qs = qs.exclude(held_by__started_at__gt=freeze.lifted_at)
    return qs


def held_after_lift(freeze: PublishingFreeze):
    """Held drafts in the freeze's scope that no active freeze still holds back: waiting for a decision."""
    qs = freeze_held_posts(freeze).filter(
        Q(held_by=freeze) | Q(held_by__isnull=True) | Q(held_by__lifted_at__isnull=False)
    )
    active = PublishingFreeze.objects.active()
    if active.filter(scope=PublishingFreeze.Scope.EVERYTHING).exists():
        return qs.none()
    return qs.exclude(account__team_id__in=active.filter(scope=PublishingFreeze.Scope.TEAM).values("team_id")).exclude(
        account_id__in=active.filter(scope=PublishingFreeze.Scope.ACCOUNT).values("account_id")
    )


@dataclass(frozen=True)
class HeldOutlook:
    """Why a held post is held and what happens to it next, as its page, the freeze's page and emails say."""

    holding: PublishingFreeze | None  # the freeze in force that holds it back now; None once every one is lifted
    next_step: str

    @property
    def waiting_for_decision(self) -> bool:
        return self.holding is None


def held_outlook(draft: Draft, *, active: list[PublishingFreeze] | None = None) -> HeldOutlook:
    """What happens next to a held draft. Lifting a freeze releases nothing by itself: a held post waits for
    a lead to publish it now (draft_publish_now), a writer to choose a new time (draft_reschedule), or its
    author or a lead to cancel it (draft_withdraw). `active`: the freezes in force, when already read."""
    if active is None:
        active = list(PublishingFreeze.objects.active().order_by("started_at"))
    covering = [f for f in active if f.covers(draft.account)]
    holding = next((f for f in covering if f.pk == draft.held_by_id), covering[0] if covering else None)
    team, account = draft.account.team, draft.account
    if holding is None:
        return HeldOutlook(
            None,
            f"It will not publish by itself: a lead of {team} must publish it now, or someone who writes for "
            f"{account} can choose a new time (from anyone but its approvers and leads, that sends it back for "
            "approval); its author or a lead can cancel it. Until then it stays held.",
        )
    after = (
        f"When it is lifted the post will not publish by itself; a lead of {team} decides: publish it "
        f"now, choose a new time or cancel it. During the freeze a lead of {team} can publish it as an essential "
        "communication."
    )
    if holding.pk == draft.held_by_id:
        return HeldOutlook(holding, f"It stays held while the freeze is in force. {after}")
    return HeldOutlook(
        holding, f"Still held: publishing to {holding.scope_label} is frozen ({holding.reason}). {after}"
    )


def freeze_leads(freeze: PublishingFreeze):
    """The leads of the teams in the freeze's scope (every lead for a freeze of every account)."""
    memberships = Membership.objects.current().filter(role=Membership.Role.LEAD)
    if freeze.scope == PublishingFreeze.Scope.TEAM:
        memberships = memberships.filter(team_id=freeze.team_id)
    elif freeze.scope == PublishingFreeze.Scope.ACCOUNT:
        memberships = memberships.filter(team_id=freeze.account.team_id)
    return User.objects.filter(pk__in=memberships.values("user_id"), is_active=True).order_by("pk")


# --- Publishing ---------------------------------------------------------------------------------------


@dataclass
class _Claim:
    draft: Draft
    token: str


def drafts_due(*, now: datetime | None = None):
    """Drafts that should be publishing now: approved, due scheduled ones, and stalled claims."""
    now = now or timezone.now()
    return Draft.objects.filter(
        Q(state__in=[S.APPROVED, S.SCHEDULED], publish_due_at__isnull=True)
        | Q(state__in=[S.APPROVED, S.SCHEDULED], publish_due_at__lte=now)
        | Q(state=S.PUBLISHING, claimed_at__lt=now - STALE_CLAIM_AFTER)
    )


def _claim(draft_id: int) -> _Claim | None:
    """Take a due draft for publishing, or hold it under a freeze. None when there is nothing to do."""
    now = timezone.now()
    with transaction.atomic():
        try:
            draft = (
                Draft.objects.select_for_update(of=("self",))
                .select_related("account", "account__team")
                .get(pk=draft_id)
            )
        except Draft.DoesNotExist:
            return None
        token = str(uuid.uuid4())
        if draft.state == S.PUBLISHING:
            if draft.claimed_at and draft.claimed_at >= now - STALE_CLAIM_AFTER:
                return None  # another worker has it
            draft.claim_token, draft.claimed_at = token, now
            draft.save(update_fields=["claim_token", "claimed_at"])
            audit_record(action="draft.publish_reclaimed", obj=draft, team=draft.account.team, actor_label="worker")
            return _Claim(draft, token)
        if draft.state not in ALLOWED_FROM["claim"]:
            return None
        if draft.publish_due_at and draft.publish_due_at > now:
            return None
        freeze = freeze_for(draft.account)
        if freeze and not draft.essential_reason:
            _move(draft, S.HELD, by=None, reason=f"Publishing freeze: {freeze.reason}", held_by=freeze)
            return None
        _move(draft, S.PUBLISHING, by=None, reason="Publishing", claim_token=token, claimed_at=now)
        return _Claim(draft, token)


def _cannot_post(account: TwitterAccount) -> str:
    """Why the account can't publish now (for the draft's failure), or "" when it can."""
    if account.is_active and account.has_credentials:
        return ""
    return f"{account} has no working credentials or is suspended. Ask a lead to reconnect it, then try again."


def _still_owned(draft_id: int, token: str) -> Draft | None:
    return (
        Draft.objects.select_for_update(of=("self",))
        .select_related("account", "account__team")
        .filter(pk=draft_id, state=S.PUBLISHING, claim_token=token)
        .first()
    )


_URL = re.compile(r"https?://\S+")


def _comparable(text: str) -> str:
    # X shortens links to t.co, so compare texts with every link replaced.
    return _URL.sub("<link>", (text or "").strip())


def _reconcile(draft: Draft, text: str, reply_to: str) -> str | None:
    """Look for the post among the account's recent posts. X refuses duplicate text, so a match is ours."""
    from twitter_api import client

    wanted = _comparable(text)
    for post in client.recent_posts(draft.account):
        if _comparable(post.text) == wanted and (post.reply_to_post_id or "") == (reply_to or ""):
            return post.id
    return None


def _posted_ids(draft: Draft) -> dict[int, str]:
    return dict(
        draft.attempts.filter(state=PublishAttempt.State.SUCCEEDED, revision_id=draft.current_revision_id).values_list(
            "position", "x_post_id"
        )
    )


def draft_publish(*, draft_id: int) -> str:
    """Publish a due draft exactly once. Returns what happened (for logs and tests).

    Each post of the thread: reuse a success already recorded; reconcile any attempt whose outcome is
    unknown (in flight when a worker died, or timed out) against the account's recent posts; otherwise
    record a new attempt, commit, then call X. Two workers racing: only the one whose claim (a
    conditional change to `publishing` under a row lock) succeeded goes on.
    """
    claim = _claim(draft_id)
    if claim is None:
        return "skipped"
    draft, token = claim.draft, claim.token
    if cannot := _cannot_post(draft.account):
        return _finish_failed(draft_id, token, cannot).lstrip("!")
    posts = list(draft.current_revision.posts)
    posted = _posted_ids(draft)
    for position, text in enumerate(posts):
        if position in posted:
            continue
        reply_to = posted.get(position - 1, "") if position > 0 else draft.current_revision.in_reply_to_post_id
        outcome = _publish_one(draft, token, position, text, reply_to)
        if not isinstance(outcome, str) or outcome.startswith("!"):
            return (outcome or "!stopped").lstrip("!")
        posted[position] = outcome
    return _finish_published(draft_id, token, posted)


def _publish_one(draft: Draft, token: str, position: int, text: str, reply_to: str) -> str:
    """Publish one post; returns its X id, or "!<outcome>" after moving the draft on."""
    from twitter_api import client
    from twitter_api.errors import XApiError

    unsure = draft.attempts.filter(
        position=position,
        revision_id=draft.current_revision_id,
        state__in=[PublishAttempt.State.IN_FLIGHT, PublishAttempt.State.UNCERTAIN],
    )
    if unsure.exists():
        try:
            found = _reconcile(draft, text, reply_to)
        except XApiError as exc:
            return _retry_later(draft.pk, token, exc, count=True)
        if found:
            _record_reconciled(draft.pk, token, unsure, found)
            return found
        unsure.update(
            state=PublishAttempt.State.FAILED,
            error_kind="not_found",
            error="Not among the account's recent posts, so it never reached X.",
            finished_at=timezone.now(),
        )

    with transaction.atomic():
        if _still_owned(draft.pk, token) is None:
            return "!lost claim"
        attempt = PublishAttempt.objects.create(
            draft=draft, revision_id=draft.current_revision_id, position=position, claim_token=token
        )
    # The attempt is committed before X is called: if this process dies now, the next one reconciles.
    try:
        post = client.post_create(draft.account, text=text, reply_to_id=reply_to or None)
    except XApiError as exc:
        return _after_refusal(draft, token, attempt, text, reply_to, exc)
    _record_success(attempt, post)
    return post.id


def _record_success(attempt: PublishAttempt, post) -> None:
    now = timezone.now()
    PublishAttempt.objects.filter(pk=attempt.pk).update(
        state=PublishAttempt.State.SUCCEEDED,
        x_post_id=post.id,
        finished_at=now,
        accepted_at=post.created_at or now,
    )


def _after_refusal(draft: Draft, token: str, attempt: PublishAttempt, text: str, reply_to: str, exc) -> str:
    """X did not say yes: record why, then reconcile, retry later or fail. Returns as `_publish_one`."""
    from twitter_api.errors import Forbidden, RateLimited, Transient, XApiError

    if isinstance(exc, Transient):
        if exc.uncertain:
            _finish_attempt(attempt, PublishAttempt.State.UNCERTAIN, "uncertain", exc.message)
            try:
                found = _reconcile(draft, text, reply_to)
            except XApiError:
                # Can't tell yet: the attempt stays uncertain and the next try reconciles first.
                return _retry_later(draft.pk, token, exc, count=True)
            if found:
                _record_reconciled(draft.pk, token, PublishAttempt.objects.filter(pk=attempt.pk), found)
                return found
            PublishAttempt.objects.filter(pk=attempt.pk).update(
                state=PublishAttempt.State.FAILED, error_kind="not_found"
            )
        else:
            _finish_attempt(attempt, PublishAttempt.State.FAILED, "transient", exc.message)
        return _retry_later(draft.pk, token, exc, count=True)
    if isinstance(exc, RateLimited):
        _finish_attempt(attempt, PublishAttempt.State.FAILED, "rate_limited", exc.message)
        return _retry_later(draft.pk, token, exc, count=False, at=exc.reset_at + timedelta(seconds=1))
    if isinstance(exc, Forbidden) and exc.is_duplicate:
        _finish_attempt(attempt, PublishAttempt.State.FAILED, "duplicate", exc.message)
        try:
            found = _reconcile(draft, text, reply_to)
        except XApiError as reconcile_exc:
            return _retry_later(draft.pk, token, reconcile_exc, count=True)
        if found:
            _record_reconciled(draft.pk, token, PublishAttempt.objects.filter(pk=attempt.pk), found)
            return found
        return _finish_failed(
            draft.pk,
            token,
            "X refused the post as a duplicate of one already on the account, but Dovecote could not find "
            "that post among its recent posts. Check the account on X before trying again.",
        )
    if isinstance(exc, Forbidden):
        _finish_attempt(attempt, PublishAttempt.State.FAILED, "permanent", exc.reason or exc.message)
        return _finish_failed(draft.pk, token, exc.message)
    _finish_attempt(attempt, PublishAttempt.State.FAILED, "permanent", exc.message)
    return _finish_failed(draft.pk, token, exc.message)


def _finish_attempt(attempt: PublishAttempt, state: str, kind: str, error: str) -> None:
    PublishAttempt.objects.filter(pk=attempt.pk).update(
        state=state, error_kind=kind, error=error, finished_at=timezone.now()
    )


def _record_reconciled(draft_id: int, token: str, attempts, post_id: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        first = attempts.order_by("-started_at").first()
        attempts.exclude(pk=first.pk).update(state=PublishAttempt.State.FAILED, error_kind="uncertain")
        PublishAttempt.objects.filter(pk=first.pk).update(
            state=PublishAttempt.State.SUCCEEDED, x_post_id=post_id, reconciled=True, finished_at=now
        )


def _retry_later(draft_id: int, token: str, exc, *, count: bool, at: datetime | None = None) -> str:
    with transaction.atomic():
        draft = _still_owned(draft_id, token)
        if draft is None:
            return "!lost claim"
        failures = draft.attempts.filter(error_kind__in=["transient", "uncertain", "not_found"]).count()
        if count and failures >= MAX_TRANSIENT_FAILURES:
            return _fail_locked(draft, f"X kept failing after {failures} tries. {exc.message}")
        if at is None:
            delay = min(BACKOFF_BASE_SECONDS * 2 ** max(failures - 1, 0), BACKOFF_MAX_SECONDS)
            at = timezone.now() + timedelta(seconds=delay)
        _move(
            draft,
            S.SCHEDULED,
            by=None,
            reason=f"{exc.message} Next try at {timezone.localtime(at):%H:%M:%S}.",
            publish_due_at=at,
            claim_token="",
            claimed_at=None,
        )
        queueing.publish_on_commit(draft.pk, at=at)
    return "!retry"


def _finish_failed(draft_id: int, token: str, reason: str) -> str:
    with transaction.atomic():
        draft = _still_owned(draft_id, token)
        if draft is None:
            return "!lost claim"
        return _fail_locked(draft, reason)


def _fail_locked(draft: Draft, reason: str) -> str:
    _move(draft, S.FAILED, by=None, reason=reason, failure_reason=reason, claim_token="", claimed_at=None)
    queueing.notify_author_of_failure_on_commit(draft.pk)
    return "!failed"


def _finish_published(draft_id: int, token: str, posted: dict[int, str]) -> str:
    with transaction.atomic():
        draft = _still_owned(draft_id, token)
        if draft is None:
            return "lost claim"
        _move(
            draft,
            S.PUBLISHED,
            by=None,
            reason="Accepted by X" + (f" ({len(posted)} posts)" if len(posted) > 1 else ""),
            published_post_id=posted[0],
            published_at=timezone.now(),
            claim_token="",
            publish_due_at=None,
        )
    return "published"


# --- Publishing many at once -------------------------------------------------------------------------


def _batch_candidates(now: datetime):
    """Due single posts never tried in their current revision: those the batch path takes."""
    tried = PublishAttempt.objects.filter(draft=OuterRef("pk"), revision=OuterRef("current_revision"))
    return (
        Draft.objects.filter(state__in=ALLOWED_FROM["claim"])
        .filter(Q(publish_due_at__isnull=True) | Q(publish_due_at__lte=now))
        # Exactly one post: a first and no second. JSON key lookups, which PostgreSQL and SQLite both run.
        .filter(current_revision__posts__0__isnull=False, current_revision__posts__1__isnull=True)
        .exclude(Exists(tried))
    )


@dataclass
class BatchResult:
    outcomes: dict[int, str]  # draft id -> what happened, as draft_publish says it
    full: bool  # the batch took as many drafts as it could: there may be more due


def drafts_publish_batch(*, limit: int | None = None, on_full=None) -> BatchResult:
    """Publish up to `limit` (settings.PUBLISH_BATCH_SIZE) due single posts together: the steps of
    `draft_publish`, a statement for all.

    1. One transaction claims them under row locks (SKIP LOCKED, so concurrent batches take different
       drafts), holds those under a freeze, fails those whose account can't post, and records an in-flight
       attempt for each of the rest. It commits before X is called, as `draft_publish` does.
    2. X is called for each, settings.PUBLISH_CONCURRENCY at a time; metering rows are written together after.
    3. Every success is recorded in one transaction (attempts, drafts, history, audit). Every refusal goes
       through the same handling as one draft's: reconcile, retry later, or fail.
    Threads, drafts tried before (their retries reconcile first) and stale claims stay with `draft_publish`.
    `on_full` is called after the claim commits when the batch is full, e.g. to start the next batch on
    another worker while this one talks to X.
    """
    from twitter_api import client
    from twitter_api.errors import XApiError

    limit = limit or settings.PUBLISH_BATCH_SIZE
    now = timezone.now()
    token = str(uuid.uuid4())
    outcomes: dict[int, str] = {}
    with transaction.atomic():
        drafts = list(
            _batch_candidates(now)
            .select_for_update(of=("self",), skip_locked=True)
            .select_related("account", "account__team", "current_revision")
            .order_by(F("publish_due_at").asc(nulls_first=True), "id")[:limit]
        )
        if not drafts:
            return BatchResult(outcomes, full=False)
        freezes = list(PublishingFreeze.objects.active().order_by("started_at"))
        claimed: list[Draft] = []
        for draft in drafts:
            freeze = next((f for f in freezes if f.covers(draft.account)), None)
            if freeze and not draft.essential_reason:
                _move(draft, S.HELD, by=None, reason=f"Publishing freeze: {freeze.reason}", held_by=freeze)
                outcomes[draft.pk] = "skipped"
            elif cannot := _cannot_post(draft.account):
                outcomes[draft.pk] = _fail_locked(draft, cannot).lstrip("!")
            else:
                claimed.append(draft)
        moves = [(draft, draft.state) for draft in claimed]
        Draft.objects.filter(pk__in=[d.pk for d in claimed]).update(
            state=S.PUBLISHING, claim_token=token, claimed_at=now, updated_at=now
        )
        for draft in claimed:
            draft.state, draft.claim_token, draft.claimed_at, draft.updated_at = S.PUBLISHING, token, now, now
        _record_moves(moves, S.PUBLISHING, reason="Publishing")
        attempts = PublishAttempt.objects.bulk_create(
            PublishAttempt(draft=draft, revision_id=draft.current_revision_id, position=0, claim_token=token)
            for draft in claimed
        )
        if on_full is not None and len(drafts) == limit:
            transaction.on_commit(on_full)

    def call_x(draft: Draft):
        revision = draft.current_revision
        try:
            return client.post_create(
                draft.account, text=revision.posts[0], reply_to_id=revision.in_reply_to_post_id or None
            )
        except XApiError as exc:
            return exc

    # The attempts are committed: from here a crash leaves them in flight, for the next try to reconcile.
    with client.metered_in_bulk():
        contexts = [copy_context() for _ in claimed]  # each call sees the metering buffer set here
        with ThreadPoolExecutor(max_workers=max(1, min(settings.PUBLISH_CONCURRENCY, len(claimed)))) as pool:
            answers = list(pool.map(lambda context, draft: context.run(call_x, draft), contexts, claimed))
        accepted_at = timezone.now()
        successes = []
        for draft, attempt, answer in zip(claimed, attempts, answers, strict=True):
            if isinstance(answer, XApiError):
                revision = draft.current_revision
                outcome = _after_refusal(draft, token, attempt, revision.posts[0], revision.in_reply_to_post_id, answer)
                if outcome.startswith("!"):
                    outcomes[draft.pk] = outcome.lstrip("!")
                    continue
                draft.published_post_id = outcome  # found among the account's posts after all
            else:
                attempt.state, attempt.x_post_id = PublishAttempt.State.SUCCEEDED, answer.id
                attempt.finished_at, attempt.accepted_at = accepted_at, answer.created_at or accepted_at
                successes.append(attempt)
                draft.published_post_id = answer.id
            outcomes[draft.pk] = "published"
    PublishAttempt.objects.bulk_update(successes, ["state", "x_post_id", "finished_at", "accepted_at"])
    _finish_published_many([d for d in claimed if outcomes.get(d.pk) == "published"], token)
    return BatchResult(outcomes, full=len(drafts) == limit)


def _finish_published_many(drafts: list[Draft], token: str) -> None:
    """`_finish_published` for many single posts; a draft whose claim was taken over is left to its new owner."""
    if not drafts:
        return
    post_ids = {d.pk: d.published_post_id for d in drafts}
    now = timezone.now()
    with transaction.atomic():
        owned = list(
            Draft.objects.select_for_update(of=("self",))
            .select_related("account", "account__team")
            .filter(pk__in=post_ids, state=S.PUBLISHING, claim_token=token)
            .order_by("pk")
        )
        for draft in owned:
            draft.state, draft.updated_at, draft.claim_token, draft.publish_due_at = S.PUBLISHED, now, "", None
            draft.published_post_id, draft.published_at = post_ids[draft.pk], now
        Draft.objects.bulk_update(
            owned, ["state", "updated_at", "claim_token", "publish_due_at", "published_post_id", "published_at"]
        )
        _record_moves([(d, S.PUBLISHING) for d in owned], S.PUBLISHED, reason="Accepted by X")


def next_due(*, before: datetime) -> datetime | None:
    """The earliest due time before `before` among drafts waiting to publish."""
    return (
        Draft.objects.filter(state__in=ALLOWED_FROM["claim"], publish_due_at__lt=before)
        .order_by("publish_due_at")
        .values_list("publish_due_at", flat=True)
        .first()
    )


def drafts_publish_due_now() -> dict[int, str]:
    """Publish everything due: in batches, then each thread or retried draft on its own.

    When the first batch is full another job is queued, so a second worker takes the next batch while this
    one waits for X; that job does the same, so a large number of due drafts spreads over the workers.
    """
    outcomes: dict[int, str] = {}
    on_full = queueing.publish_due_now
    while True:
        batch = drafts_publish_batch(on_full=on_full)
        outcomes.update(batch.outcomes)
        on_full = None
        if not batch.full:
            break
    for draft_id in drafts_due().exclude(pk__in=outcomes).order_by("publish_due_at", "id").values_list("pk", flat=True):
        outcomes[draft_id] = draft_publish(draft_id=draft_id)
    return outcomes


def drafts_publish_due(*, now: datetime | None = None) -> list[int]:
    """The sweep: queue a job to publish everything due (catches up after downtime). Returns the due ids."""
    ids = list(drafts_due(now=now).order_by("publish_due_at", "id").values_list("pk", flat=True))
    if ids:
        queueing.publish_due_now()
    return ids
