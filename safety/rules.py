"""Who may look into a possible takeover and record its outcome: the leads of the account's team, and admins.

Permissions: safety.see_incidents (a team, or None: any team), safety.resolve_incident (an incident)."""

import rules

from accounts.rules import is_admin, leads_team
from core.permissions import register_reason


@rules.predicate
def leads_the_accounts_team(user, incident) -> bool:
    return incident is not None and leads_team(user, incident.account.team_id)


rules.add_perm("safety.see_incidents", is_admin | leads_team)
register_reason("safety.see_incidents", "Only team leads and admins can see possible account takeovers.")

rules.add_perm("safety.resolve_incident", is_admin | leads_the_accounts_team)
register_reason(
    "safety.resolve_incident",
    "Only a lead of the team that owns this account, or an admin, can record what happened.",
)
