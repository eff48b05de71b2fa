"""accounts' part of the home dashboard (reports.dashboard assembles the page): the user's teams and their X
accounts, and the roles that decide which other panels the user sees. Roles come from User.current_roles, read
once a request, so asking them costs no query."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import SimpleLazyObject

from accounts.access import accounts_for_user, teams_for_user, teams_key
from accounts.models import Membership, User


def approves_anywhere(user: User) -> bool:
    """May the user approve drafts for some team (an approver or lead of one, or an admin)? Then 'waiting for my
    approval' is shown to them."""
    approving = (Membership.Role.APPROVER, Membership.Role.LEAD)
    return user.is_admin or any(role in approving for role in user.current_roles().values())


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
