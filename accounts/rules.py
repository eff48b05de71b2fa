"""Who may manage a team and read its audit trail. Asks only core; roles come from User.current_roles(), kept on
the user for the request, so asking about many teams on one page costs no queries."""

import rules

from accounts.models import Membership, Team
from core.permissions import register_reason, signed_in


def team_id_of(obj) -> int | None:
    """The team a permission is asked about: a Team, a team id, or None for "any team"."""
    return obj.pk if isinstance(obj, Team) else obj


@rules.predicate
def is_admin(user) -> bool:
    return signed_in(user) and user.is_admin


@rules.predicate
def leads_team(user, team) -> bool:
    """Leads this team, or any team when none is named."""
    if not signed_in(user):
        return False
    roles = user.current_roles()
    team_id = team_id_of(team)
    if team_id is None:
        return Membership.Role.LEAD in roles.values()
    return roles.get(team_id) == Membership.Role.LEAD


@rules.predicate
def in_team(user, team) -> bool:
    """A current member of this team, in any role."""
    return signed_in(user) and team_id_of(team) in user.current_roles()


is_lead = is_admin | leads_team

rules.add_perm("accounts.manage_team", is_lead)
register_reason("accounts.manage_team", "Only team leads and admins can do that.")

rules.add_perm("accounts.see_audit", is_lead)
register_reason("accounts.see_audit", "Only team leads and admins can see the audit trail.")

# X's credits belong to the department's one X developer account: only admins, who hold its console, restore them.
rules.add_perm("accounts.restore_x_credits", is_admin)
register_reason(
    "accounts.restore_x_credits",
    "Only admins can say X credits are restored: they hold the X developer console where credits are bought.",
)
