"""Access helpers: the only way views load drafts and freezes.

A user sees the drafts of accounts their teams own and the drafts their teams approve; admins see everything;
anything else is a 404. Writing a draft gives no access of its own: a leaver loses the team's drafts, theirs
too. Roles (who may approve, edit or lift a freeze) are checked by the predicates below and enforced again in
the services.
"""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

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
