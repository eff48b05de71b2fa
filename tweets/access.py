"""Access helpers: the only way views load drafts and freezes (the queries of which drafts a person sees are
in tweets.selectors).

A user sees the drafts of accounts their teams own and the drafts their teams approve; admins see everything;
anything else is a 404. Writing a draft gives no access of its own: a leaver loses the team's drafts, theirs
too. Roles (who may approve, edit or lift a freeze) are checked by the predicates below and enforced again in
the services.

When a post goes out is decided here too (`keeps_approvals`, `may_release`, `may_retry`): the services enforce
these and the pages ask them what to offer.
"""

from datetime import datetime

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.access import is_lead, team_ids_for_user
from accounts.models import TwitterAccount, User
from tweets.models import Draft, PublishingFreeze
from tweets.selectors import approvals_required, approver_team_ids, drafts_for_user


def draft_for_user(user: User, pk: int) -> Draft:
    return get_object_or_404(drafts_for_user(user), pk=pk)


def freezes_for_user(user: User) -> QuerySet[PublishingFreeze]:
    """Every signed-in person may see freezes: the banner announces them on every page."""
    return PublishingFreeze.objects.select_related("team", "account", "started_by", "lifted_by")


def freeze_for_user(user: User, pk: int) -> PublishingFreeze:
    return get_object_or_404(freezes_for_user(user), pk=pk)


def can_approve_for(user: User, account: TwitterAccount) -> bool:
    """Approvers and leads of the account's approving team may approve; so may admins."""
    return user.is_admin or account.approving_team_id in approver_team_ids(user)


def can_write_for(user: User, account: TwitterAccount) -> bool:
    """Members of the owning team (and admins) write, edit and submit posts for an account."""
    return user.is_admin or account.team_id in team_ids_for_user(user)


def is_current_author(user: User, draft: Draft) -> bool:
    """The author may withdraw or retry their own draft only while they may still write for its account."""
    return user.pk == draft.author_id and can_write_for(user, draft.account)


def is_lead_for(user: User, account: TwitterAccount) -> bool:
    return is_lead(user, account.team_id)


# --- When a post goes out ------------------------------------------------------------------------------


def may_bring_forward(user: User, account: TwitterAccount) -> bool:
    """Moving an approved post earlier, or to now, is for the account's approvers and leads (and admins)."""
    return can_approve_for(user, account) or is_lead_for(user, account)


def brings_forward(draft: Draft, scheduled_at: datetime | None, *, now: datetime | None = None) -> bool:
    """Would publishing `draft` at `scheduled_at` (None: as soon as possible) put it out sooner than it goes now?

    A held post goes out only when a lead releases it, so any time brings it forward; a scheduled one, a time
    before its own; one already due, nothing."""
    if draft.state == Draft.State.HELD:
        return True
    if draft.state not in (Draft.State.APPROVED, Draft.State.SCHEDULED):
        return False
    now = now or timezone.now()
    current = draft.scheduled_at if draft.scheduled_at and draft.scheduled_at > now else None
    return current is not None and (scheduled_at is None or scheduled_at < current)


def keeps_approvals(user: User, draft: Draft, scheduled_at: datetime | None, *, now: datetime | None = None) -> bool:
    """Does moving `draft` to `scheduled_at` at `user`'s asking keep its approvals? Yes, unless it brings an approved
    post forward and `user` may not (may_bring_forward): then its approvals no longer count and it goes back to
    the approvers (tweets.services). A post that needs no approval keeps nothing to lose."""
    return not (brings_forward(draft, scheduled_at, now=now) and forward_voids_approvals(user, draft))


def forward_voids_approvals(user: User, draft: Draft) -> bool:
    """Would `user` bringing this approved post forward void its approvals (what pages warn of)?"""
    if draft.state not in (Draft.State.APPROVED, Draft.State.SCHEDULED, Draft.State.HELD):
        return False
    return not may_bring_forward(user, draft.account) and approvals_required(draft) > 0


def may_release(user: User, account: TwitterAccount) -> bool:
    """Publishing a held post now once its freeze is lifted, or any approved post during a freeze as an essential
    communication, is for leads of the owning team and admins."""
    return user.is_admin or is_lead_for(user, account)


def may_retry(user: User, draft: Draft) -> bool:
    """A failed post goes out again (no sooner than it was due) at its author's asking (while still in the
    account's team: a leaver loses it), or a lead's."""
    return is_current_author(user, draft) or may_release(user, draft.account)
