"""Access helpers: the only way views load drafts and freezes.

A user sees the drafts of accounts their teams own and the drafts their teams approve; admins see everything;
anything else is a 404. Writing a draft gives no access of its own: a leaver loses the team's drafts, theirs
too. Roles (who may approve, edit or lift a freeze) are checked by the predicates below and enforced again in
the services.

When a post goes out is decided here too (`keeps_approvals`, `may_release`, `may_retry`): the services enforce
these and the pages ask them what to offer.
"""

from datetime import datetime

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.access import is_lead, team_ids_for_user
from accounts.models import Membership, TwitterAccount, User
from tweets.models import Draft, PublishingFreeze

APPROVER_ROLES = (Membership.Role.APPROVER, Membership.Role.LEAD)


def drafts_for_user(user: User) -> QuerySet[Draft]:
    qs = Draft.objects.select_related("account", "author", "current_revision")
    if user.is_admin:
        return qs
    team_ids = team_ids_for_user(user)
    return qs.filter(Q(account__team_id__in=team_ids) | Q(account__approver_team_id__in=team_ids))


def draft_for_user(user: User, pk: int) -> Draft:
    return get_object_or_404(drafts_for_user(user), pk=pk)


def freezes_for_user(user: User) -> QuerySet[PublishingFreeze]:
    """Every signed-in person may see freezes: the banner announces them on every page."""
    return PublishingFreeze.objects.select_related("team", "account", "started_by", "lifted_by")


def freeze_for_user(user: User, pk: int) -> PublishingFreeze:
    return get_object_or_404(freezes_for_user(user), pk=pk)


def approver_team_ids(user: User) -> list[int]:
    """Teams in which the user is an approver or lead now (cached on the user for the request)."""
    return [team_id for team_id, role in user.current_roles().items() if role in APPROVER_ROLES]


def drafts_awaiting_approval_by(user: User) -> QuerySet[Draft]:
    """Submitted drafts, other than their own, that the user may approve: those of accounts their teams approve
    for (as can_approve_for decides for one account); every account's for admins. Bare rows, for counting and
    paging. Who may approve is narrower than who may see (drafts_for_user), so no visibility filter is needed.
    """
    drafts = Draft.objects.filter(state=Draft.State.SUBMITTED).exclude(author=user)
    if user.is_admin:
        return drafts
    team_ids = approver_team_ids(user)
    return drafts.filter(
        Q(account__approver_team_id__in=team_ids)
        | Q(account__approver_team__isnull=True, account__team_id__in=team_ids)
    )


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


def writable_accounts(user: User) -> QuerySet[TwitterAccount]:
    qs = TwitterAccount.objects.select_related("team").filter(status=TwitterAccount.Status.ACTIVE)
    if user.is_admin:
        return qs
    return qs.filter(team_id__in=team_ids_for_user(user))


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
    from tweets.services import approvals_required

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
