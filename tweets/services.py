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
- Publishing is exactly once: see `tweets.publishing.draft_publish`.

Each action locks the draft's row, refuses a state it cannot start from (TransitionNotAllowed), then asks
`core.permissions.ensure` whether this person may (the permissions of tweets.rules, which also hold who may
approve, release or freeze, the training gate and the freeze checks): a refusal is `Refused`, with the reason.
"""

import logging
import re
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import AuditEvent, TwitterAccount, User
from accounts.services import audit_event, audit_record
from core import freshness
from core.params import typed
from core.permissions import decide, ensure
from networks.text import check_for as text_check_for
from tweets import queueing
from tweets.media import Attachment, attachments_of, clean_media, media_attach, usable_files
from tweets.models import (
    MAX_THREAD_LENGTH,
    Approval,
    Comment,
    Draft,
    DraftRevision,
    DraftTransition,
)
from tweets.selectors import approval_count, approvals_required, reply_verdict, saved_reply_approving, valid_approvals
from tweets.signals import draft_state_changed
from twitter_api.client import x_id
from twitter_api.text import validate_post_text

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
    # A retracted post may be retracted again: nothing happens (see draft_retract).
    "retract": frozenset({S.PUBLISHED, S.RETRACTED}),
}

# The permission (tweets.rules) each action asks of the person, once the state allows it.
PERMISSIONS = {
    "edit": "tweets.edit_draft",
    "submit": "tweets.submit_draft",
    "withdraw": "tweets.withdraw_draft",
    "approve": "tweets.approve_draft",
    "request_changes": "tweets.request_changes",
    "reject": "tweets.reject_draft",
    "reschedule": "tweets.reschedule_draft",
    "publish_now": "tweets.publish_now",
    "publish_essential": "tweets.publish_essential",
    "retry": "tweets.retry_draft",
    "retract": "tweets.retract_draft",
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
    "retract": "retracted",
}


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


class ReplyWillBeRefused(DraftError):
    """Submitting a reply X will refuse (twitter_api.replies): stopped before any approver spends time on it, unless
    the person submits it anyway. `.verdict` says why and what to do instead."""

    def __init__(self, verdict):
        self.verdict = verdict
        super().__init__(
            f"Not submitted. {verdict.reason} {verdict.instead} If X's access for this account has changed, ask an "
            "admin to record it on the account; otherwise submit it anyway only if you are sure."
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


# --- Validation --------------------------------------------------------------------------------------


def clean_posts(posts: list[str], *, account: TwitterAccount | None = None) -> list[str]:
    """Validate a thread's texts by the account's network's rule (networks.text: X weighted 280, Bluesky 300
    graphemes, Mastodon the instance's limit; X's when no account is known yet); return them NFC-normalised or
    raise ValidationError."""
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
        check = text_check_for(account, text) if account is not None else validate_post_text(text)
        prefix = f"Post {index + 1}: " if len(posts) > 1 else ""
        errors.extend(prefix + error for error in check.errors)
        cleaned.append(check.text_nfc)
    if errors:
        raise ValidationError(errors)
    return cleaned


# A Bluesky post: its at:// URI, or its bsky.app link where the profile is named by its DID.
_AT_URI = re.compile(r"^at://(did:[a-z]+:[A-Za-z0-9._:%-]{1,200})/app\.bsky\.feed\.post/([A-Za-z0-9._~:-]{1,512})$")
_BSKY_LINK = re.compile(
    r"^https://bsky\.app/profile/(did:[a-z]+:[A-Za-z0-9._:%-]{1,200})/post/([A-Za-z0-9._~:-]{1,512})$"
)


def clean_reply_to(value: str | None, *, network: str | None = None) -> str:
    """The id of the post a reply answers, from its id or its link: X's and Mastodon's are numbers (an X link ends
    /status/<id>, a Mastodon one /@user/<id> or /statuses/<id>), Bluesky's an at:// URI (or a bsky.app link naming
    the profile by its DID). With the account's `network`, a post from another network is refused."""
    value = (value or "").strip()
    if match := _BSKY_LINK.match(value):
        value = f"at://{match.group(1)}/app.bsky.feed.post/{match.group(2)}"
    if _AT_URI.match(value):
        if network not in (None, "bluesky"):
            raise ValidationError("That is a post on Bluesky. Reply to it from a Bluesky account.")
        return value
    if value.startswith("http"):
        match = re.search(r"/status(?:es)?/(\d+)", value) or re.search(r"/@[^/\s]+/(\d+)/?$", value)
        value = match.group(1) if match else value
    if value and x_id(value) is None:
        raise ValidationError(
            "Enter the id of the post to reply to (the number at the end of its link; on Bluesky its at:// address)."
        )
    if value and network == "bluesky":
        raise ValidationError("Enter the Bluesky post's at:// address, or its bsky.app link.")
    return x_id(value) or ""


# --- When a post goes out ------------------------------------------------------------------------------
# Who may bring a post forward is the permission tweets.bring_forward (tweets.rules); what that decides is here.


def brings_forward(draft: Draft, scheduled_at: datetime | None, *, now: datetime | None = None) -> bool:
    """Would publishing `draft` at `scheduled_at` (None: as soon as possible) put it out sooner than it goes now?

    A held post goes out only when a lead releases it, so any time brings it forward; a scheduled one, a time
    before its own; one already due, nothing."""
    if draft.state == S.HELD:
        return True
    if draft.state not in (S.APPROVED, S.SCHEDULED):
        return False
    now = now or timezone.now()
    current = draft.scheduled_at if draft.scheduled_at and draft.scheduled_at > now else None
    return current is not None and (scheduled_at is None or scheduled_at < current)


def forward_voids_approvals(user: User, draft: Draft) -> bool:
    """Would `user` bringing this approved post forward void its approvals (what pages warn of)?"""
    if draft.state not in (S.APPROVED, S.SCHEDULED, S.HELD):
        return False
    return not decide(user, "tweets.bring_forward", draft.account).allowed and approvals_required(draft) > 0


def keeps_approvals(user: User, draft: Draft, scheduled_at: datetime | None, *, now: datetime | None = None) -> bool:
    """Does moving `draft` to `scheduled_at` at `user`'s asking keep its approvals? Yes, unless it brings an approved
    post forward and `user` may not (tweets.bring_forward): then its approvals no longer count and it goes back to
    the approvers. A post that needs no approval keeps nothing to lose."""
    return not (brings_forward(draft, scheduled_at, now=now) and forward_voids_approvals(user, draft))


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
    if required == 0 and (version := saved_reply_approving(draft)) is not None:
        reason = f"Approved by saved reply {version.label}"
    _move(draft, S.APPROVED, by=by, reason=reason, request=request)
    return _proceed_when_approved(draft, by=by, request=request)


def _new_revision(
    draft: Draft,
    *,
    by: User,
    posts: list[str],
    in_reply_to_post_id: str,
    media: list | None = None,
    saved_reply_version=None,
) -> DraftRevision:
    number = (draft.current_revision.number + 1) if draft.current_revision_id else 1
    revision = DraftRevision.objects.create(
        draft=draft,
        number=number,
        posts=posts,
        in_reply_to_post_id=in_reply_to_post_id,
        saved_reply_version=saved_reply_version,
        created_by=by,
    )
    media_attach(revision, media or [], draft=draft)
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
    dm_conversation_id: str = "",
    media: list[list[Attachment]] | None = None,
    reply_to_snapshot: dict | None = None,
    saved_reply_version=None,
    announcement=None,
    request=None,
) -> Draft:
    """Save a new draft (a single post from `text`, or a thread from `posts`), with each post's `media`. With
    `dm_conversation_id`, a reply sent as a direct message into that conversation: the same approvals, published
    privately.

    `reply_to_snapshot`: the post a reply answers, as it was (kept on the draft for its approvers and history).
    `saved_reply_version`: the approved saved reply version the text was filled in from, unchanged (the caller
    checked it: monitoring.services.item_reply); recorded on the first revision. `announcement`: the UUID the
    drafts composed together share (tweets.announcements)."""
    purpose = Draft.Purpose(purpose)
    ensure(author, "tweets.reply" if purpose == Draft.Purpose.REPLY else "tweets.create_draft", account)
    cleaned = clean_posts(posts if posts is not None else [text or ""], account=account)
    reply_to = clean_reply_to(in_reply_to_post_id, network=account.network)
    media = _clean_media(author, media, posts=len(cleaned), network=account.network)
    with transaction.atomic():
        now = timezone.now()
        draft = Draft.objects.create(
            account=account,
            author=author,
            purpose=purpose,
            scheduled_at=scheduled_at,
            dm_conversation_id=dm_conversation_id,
            reply_to_snapshot=reply_to_snapshot or {},
            announcement=announcement,
            created_at=now,
            updated_at=now,
        )
        _new_revision(
            draft,
            by=author,
            posts=cleaned,
            in_reply_to_post_id=reply_to,
            media=media,
            saved_reply_version=saved_reply_version,
        )
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


def _clean_media(by: User, media, *, posts: int, network: str, draft: Draft | None = None) -> list[list[Attachment]]:
    if not media:
        return []
    files = usable_files(
        by, {i for items in media for a in items for i in (a.media_id, a.captions_id) if i}, draft=draft
    )
    return clean_media(media, posts=posts, files=files, network=network)


def draft_edit(
    *,
    draft: Draft,
    by: User,
    text: str | None = None,
    posts: list[str] | None = None,
    scheduled_at=_UNSET,
    in_reply_to_post_id=_UNSET,
    media=_UNSET,
    request=None,
) -> Draft:
    """Change a draft. New text or media (or alt text) make a new revision, which voids earlier approvals (see
    module doc)."""
    has_text = posts is not None or text
    cleaned = clean_posts(posts if posts is not None else [text or ""], account=draft.account) if has_text else None
    reply_to = (
        clean_reply_to(in_reply_to_post_id, network=draft.account.network)
        if in_reply_to_post_id is not _UNSET
        else _UNSET
    )
    if media is not _UNSET:
        count = len(cleaned) if cleaned is not None else len(draft.current_revision.posts)
        media = _clean_media(by, media, posts=count, network=draft.account.network, draft=draft)
    with transaction.atomic():
        draft = _lock(draft, "edit")
        ensure(by, "tweets.edit_draft", draft)
        revision = draft.current_revision
        new_posts = cleaned if cleaned is not None else list(revision.posts)
        new_reply_to = reply_to if reply_to is not _UNSET else revision.in_reply_to_post_id
        old_media = attachments_of(revision)
        new_media = media if media is not _UNSET else old_media[: len(new_posts)]
        content_changed = (
            new_posts != list(revision.posts) or new_reply_to != revision.in_reply_to_post_id or new_media != old_media
        )
        schedule_changed = scheduled_at is not _UNSET and scheduled_at != draft.scheduled_at
        approvals_kept = not schedule_changed or keeps_approvals(by, draft, scheduled_at)
        previous_time = draft.scheduled_at
        if schedule_changed:
            draft.scheduled_at = scheduled_at
            draft.save(update_fields=["scheduled_at"])
        if content_changed:
            revision = _new_revision(draft, by=by, posts=new_posts, in_reply_to_post_id=new_reply_to, media=new_media)
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
            if approvals_kept:
                _reschedule_locked(draft, by=by, scheduled_at=scheduled_at, request=request)
            else:
                _send_back_for_approval(
                    draft, by=by, previous=previous_time, scheduled_at=scheduled_at, request=request
                )
    return draft


def draft_submit(*, draft: Draft, by: User, request=None, despite_reply_rule: bool = False) -> Draft:
    """Send a draft for approval; with nothing to approve (policy 0) it goes straight on. A reply X will refuse
    (twitter_api.replies) is stopped first (ReplyWillBeRefused), unless `despite_reply_rule`."""
    with transaction.atomic():
        draft = _lock(draft, "submit")
        ensure(by, "tweets.submit_draft", draft)
        verdict = None if despite_reply_rule else reply_verdict(draft)
        if verdict is not None and verdict.refused:
            raise ReplyWillBeRefused(verdict)
        _move(draft, S.SUBMITTED, by=by, reason="Submitted for approval", request=request)
        if approvals_required(draft) > 0:
            queueing.notify_approvers_on_commit(draft.pk)
        _advance_if_approved(draft, by=by, request=request)
    return draft


def draft_withdraw(*, draft: Draft, by: User, reason: str = "", request=None) -> Draft:
    with transaction.atomic():
        draft = _lock(draft, "withdraw")
        ensure(by, "tweets.withdraw_draft", draft)
        return _move(
            draft,
            S.WITHDRAWN,
            by=by,
            reason=typed(reason) or "Withdrawn",
            request=request,
            publish_due_at=None,
            held_by=None,
        )


# --- Approving ----------------------------------------------------------------------------------------


def _revision_seen(draft: Draft, revision) -> DraftRevision:
    """The revision of `draft` that a form says the person saw (a revision or its id), or a refusal."""
    pk = revision.pk if isinstance(revision, DraftRevision) else revision
    found = (
        DraftRevision.objects.filter(draft=draft, pk=pk).first()
        if (str(pk or "").isascii() and str(pk or "").isdigit())
        else None
    )
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
    with transaction.atomic():
        draft = _lock(draft, "approve")
        ensure(by, "tweets.approve_draft", draft)
        current = draft.current_revision
        revision_seen = current if revision is None else _revision_seen(draft, revision)
        time_moved = scheduled_at is not _UNSET and scheduled_at != draft.scheduled_at
        if revision_seen.pk != draft.current_revision_id or time_moved:
            raise DraftChanged(
                draft, seen=revision_seen, seen_scheduled_at=scheduled_at if time_moved else draft.scheduled_at
            )
        revision = current
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
    reason = typed(reason)
    if not reason:
        raise DraftError("Say why, so the author knows what to change.")
    with transaction.atomic():
        draft = _lock(draft, action)
        ensure(by, PERMISSIONS[action], draft)
        Comment.objects.create(draft=draft, revision=draft.current_revision, author=by, body=reason)
        return _move(draft, to, by=by, reason=reason, request=request)


def draft_request_changes(*, draft: Draft, by: User, reason: str, request=None) -> Draft:
    return _approver_refusal(
        draft=draft, by=by, action="request_changes", to=S.CHANGES_REQUESTED, reason=reason, request=request
    )


def draft_reject(*, draft: Draft, by: User, reason: str, request=None) -> Draft:
    return _approver_refusal(draft=draft, by=by, action="reject", to=S.REJECTED, reason=reason, request=request)


def comment_create(*, draft: Draft, by: User, body: str) -> Comment:
    ensure(by, "tweets.comment_draft", draft)
    body = typed(body)
    if not body:
        raise DraftError("Write a comment before adding it.")
    return Comment.objects.create(draft=draft, revision=draft.current_revision, author=by, body=body)


# --- Scheduling (freezes: tweets.freezes) --------------------------------------------------------------------


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
    """Someone who may not bring an approved post forward (keeps_approvals) moved it earlier: its
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
    brought forward by someone who may not (keeps_approvals): then it goes back to the approvers."""
    if scheduled_at is None or scheduled_at <= timezone.now():
        raise DraftError("Choose a time in the future, or use 'Publish now'.")
    with transaction.atomic():
        draft = _lock(draft, "reschedule")
        ensure(by, "tweets.reschedule_draft", draft)
        if not keeps_approvals(by, draft, scheduled_at):
            return _send_back_for_approval(
                draft, by=by, previous=draft.scheduled_at, scheduled_at=scheduled_at, request=request
            )
        # A held draft whose account is still frozen is simply held again when due.
        return _reschedule_locked(draft, by=by, scheduled_at=scheduled_at, request=request)


def draft_retry(*, draft: Draft, by: User, request=None) -> Draft:
    """Try a failed post again (for example after new credentials were entered)."""
    with transaction.atomic():
        draft = _lock(draft, "retry")
        ensure(by, "tweets.retry_draft", draft)
        _move(draft, S.APPROVED, by=by, reason="Trying again", request=request, publish_due_at=None, failure_reason="")
        queueing.publish_on_commit(draft.pk)
        return draft


# --- Retracting (deleting from X: tweets.retraction) ------------------------------------------------------------


def draft_retract(*, draft: Draft, by: User, reason: str, request=None) -> Draft:
    """Delete a published post from X (a thread post by post, the last first), keeping the draft as a retracted
    record: who, when and why, in its history and the audit trail.

    A post X no longer has counts as deleted. Retracting a retracted draft changes nothing. If X refuses part-way,
    the posts deleted so far are recorded, the draft stays published and the DraftError says so: retracting again
    deletes the rest. X is called outside the row lock (two people retracting at once both succeed: the second
    finds the posts gone)."""
    from tweets import records, retraction

    reason = typed(reason)
    if not reason:
        raise DraftError("Say why the post is being retracted: the reason is kept with the record.")
    with transaction.atomic():
        draft = _lock(draft, "retract")
        ensure(by, "tweets.retract_draft", draft)
        if draft.state == S.RETRACTED:
            return draft
    retraction.posts_delete(draft=draft)
    with transaction.atomic():
        draft = _lock(draft, "retract")
        if draft.state == S.RETRACTED:
            return draft
        now = timezone.now()
        draft = _move(
            draft,
            S.RETRACTED,
            by=by,
            reason=f"Deleted from X: {reason}",
            request=request,
            retracted_at=now,
            retracted_by=by,
            retraction_reason=reason,
        )
        records.retraction_record(draft=draft)  # who, why, when and each post of the thread, kept with its history
        return draft
