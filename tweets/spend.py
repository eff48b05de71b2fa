"""Each team's and account's spend on X this month against the monthly spend budget a lead sets, and the hold at
100%: a team whose lead chose to hold has its posts that are not essential held when due (tweets.publishing asks
`teams_holding`), and released when the budget is raised or the month turns (`spend_holds_release`).

Spend is read from the metered calls (twitter_api.models.ApiCall, each with its cost): an account's posts and its
mention timeline's reads are its team's. Search reads carry no account; monitoring attributes them to its
monitors' teams and registers that count here (`count_search_reads_with`), since tweets never imports monitoring.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.models import Team, User
from accounts.services import audit_record
from core.permissions import ensure
from tweets import queueing
from tweets.models import Draft, SpendBudget
from tweets.services import _move
from twitter_api import prices
from twitter_api.models import ApiCall, cost_expression

S = Draft.State
WARN_PERCENT = 80
ZERO = Decimal(0)

# (first day, first day of the next month) -> {team id: posts read by its monitors' searches}
_search_reads: Callable[[date, date], dict[int, float]] | None = None


def count_search_reads_with(counter: Callable[[date, date], dict[int, float]] | None) -> None:
    global _search_reads
    _search_reads = counter


def month_of(now: datetime | None = None) -> date:
    return timezone.localdate(now).replace(day=1)


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def _window(month: date) -> tuple[datetime, datetime]:
    """The month from midnight on its first day to midnight on the next month's, UK time (as the read budget)."""
    return tuple(timezone.make_aware(datetime.combine(day, time.min)) for day in (month, _next_month(month)))


@dataclass
class Spend:
    reads: Decimal = ZERO
    writes: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.reads + self.writes


def _calls(month: date):
    start, end = _window(month)
    return ApiCall.objects.filter(created_at__gte=start, created_at__lt=end)


def _split(qs, by: str) -> dict[int, Spend]:
    """Reads (GET) and writes (everything else) in dollars, per value of `by`, in one query."""
    rows = qs.values(by).annotate(
        reads=Sum(cost_expression(), filter=Q(method="GET")), writes=Sum(cost_expression(), filter=~Q(method="GET"))
    )
    return {row[by]: Spend(reads=row["reads"] or ZERO, writes=row["writes"] or ZERO) for row in rows}


def spend_by_account(month: date, account_ids: Iterable[int]) -> dict[int, Spend]:
    return _split(_calls(month).filter(account_id__in=list(account_ids)), "account_id")


def spend_by_team(month: date, team_ids: Iterable[int]) -> dict[int, Spend]:
    """Each team's spend: its accounts' calls, and its monitors' search reads at the read price."""
    team_ids = list(team_ids)
    spend = defaultdict(Spend, _split(_calls(month).filter(account__team_id__in=team_ids), "account__team_id"))
    if _search_reads is not None:
        price = prices.current().post_read
        for team_id, posts in _search_reads(month, _next_month(month)).items():
            if team_id in team_ids:
                spend[team_id].reads += (Decimal(str(posts)) * price).quantize(Decimal("0.0001"))
    return {team_id: spend[team_id] for team_id in team_ids}


@dataclass
class SpendState:
    team: Team
    month: date
    spend: Spend
    budget: SpendBudget | None

    @property
    def limit(self) -> Decimal | None:
        return self.budget.monthly_limit if self.budget else None

    @property
    def percent(self) -> int | None:
        if self.limit is None:
            return None
        if not self.limit:
            return 100
        return int(self.spend.total * 100 // self.limit)

    @property
    def warning(self) -> bool:
        return self.limit is not None and self.spend.total * 100 >= self.limit * WARN_PERCENT

    @property
    def exhausted(self) -> bool:
        return self.limit is not None and self.spend.total >= self.limit

    @property
    def holding(self) -> bool:
        return self.exhausted and self.budget.hold_at_limit


def states(teams: Iterable[Team], *, now: datetime | None = None) -> list[SpendState]:
    teams = list(teams)
    month = month_of(now)
    budgets = {b.team_id: b for b in SpendBudget.objects.filter(team__in=teams)}
    spend = spend_by_team(month, [t.pk for t in teams])
    return [SpendState(team, month, spend.get(team.pk, Spend()), budgets.get(team.pk)) for team in teams]


def teams_holding(team_ids: Iterable[int], *, now: datetime | None = None) -> set[int]:
    """Of these teams, those whose posts are held now: a budget with the hold chosen, used up this month.
    One query when no team chose to hold."""
    budgets = {b.team_id: b for b in SpendBudget.objects.filter(team_id__in=set(team_ids), hold_at_limit=True)}
    if not budgets:
        return set()
    spend = spend_by_team(month_of(now), budgets)
    return {team_id for team_id, b in budgets.items() if spend[team_id].total >= b.monthly_limit}


def holds(draft: Draft) -> bool:
    """Whether the spend budget holds this draft's team now (read once per draft object, as `freeze_in_force`)."""
    if not hasattr(draft, "spend_holds_now"):
        draft.spend_holds_now = draft.account.team_id in teams_holding([draft.account.team_id])
    return draft.spend_holds_now


# --- Writes --------------------------------------------------------------------------------------------------


def spend_budget_set(*, team: Team, monthly_limit: Decimal, hold_at_limit: bool, by: User, request=None) -> SpendBudget:
    """A lead of the team (or an admin) sets its monthly spend budget; audited. Posts the old budget held are
    released at once if the new one allows them."""
    ensure(by, "tweets.set_spend_budget", team)
    with transaction.atomic():
        row = SpendBudget.objects.select_for_update().filter(team=team).first()
        old = {"limit": str(row.monthly_limit), "hold": row.hold_at_limit} if row else None
        row = row or SpendBudget(team=team)
        row.monthly_limit, row.hold_at_limit, row.set_by = monthly_limit, hold_at_limit, by
        row.save()
        audit_record(
            action="tweets.spend_budget_set",
            actor=by,
            obj=row,
            team=team,
            details={"from": old, "to": {"limit": str(monthly_limit), "hold": hold_at_limit}},
            request=request,
        )
        transaction.on_commit(lambda: spend_holds_release(team_ids=[team.pk]))
    return row


def spend_holds_release(*, team_ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
    """Release posts held for spend whose team's budget allows them now (raised, hold turned off, or a new
    month): back to approved and queued to publish. A freeze in force keeps holding them (publishing holds them
    again, under the freeze). Safe to run twice. Returns how many were released."""
    held = Draft.objects.filter(state=S.HELD, held_for_spend=True)
    if team_ids is not None:
        held = held.filter(account__team_id__in=list(team_ids))
    candidates = list(held.values_list("pk", "account__team_id"))
    still = teams_holding({team_id for _, team_id in candidates}, now=now)
    released = 0
    for pk, team_id in candidates:
        if team_id in still:
            continue
        with transaction.atomic():
            draft = (
                Draft.objects.select_for_update(of=("self",))
                .select_related("account", "account__team")
                .filter(pk=pk, state=S.HELD, held_for_spend=True)
                .first()
            )
            if draft is None:
                continue  # released or moved on by someone else meanwhile
            _move(
                draft,
                S.APPROVED,
                by=None,
                reason="Released: the team's spend budget allows it now",
                held_for_spend=False,
                publish_due_at=None,
            )
            queueing.publish_on_commit(draft.pk)
            released += 1
    return released
