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

# Records: a legal hold (set and lifted with a reason) and an account's retention period are the department's
# records decisions, taken by its admins (with its records manager or legal adviser), not by a team.
rules.add_perm("accounts.set_legal_hold", is_admin)
register_reason(
    "accounts.set_legal_hold", "Only admins can place or lift a legal hold: it is the department's legal decision."
)
rules.add_perm("accounts.change_retention", is_admin)
register_reason(
    "accounts.change_retention",
    "Only admins can change how long an account's records are kept: it follows the department's records schedule.",
)


# --- Running a team: inviting people, changing roles, ending memberships -----------------------------------


def _membership_team(membership) -> int | None:
    return getattr(membership, "team_id", None)


@rules.predicate
def leads_membership_team(user, membership) -> bool:
    return leads_team(user, _membership_team(membership))


@rules.predicate
def membership_is_current(user, membership) -> bool:
    return membership is not None and membership.is_current


@rules.predicate
def leaves_a_lead(user, membership) -> bool:
    """The team keeps a lead who can sign in if this membership stops being a lead's: it is not a lead's, or
    another current lead remains."""
    if membership is None or membership.role != Membership.Role.LEAD:
        return True
    return Membership.objects.current_leads().filter(team_id=membership.team_id).exclude(pk=membership.pk).exists()


manages_membership = (is_admin | leads_membership_team) & membership_is_current

rules.add_perm("accounts.invite_to_team", is_lead)
register_reason("accounts.invite_to_team", "Only the team's leads and admins can invite people to it.")

rules.add_perm("accounts.change_role", manages_membership & leaves_a_lead)
rules.add_perm("accounts.end_membership", manages_membership & leaves_a_lead)


def _membership_refusal(verb: str):
    def reason(user, membership) -> str:
        if not (is_admin(user) or leads_membership_team(user, membership)):
            return "Only the team's leads and admins can do that."
        if not membership_is_current(user, membership):
            return "This membership has already ended."
        return (
            f"{membership.user} is {membership.team}'s only lead, so they cannot be {verb}. "
            "Make someone else a team lead first."
        )

    return reason


register_reason("accounts.change_role", _membership_refusal("given another role"))
register_reason("accounts.end_membership", _membership_refusal("removed from the team"))


# --- Account events (X Activity API): authorising the app with OAuth 2.0 for an account, and disconnecting it -----


def _account_team(account) -> int | None:
    return getattr(account, "team_id", None)


@rules.predicate
def leads_account_team(user, account) -> bool:
    return account is not None and leads_team(user, _account_team(account))


rules.add_perm("accounts.authorise_activity", is_admin | leads_account_team)
register_reason(
    "accounts.authorise_activity",
    "Only the account's team leads and admins can authorise account events or disconnect them.",
)
