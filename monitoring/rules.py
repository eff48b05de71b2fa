"""Who may manage monitors and routing, work the inbox and see the read usage. Asks only accounts and core;
roles come from User.current_roles() (kept for the request), so the rules list and the inbox ask per row at no
query cost, given rules loaded with their monitor and account (monitoring.access.rules_for_user)."""

import rules

from accounts.models import Membership
from accounts.rules import is_admin, is_lead
from core.permissions import register_reason, signed_in
from monitoring.models import RoutingRule


def rule_routes_from(rule: RoutingRule) -> set[int]:
    """The teams whose mentions the rule takes: the owners of its monitor and of its account. None named: every
    team's."""
    sources = (rule.monitor if rule.monitor_id else None, rule.account if rule.account_id else None)
    return {source.team_id for source in sources if source is not None}


@rules.predicate
def leads_a_team_the_rule_touches(user, rule: RoutingRule) -> bool:
    """A lead of a team the rule routes from or to. A rule that names no team's monitor or account routes from
    every team, so every lead."""
    if not signed_in(user):
        return False
    led = {team_id for team_id, role in user.current_roles().items() if role == Membership.Role.LEAD}
    if not led:
        return False
    routes_from = rule_routes_from(rule)
    return not routes_from or bool(led & (routes_from | {rule.route_to_id}))


@rules.predicate
def in_the_items_team(user, item) -> bool:
    return signed_in(user) and item.team_id in user.current_roles()


rules.add_perm("monitoring.manage_monitors", is_lead)  # on a team (or None: any team)
register_reason("monitoring.manage_monitors", "Only team leads and admins can change monitors and watchlists.")

rules.add_perm("monitoring.add_rule", is_lead)  # what a lead may add is bounded by change_rule
register_reason("monitoring.add_rule", "Only team leads and admins can add routing rules.")

rules.add_perm("monitoring.change_rule", is_admin | leads_a_team_the_rule_touches)  # edit, move or delete
register_reason(
    "monitoring.change_rule", "Only admins and the leads of the teams this rule routes from or to can change it."
)


@rules.predicate
def a_public_item(user, item) -> bool:
    return item is None or not getattr(item, "is_private", False)


# A direct message is worked only by its team: an admin outside it neither sees nor touches it.
work_item = (is_admin & a_public_item) | in_the_items_team
rules.add_perm("monitoring.work_item", work_item)  # claim, assign, close, reopen, escalate, add a note
register_reason("monitoring.work_item", "Only members of the team this item is with can work on it.")

rules.add_perm("monitoring.reply_to_item", work_item)  # the account's training gate is training.reply
register_reason("monitoring.reply_to_item", "Only members of the team this item is with can reply to it.")

rules.add_perm("monitoring.see_usage", rules.predicate(signed_in))  # each sees their teams' share (usage_for_user)
register_reason("monitoring.see_usage", "Sign in to see the read usage.")

rules.add_perm("monitoring.set_budget", is_lead)
register_reason("monitoring.set_budget", "Only team leads and admins can set the read budget.")

rules.add_perm("monitoring.manage_tags", is_lead)  # on a team: its leads, and admins
register_reason("monitoring.manage_tags", "Only the team's leads and admins can change its tags.")
