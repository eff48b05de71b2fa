"""The month's budget of posts read: warn leads at 80%, pause search monitors at 100%.

Mention timelines keep going whatever the budget: they are how the public reaches the department.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import Membership
from monitoring.models import MonitorUsage, ReadBudget
from twitter_api.models import ApiCall

log = logging.getLogger(__name__)

WARN_PERCENT = 80
BUDGET_CACHE_SECONDS = 60


def month_start(now=None) -> date:
    return timezone.localdate(now).replace(day=1)


def month_window(month: date) -> tuple[datetime, datetime]:
    """The month's budget window: from midnight on its first day to midnight on the next month's, UK time."""
    next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    start, end = (timezone.make_aware(datetime.combine(day, time.min)) for day in (month, next_month))
    return start, end


# Calls to Bluesky and Mastodon are metered too (endpoint prefixed with the network, cost 0), but are free: the read
# budget is X's alone.
OTHER_NETWORK_ENDPOINTS = ("bluesky:", "mastodon:")


def calls_in(month: date):
    """Every metered call to X of that month (UK time)."""
    start, end = month_window(month)
    calls = ApiCall.objects.filter(created_at__gte=start, created_at__lt=end)
    for prefix in OTHER_NETWORK_ENDPOINTS:
        calls = calls.exclude(endpoint__startswith=prefix)
    return calls


def posts_read_in(month: date) -> int:
    """Posts read in that month (UK time), by every metered call."""
    return calls_in(month).aggregate(n=Sum("posts_read"))["n"] or 0


def search_reads_by_team(start: date, end: date) -> dict[int, float]:
    """Posts read by each team's monitors' searches between two days (a packed query's reads shared among the
    monitors they matched, as MonitorUsage records them), for the team's spend (tweets.spend)."""
    rows = (
        MonitorUsage.objects.filter(day__gte=start, day__lt=end, monitor__isnull=False)
        .values("monitor__team_id")
        .annotate(n=Sum("posts_read"))
    )
    return {row["monitor__team_id"]: row["n"] or 0 for row in rows}


@dataclass
class BudgetState:
    month: date
    limit: int
    used: int

    @property
    def fraction(self) -> float:
        return self.used / self.limit if self.limit else 1.0

    @property
    def percent(self) -> int:
        """Whole percent used, rounded down in whole numbers (29 of 100 is 29%, not the 28% a float gives)."""
        return self.used * 100 // self.limit if self.limit else 100

    @property
    def warning(self) -> bool:
        return self.used * 100 >= self.limit * WARN_PERCENT

    @property
    def exhausted(self) -> bool:
        return self.used >= self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def cost(self) -> float:
        return round(self.used * settings.X_PRICE_PER_POST_READ, 2)

    @property
    def limit_cost(self) -> float:
        return round(self.limit * settings.X_PRICE_PER_POST_READ, 2)


def budget_limit(month: date) -> int:
    """The month's limit: the one a lead or admin set for it, else the default from settings (one query)."""
    row = ReadBudget.objects.filter(month=month).values_list("posts_limit", flat=True).first()
    return row if row is not None else settings.X_MONTHLY_READ_BUDGET


def budget_state(now=None) -> BudgetState:
    month = month_start(now)
    return BudgetState(month=month, limit=budget_limit(month), used=posts_read_in(month))


def search_paused(now=None) -> bool:
    return budget_state(now).exhausted


@dataclass
class BudgetPanel:
    """The dashboard's view of the month's budget: the state (reads against the limit) plus posts created and
    the cost of both."""

    state: BudgetState
    posts_created: int
    cost: float  # reads and posts created, in US dollars

    month = property(lambda self: self.state.month)
    limit = property(lambda self: self.state.limit)
    posts_read = property(lambda self: self.state.used)
    percent = property(lambda self: self.state.percent)
    warning = property(lambda self: self.state.warning)
    limit_cost = property(lambda self: self.state.limit_cost)


def for_dashboard(*, now) -> BudgetPanel:
    """This month's reads, posts created and cost (one query) against the read budget (one query).

    The sums run over every metered call of the month, so every lead and admin shares them for a minute: a
    month's running total a minute old is as good as a fresh one (the limit itself is read fresh).
    """
    month = month_start(now)
    key = f"dovecote:dashboard-budget:{month.isoformat()}"
    totals = cache.get(key)
    if totals is None:
        totals = calls_in(month).totals()
        cache.set(key, totals, BUDGET_CACHE_SECONDS)
    state = BudgetState(month=month, limit=budget_limit(month), used=totals["posts_read"])
    return BudgetPanel(state=state, posts_created=totals["posts_created"], cost=round(totals["cost"], 2))


@transaction.atomic
def budget_set(*, month: date, posts_limit: int, by) -> ReadBudget:
    from accounts.services import audit_record

    row, _ = ReadBudget.objects.select_for_update().get_or_create(
        month=month, defaults={"posts_limit": posts_limit, "set_by": by}
    )
    old = row.posts_limit
    row.posts_limit = posts_limit
    row.set_by = by
    state = BudgetState(month=month, limit=posts_limit, used=posts_read_in(month))
    # A raised budget may warn again when it nears its new limit.
    if not state.warning:
        row.warned_at = None
    if not state.exhausted:
        row.exhausted_at = None
    row.save()
    audit_record(
        action="monitoring.read_budget_set",
        actor=by,
        obj=row,
        details={"month": month.isoformat(), "from": old, "to": posts_limit},
    )
    return row


def budget_check(now=None) -> BudgetState:
    """Warn leads once a month at 80%, and once more when search polling pauses at 100%."""
    state = budget_state(now)
    if not state.warning:
        return state
    with transaction.atomic():
        row, _ = ReadBudget.objects.select_for_update().get_or_create(
            month=state.month, defaults={"posts_limit": state.limit}
        )
        level = None
        if state.exhausted and row.exhausted_at is None:
            row.exhausted_at = timezone.now()
            level = "exhausted"
        if row.warned_at is None:
            row.warned_at = timezone.now()
            level = level or "warning"
        if level:
            row.save(update_fields=["warned_at", "exhausted_at", "updated_at"])
            transaction.on_commit(lambda: _email_leads(state, level))
    return state


def lead_emails() -> list[str]:
    return sorted(set(Membership.objects.current_leads().values_list("user__email", flat=True)))


def _email_leads(state: BudgetState, level: str) -> None:
    if level == "exhausted":
        subject = f"Dovecote: the X read budget for {state.month:%B %Y} is used up; search monitors are paused"
        body = (
            f"{state.used:,} of {state.limit:,} posts read this month. Search monitors have stopped polling; "
            "mention timelines carry on. To resume, a lead or admin can raise the budget on the usage page; "
            "otherwise polling resumes when the month turns."
        )
    else:
        subject = f"Dovecote: {state.percent}% of the X read budget for {state.month:%B %Y} is used"
        body = (
            f"{state.used:,} of {state.limit:,} posts read this month (about ${state.cost:,.2f}). At 100% search "
            "monitors pause until the budget is raised or the month turns. Review monitors on the usage page."
        )
    recipients = lead_emails()
    if recipients:
        send_mail(subject, body + f"\n\n{settings.SITE_URL}/monitoring/usage/", None, recipients)
