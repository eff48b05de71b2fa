"""The calendar of posts: which days a month or a week covers in UK time, the scheduled and published posts on each
day (a few per day, with how many more, in one query however many there are) and the freezes that block them.

What a person sees is what tweets.access lets them load (selectors.drafts_for_user): the drafts of the accounts
their teams own or approve for; admins see every account. Freezes are shown for the accounts in view only.
"""

import calendar as stdlib_calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Case, Count, F, Q, QuerySet, When, Window
from django.db.models.functions import RowNumber, TruncDate
from django.utils import timezone

from accounts.models import Team, TwitterAccount, User
from tweets.models import Draft, PublishingFreeze
from tweets.selectors import drafts_for_user, seen_accounts_q

S = Draft.State
# A scheduled post: it has a time and will go out then, unless a freeze holds it (held posts keep their time).
SCHEDULED_STATES = (S.APPROVED, S.SCHEDULED, S.HELD, S.PUBLISHING)
PUBLISHED_STATES = (S.PUBLISHED, S.RETRACTED)
# The calendar's reach: a date outside it is not read (its neighbours must be real dates too).
FIRST_YEAR, LAST_YEAR = 1900, 9998
MONTH, WEEK, DAY = "month", "week", "day"


@dataclass(frozen=True)
class Period:
    """The days a page shows, first to last (inclusive), and the moments (UK midnights) they run between."""

    kind: str
    anchor: date
    first: date
    last: date

    @property
    def start(self) -> datetime:
        return london_midnight(self.first)

    @property
    def end(self) -> datetime:
        return london_midnight(self.last + timedelta(days=1))

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def previous(self) -> date:
        if self.kind == MONTH:
            return (self.first - timedelta(days=1)).replace(day=1)
        return self.first - timedelta(days=7 if self.kind == WEEK else 1)

    @property
    def next(self) -> date:
        return self.last + timedelta(days=1)

    @property
    def title(self) -> str:
        if self.kind == MONTH:
            return f"{self.first:%B %Y}"
        if self.kind == WEEK:
            return f"Week of {self.first:%A} {self.first.day} {self.first:%B %Y}"
        return f"{self.first:%A} {self.first.day} {self.first:%B %Y}"


def london_midnight(day: date) -> datetime:
    """The start of `day` in UK time (settings.TIME_ZONE): 23 or 25 hours from the next on the clock-change days."""
    return datetime.combine(day, time(0), tzinfo=timezone.get_current_timezone())


def period_of(kind: str, anchor: date) -> Period:
    if kind == MONTH:
        last = stdlib_calendar.monthrange(anchor.year, anchor.month)[1]
        return Period(kind, anchor, anchor.replace(day=1), anchor.replace(day=last))
    if kind == WEEK:
        monday = anchor - timedelta(days=anchor.weekday())
        return Period(kind, anchor, monday, monday + timedelta(days=6))
    return Period(DAY, anchor, anchor, anchor)


def in_reach(day: date) -> bool:
    return FIRST_YEAR <= day.year <= LAST_YEAR


# --- What the person may see ------------------------------------------------------------------------------------


def accounts_in_calendar(user: User) -> QuerySet[TwitterAccount]:
    """The accounts whose posts the person sees (as tweets.access: their teams' and those their teams approve for;
    every account for admins)."""
    return TwitterAccount.objects.select_related("team").filter(seen_accounts_q(user)).order_by("handle")


def teams_in_calendar(accounts: list[TwitterAccount]) -> list[Team]:
    """The teams owning those accounts, by name (read from the accounts already loaded: no query)."""
    teams = {account.team_id: account.team for account in accounts}
    return sorted(teams.values(), key=lambda team: team.name.lower())


@dataclass
class Filters:
    """The accounts in view: all the person sees, or one account, or one team's."""

    accounts: list[TwitterAccount]
    account: TwitterAccount | None = None
    team: Team | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def account_ids(self) -> list[int]:
        if self.account is not None:
            return [self.account.pk]
        if self.team is not None:
            return [account.pk for account in self.accounts if account.team_id == self.team.pk]
        return [account.pk for account in self.accounts]

    @property
    def query(self) -> dict[str, int]:
        """The filters as query-string values, for the links that keep them."""
        chosen = {"account": self.account, "team": self.team}
        return {name: value.pk for name, value in chosen.items() if value is not None}


def filters_for(accounts: list[TwitterAccount], *, account_id: int | None, team_id: int | None) -> Filters:
    by_pk = {account.pk: account for account in accounts}
    teams = {team.pk: team for team in teams_in_calendar(accounts)}
    return Filters(accounts, account=by_pk.get(account_id), team=teams.get(team_id))


# --- Posts --------------------------------------------------------------------------------------------------------


def _posts_between(user: User, account_ids: list[int], start: datetime, end: datetime) -> QuerySet[Draft]:
    """The person's scheduled posts due and published posts sent in [start, end), each with its time (`at`) and its
    UK day (`on`)."""
    drafts = drafts_for_user(user).filter(account_id__in=account_ids)
    drafts = drafts.filter(
        Q(state__in=SCHEDULED_STATES, scheduled_at__gte=start, scheduled_at__lt=end)
        | Q(state__in=PUBLISHED_STATES, published_at__gte=start, published_at__lt=end)
    )
    at = Case(When(state__in=PUBLISHED_STATES, then=F("published_at")), default=F("scheduled_at"))
    return drafts.annotate(at=at).annotate(on=TruncDate("at", tzinfo=timezone.get_current_timezone()))


def posts_by_day(
    user: User, account_ids: list[int], period: Period, *, per_day: int
) -> dict[date, tuple[list[Draft], int]]:
    """Each day's first `per_day` posts by time, and how many it has in all: one query, whatever the number."""
    drafts = _posts_between(user, account_ids, period.start, period.end)
    drafts = drafts.annotate(
        rank=Window(RowNumber(), partition_by=[F("on")], order_by=[F("at").asc(), F("pk").asc()]),
        day_total=Window(Count("pk"), partition_by=[F("on")]),
    ).filter(rank__lte=per_day)
    days: dict[date, tuple[list[Draft], int]] = {}
    for draft in drafts.order_by("at", "pk"):
        posts, _ = days.setdefault(draft.on, ([], draft.day_total))
        posts.append(draft)
    return days


def posts_on(user: User, account_ids: list[int], day: date) -> QuerySet[Draft]:
    """Every post of one day, by time (a day's page)."""
    period = period_of(DAY, day)
    return _posts_between(user, account_ids, period.start, period.end).order_by("at", "pk")


# --- Freezes ------------------------------------------------------------------------------------------------------


def freezes_between(filters: Filters, start: datetime, end: datetime) -> list[PublishingFreeze]:
    """Freezes in force at some moment of [start, end) that cover an account in view: one query."""
    account_ids = filters.account_ids
    if not account_ids:  # no account in view: no freeze to show, not even one of every account
        return []
    team_ids = {account.team_id for account in filters.accounts if account.pk in set(account_ids)}
    return list(
        PublishingFreeze.objects.select_related("team", "account")
        .filter(started_at__lt=end)
        .filter(Q(lifted_at__isnull=True) | Q(lifted_at__gt=start))
        .filter(
            Q(scope=PublishingFreeze.Scope.EVERYTHING)
            | Q(scope=PublishingFreeze.Scope.TEAM, team_id__in=team_ids)
            | Q(scope=PublishingFreeze.Scope.ACCOUNT, account_id__in=account_ids)
        )
        .order_by("started_at", "pk")
    )


def blocks(freeze: PublishingFreeze, day: date) -> bool:
    """Does the freeze hold at some moment of `day` (UK time)? One not lifted holds from its start on, for good."""
    return freeze.started_at < london_midnight(day + timedelta(days=1)) and (
        freeze.lifted_at is None or freeze.lifted_at > london_midnight(day)
    )


def will_be_held(draft: Draft, freezes: list[PublishingFreeze]) -> PublishingFreeze | None:
    """The freeze in force now that will hold this scheduled post when it is due, unless lifted first."""
    if draft.state not in (S.APPROVED, S.SCHEDULED):
        return None
    holding = (f for f in freezes if f.lifted_at is None and f.started_at <= draft.at and f.covers(draft.account))
    return next(holding, None)
