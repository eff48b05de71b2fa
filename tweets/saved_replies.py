"""Saved replies: a team's library of replies, each version approved once as a post for its account would be.

- Writing a saved reply, or editing one, makes a version waiting for approval (an edit never changes an approved
  version's text: old versions are kept, and the approvals of one never count for another).
- A version is approved by as many approvers as the account needs for a post (at least one): approvers and leads of
  the account's approving team, trained to approve for its kind, never the person who wrote that version
  (tweets.approve_saved_reply in tweets.rules). One refusal rejects it, with a reason.
- The library offers each saved reply's newest approved version. Filled in for a mention ({handle}, {name}) and
  left unchanged, it can stand in for a reply's approval where the account's policy allows it
  (tweets.selectors.saved_reply_skips_approval); the draft's history says "Approved by saved reply “…” vN".
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import TwitterAccount, User
from accounts.services import audit_record
from core.permissions import ensure
from networks.text import check_for as text_check_for
from tweets.models import SavedReply, SavedReplyApproval, SavedReplyVersion
from twitter_api.text import validate_post_text

V = SavedReplyVersion.State

PLACEHOLDERS = {
    "handle": "the author's handle, with its @",
    "name": "the author's display name",
}
_PLACEHOLDER = re.compile(r"\{([^{}\s]*)\}")
_HANDLE = re.compile(r"[A-Za-z0-9_]{1,15}")
# A name is shown as text: never a mention, hashtag or cashtag of its own, on one line.
_NAME_UNSAFE = re.compile(r"[@#$＠＃\r\n\t\x00-\x1f\x7f]")


def approvals_for_saved_reply(account: TwitterAccount) -> int:
    """Approvals a saved reply version needs: as many as a post on its account, and at least one (a reply sent on
    the strength of a saved reply has been read by someone other than its writer)."""
    return max(1, account.required_approvals)


def check_placeholders(text: str) -> None:
    unknown = sorted({name for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})
    if unknown:
        listed = ", ".join("{" + name + "}" for name in unknown)
        raise ValidationError(
            f"The saved reply uses {listed}, which Dovecote cannot fill in. Use only {{handle}} and {{name}}."
        )


def _clean_text(text: str, *, account=None) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError("Write the saved reply's text.")
    check_placeholders(text)
    # Checked with the longest a handle can be, so a version that is approved fits whoever it answers (names are
    # checked when it is used).
    longest = fill(text, handle="a" * 15, name="")
    errors = (text_check_for(account, longest) if account is not None else validate_post_text(longest)).errors
    if errors:
        raise ValidationError([f"With the longest handle filled in: {error}" for error in errors])
    return text


def fill(text: str, *, handle: str, name: str) -> str:
    """The text with {handle} and {name} filled in, in one pass (what is filled in is never read as a placeholder).
    The handle must be an X handle; the name loses what could make it a mention, hashtag or new line."""
    handle = (handle or "").lstrip("@")
    values = {
        "handle": f"@{handle}" if _HANDLE.fullmatch(handle) else "",
        "name": " ".join(_NAME_UNSAFE.sub(" ", name or "").split()),
    }
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def filled_for(version: SavedReplyVersion, *, snapshot: dict) -> str:
    """The version's text for the post in `snapshot` (author_username, author_name), checked as a post: a reply
    that comes out too long or otherwise not a post X accepts is refused with the reason."""
    handle = snapshot.get("author_username") or ""
    if "{handle}" in version.text and not _HANDLE.fullmatch(handle):
        raise ValidationError(
            f"The saved reply {version.label} needs the author's handle, and this post's author has none Dovecote "
            "can use. Write this reply by hand."
        )
    text = fill(version.text, handle=handle, name=snapshot.get("author_name") or "")
    check = text_check_for(version.saved_reply.account, text)
    if check.errors:
        raise ValidationError(
            [
                f"Filled in for @{handle}, the saved reply {version.label} cannot be sent: {error}"
                for error in check.errors
            ]
            + ["Shorten it here before sending, or write this reply by hand."]
        )
    return check.text_nfc


# --- Reading -----------------------------------------------------------------------------------------------


def usable_versions(accounts) -> list[SavedReplyVersion]:
    """For each saved reply of these accounts that is not archived, its newest approved version, by title."""
    newest: dict[int, SavedReplyVersion] = {}
    versions = (
        SavedReplyVersion.objects.filter(
            state=V.APPROVED, saved_reply__account__in=accounts, saved_reply__archived_at__isnull=True
        )
        .select_related("saved_reply", "saved_reply__account")
        .order_by("saved_reply_id", "-number")
    )
    for version in versions:
        newest.setdefault(version.saved_reply_id, version)
    return sorted(newest.values(), key=lambda v: (v.saved_reply.title.lower(), v.saved_reply_id))


def versions_awaiting_approval_by(user: User) -> QuerySet[SavedReplyVersion]:
    """Versions waiting for approval that the user may be asked to approve: of accounts their teams approve for (any
    for admins), not written by them (tweets.approve_saved_reply decides each)."""
    from tweets.selectors import approver_team_ids

    versions = SavedReplyVersion.objects.filter(state=V.SUBMITTED, saved_reply__archived_at__isnull=True).exclude(
        created_by=user
    )
    if user.is_admin:
        return versions
    team_ids = approver_team_ids(user)
    return versions.filter(
        Q(saved_reply__account__approver_team_id__in=team_ids)
        | Q(saved_reply__account__approver_team__isnull=True, saved_reply__account__team_id__in=team_ids)
    )


def approval_count(version: SavedReplyVersion) -> int:
    return version.approvals.count()


# --- Writing -----------------------------------------------------------------------------------------------


def _new_version(saved_reply: SavedReply, *, by: User, text: str) -> SavedReplyVersion:
    last = saved_reply.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return SavedReplyVersion.objects.create(saved_reply=saved_reply, number=last + 1, text=text, created_by=by)


@transaction.atomic
def saved_reply_create(*, by: User, account: TwitterAccount, title: str, text: str, request=None) -> SavedReply:
    ensure(by, "tweets.write_saved_reply", account)
    title = (title or "").strip()
    if not title:
        raise ValidationError("Give the saved reply a title, such as “Opening hours”.")
    text = _clean_text(text, account=account)
    if SavedReply.objects.filter(account=account, title__iexact=title).exists():
        raise ValidationError(f"{account} already has a saved reply called “{title}”. Choose another title.")
    saved_reply = SavedReply.objects.create(account=account, title=title[:80], created_by=by)
    version = _new_version(saved_reply, by=by, text=text)
    audit_record(
        action="saved_reply.created",
        actor=by,
        obj=saved_reply,
        team=account.team,
        details={"account": account.handle, "version": version.number, "text": text},
        request=request,
    )
    return saved_reply


@transaction.atomic
def saved_reply_edit(*, by: User, saved_reply: SavedReply, text: str, request=None) -> SavedReplyVersion:
    """A new version, waiting for approval; versions waiting before it are replaced (rejected as superseded)."""
    saved_reply = SavedReply.objects.select_for_update().select_related("account").get(pk=saved_reply.pk)
    ensure(by, "tweets.write_saved_reply", saved_reply.account)
    text = _clean_text(text, account=saved_reply.account)
    current = saved_reply.versions.order_by("-number").first()
    if current is not None and current.text == text:
        raise ValidationError("The text is the same as the latest version, so nothing was changed.")
    now = timezone.now()
    saved_reply.versions.filter(state=V.SUBMITTED).update(
        state=V.REJECTED, decided_at=now, decision_note="Replaced by a newer version before it was approved."
    )
    version = _new_version(saved_reply, by=by, text=text)
    audit_record(
        action="saved_reply.edited",
        actor=by,
        obj=saved_reply,
        team=saved_reply.account.team,
        details={"version": version.number, "text": text},
        request=request,
    )
    return version


def _lock_version(version: SavedReplyVersion) -> SavedReplyVersion:
    return (
        SavedReplyVersion.objects.select_for_update(of=("self",))
        .select_related("saved_reply", "saved_reply__account", "saved_reply__account__team")
        .get(pk=version.pk)
    )


@transaction.atomic
def saved_reply_approve(*, by: User, version: SavedReplyVersion, request=None) -> SavedReplyVersion:
    version = _lock_version(version)
    ensure(by, "tweets.approve_saved_reply", version)
    SavedReplyApproval.objects.create(version=version, approver=by)
    account = version.saved_reply.account
    count, needed = approval_count(version), approvals_for_saved_reply(account)
    if count >= needed:
        version.state = V.APPROVED
        version.decided_at = timezone.now()
        version.save(update_fields=["state", "decided_at"])
    audit_record(
        action="saved_reply.approval_given",
        actor=by,
        obj=version.saved_reply,
        team=account.team,
        details={"version": version.number, "count": count, "required": needed, "state": version.state},
        request=request,
    )
    return version


@transaction.atomic
def saved_reply_reject(*, by: User, version: SavedReplyVersion, reason: str, request=None) -> SavedReplyVersion:
    version = _lock_version(version)
    ensure(by, "tweets.reject_saved_reply", version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Say why it is rejected, so its writer knows what to change.")
    version.state = V.REJECTED
    version.decided_at = timezone.now()
    version.decision_note = reason
    version.save(update_fields=["state", "decided_at", "decision_note"])
    audit_record(
        action="saved_reply.rejected",
        actor=by,
        obj=version.saved_reply,
        team=version.saved_reply.account.team,
        details={"version": version.number, "reason": reason},
        request=request,
    )
    return version


@transaction.atomic
def saved_reply_archive(*, by: User, saved_reply: SavedReply, request=None) -> SavedReply:
    saved_reply = SavedReply.objects.select_for_update().select_related("account").get(pk=saved_reply.pk)
    ensure(by, "tweets.write_saved_reply", saved_reply.account)
    if saved_reply.archived_at is None:
        saved_reply.archived_at = timezone.now()
        saved_reply.save(update_fields=["archived_at"])
        audit_record(
            action="saved_reply.archived", actor=by, obj=saved_reply, team=saved_reply.account.team, request=request
        )
    return saved_reply


def saved_replies_for(accounts) -> QuerySet[SavedReply]:
    return SavedReply.objects.filter(account__in=accounts).select_related("account")
