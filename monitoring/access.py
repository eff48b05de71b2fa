"""Access helpers: the only way views load monitoring objects.

Inbox items, monitors and watchlists belong to a team: its current members reach them, admins reach all (but a
direct message only in a team they belong to), everyone else gets a 404. Routing rules are department-wide
reading. What a person may do with what they see (change a rule, work an item) is decided in monitoring.rules;
the can_*/require_* helpers here ask it.
"""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.access import team_ids_for_user
from accounts.models import User
from core.permissions import decide, ensure
from monitoring.models import InboxItem, Mention, Monitor, MonitorUsage, RoutingRule, Watchlist, WatchlistEntry


def items_for_user(user: User) -> QuerySet[InboxItem]:
    """The items of the user's teams; admins see every team's public items, but a direct message (a private
    item) only in a team they are a member of: private messages are the owning team's alone."""
    qs = InboxItem.objects.all()
    if user.is_admin:
        return qs.filter(Q(is_private=False) | Q(team_id__in=team_ids_for_user(user)))
    return qs.filter(team_id__in=team_ids_for_user(user))


def item_for_user(user: User, pk: int) -> InboxItem:
    qs = items_for_user(user).select_related(
        "mention", "team", "account", "assigned_to", "reply_draft", "escalated_from__team"
    )
    return get_object_or_404(qs, pk=pk)


def monitors_for_user(user: User) -> QuerySet[Monitor]:
    qs = Monitor.objects.select_related("team")
    if user.is_admin:
        return qs
    return qs.filter(team_id__in=team_ids_for_user(user))


def monitor_for_user(user: User, pk: int) -> Monitor:
    return get_object_or_404(monitors_for_user(user), pk=pk)


def monitors_matching(user: User, mention: Mention) -> QuerySet[Monitor]:
    """The monitors of the user's teams that matched the mention (every team's for admins)."""
    return monitors_for_user(user).filter(matches__mention=mention)


def usage_for_user(user: User) -> QuerySet[MonitorUsage]:
    """Reads by the monitors and mention timelines of the user's teams; every team's for admins."""
    qs = MonitorUsage.objects.all()
    if user.is_admin:
        return qs
    team_ids = team_ids_for_user(user)
    return qs.filter(Q(monitor__team_id__in=team_ids) | Q(account__team_id__in=team_ids))


def watchlists_for_user(user: User) -> QuerySet[Watchlist]:
    qs = Watchlist.objects.select_related("team")
    if user.is_admin:
        return qs
    return qs.filter(team_id__in=team_ids_for_user(user))


def watchlist_for_user(user: User, pk: int) -> Watchlist:
    return get_object_or_404(watchlists_for_user(user), pk=pk)


def watchlist_entry_for_user(user: User, pk: int) -> WatchlistEntry:
    return get_object_or_404(WatchlistEntry.objects.filter(watchlist__in=watchlists_for_user(user)), pk=pk)


def can_add_rules(user: User) -> bool:
    """Leads and admins add rules; what a lead may add is bounded by can_change_rule (monitoring.rules)."""
    return decide(user, "monitoring.add_rule").allowed


def require_rule_adder(user: User) -> None:
    ensure(user, "monitoring.add_rule")


def can_change_rule(user: User, rule: RoutingRule) -> bool:
    """Admins, and the leads of the teams the rule routes from and to, may edit, move or delete it
    (monitoring.change_rule)."""
    return decide(user, "monitoring.change_rule", rule).allowed


def require_rule_change(user: User, rule: RoutingRule) -> None:
    ensure(user, "monitoring.change_rule", rule)


def rules_for_user(user: User) -> QuerySet[RoutingRule]:
    """Everyone signed in may read the rules (to know where things go); who may change one is can_change_rule."""
    return RoutingRule.objects.select_related("monitor", "account", "watchlist", "route_to")


def rule_for_user(user: User, pk: int) -> RoutingRule:
    return get_object_or_404(rules_for_user(user), pk=pk)


def rule_for_changing(user: User, pk: int) -> RoutingRule:
    """The rule, if the user may change it; refused (a 403 with the reason) otherwise: every rule is readable."""
    rule = rule_for_user(user, pk)
    require_rule_change(user, rule)
    return rule
