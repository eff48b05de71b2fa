"""accounts' part of the home dashboard (reports.dashboard assembles the page): the user's teams and their X
accounts. The roles that decide which other panels the user sees are asked of accounts.access (is_lead,
led_team_ids, team_ids_for_user), which read User.current_roles once a request, so asking them costs no query."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import SimpleLazyObject

from accounts.access import accounts_for_user, teams_for_user, teams_key
from accounts.models import User


@dataclass
class AccountsPanel:
    teams: list
    accounts: list


def for_dashboard(user: User) -> AccountsPanel:
    """My teams and their accounts (two queries), read only when the panel's cached fragment misses (lazy)."""
    return AccountsPanel(
        teams=SimpleLazyObject(lambda: list(teams_for_user(user))),
        accounts=SimpleLazyObject(lambda: list(accounts_for_user(user))),
    )


def accounts_vary_on(user: User, generations: dict[str, str]) -> str:
    """What the accounts panel's cached fragment is shared by: everyone with the same teams, until a team,
    membership or account changes (core.freshness)."""
    return f"{teams_key(user)}:{generations['teams']}"
