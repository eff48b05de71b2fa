"""Access helpers: the only way views load team-owned objects.

A user reaches the objects of the teams they currently belong to; admins reach everything; anything
else is a 404, so outsiders cannot even learn that an object exists.
"""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import AuditEvent, Membership, Team, TwitterAccount, User
from core.permissions import decide, ensure


def team_ids_for_user(user: User) -> list[int]:
    """Ids of the teams the user belongs to now (cached on the user object for the request)."""
    return list(user.current_roles())


def teams_key(user: User) -> str:
    """What the user's team-wide views depend on, for caching them: "all" for admins, else their team ids."""
    return "all" if user.is_admin else ",".join(map(str, sorted(team_ids_for_user(user))))


def teams_for_user(user: User) -> QuerySet[Team]:
    if user.is_admin:
        return Team.objects.all()
    return Team.objects.filter(pk__in=team_ids_for_user(user))


def team_for_user(user: User, pk: int) -> Team:
    return get_object_or_404(teams_for_user(user), pk=pk)


def accounts_for_user(user: User) -> QuerySet[TwitterAccount]:
    qs = TwitterAccount.objects.select_related("team", "responsible_person", "approver_team")
    if user.is_admin:
        return qs
    return qs.filter(team_id__in=team_ids_for_user(user))


def account_for_user(user: User, pk: int) -> TwitterAccount:
    return get_object_or_404(accounts_for_user(user), pk=pk)


def memberships_for_user(user: User) -> QuerySet[Membership]:
    qs = Membership.objects.select_related("user", "team")
    if user.is_admin:
        return qs
    return qs.filter(team_id__in=team_ids_for_user(user))


def membership_for_user(user: User, pk: int) -> Membership:
    return get_object_or_404(memberships_for_user(user), pk=pk)


def led_team_ids(user: User) -> list[int]:
    """Ids of the teams the user leads now (admins' other powers aside; cached on the user for the request)."""
    return [team_id for team_id, role in user.current_roles().items() if role == Membership.Role.LEAD]


def teams_led_by(user: User) -> QuerySet[Team]:
    """The teams the user may manage: those they lead, or every team for admins."""
    if user.is_admin:
        return Team.objects.all()
    return Team.objects.filter(pk__in=led_team_ids(user))


def is_lead(user: User, team_id: int | None = None) -> bool:
    """Is the user an admin, or a lead (of this team, or of any team when team_id is None)? (accounts.manage_team)"""
    return decide(user, "accounts.manage_team", team_id).allowed


def require_lead(user: User, team_id: int | None = None) -> None:
    """Refused (a 403 with the reason) unless the user may manage the team; load the team through the helpers
    above first, so a team that is not the user's is a 404."""
    ensure(user, "accounts.manage_team", team_id)


def audit_events_for_user(user: User) -> QuerySet[AuditEvent]:
    """Leads see their teams' audit trail; admins see all of it; others see none."""
    qs = AuditEvent.objects.select_related("team")
    if user.is_admin:
        return qs
    return qs.filter(team_id__in=led_team_ids(user))
