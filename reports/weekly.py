"""The weekly report per team (and department-wide): mentions, response times, publishing, approvals, training.

A week runs Monday 00:00 to Monday 00:00, UK time. Percentiles are continuous (linear interpolation, as
PostgreSQL's percentile_cont): computed in the database on PostgreSQL, in Python elsewhere (SQLite).
A report is a fixed number of queries whatever the data, for one team or for all of them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db import connection
from django.db.models import Aggregate, Count, Exists, F, FloatField, Func, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.access import teams_led_by
from accounts.models import Membership, Team, TwitterAccount, User
from monitoring.models import InboxItem, MentionMatch
from reports import analytics  # it reads this module's weeks: both import the module, not its names
from reports.handling import Handling, handling_for_week
from training.models import CourseRequirement
from training.selectors import actions_for_role, standings
from tweets.models import Approval, Draft, DraftTransition

# --- Percentiles ---------------------------------------------------------------------------------------


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=f"{float(fraction):.4f}", **extra)


class Seconds(Func):
    """An interval as seconds (PostgreSQL)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)::double precision"
    output_field = FloatField()


def percentile_cont(values: list[float], fraction: float) -> float | None:
    """The same figure percentile_cont gives: linear interpolation between the closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * fraction
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def use_sql_percentiles() -> bool:
    return connection.vendor == "postgresql"


@dataclass
class Durations:
    count: int = 0
    median: float | None = None
    p90: float | None = None

    @property
    def median_text(self) -> str:
        return describe_seconds(self.median)

    @property
    def p90_text(self) -> str:
        return describe_seconds(self.p90)


def describe_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "No data"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours / 24:.1f} days"


def _durations(qs: QuerySet, *, end: str, start: str, extra: dict | None = None) -> tuple[Durations, dict]:
    """Median and p90 of (end - start) over qs, plus any extra aggregates, in one query."""
    extra = extra or {}
    present = Q(**{f"{end}__isnull": False})
    if use_sql_percentiles():
        interval = Seconds(F(end) - F(start))
        row = qs.aggregate(
            n=Count("pk", filter=present),
            median=PercentileCont(interval, 0.5, filter=present),
            p90=PercentileCont(interval, 0.9, filter=present),
            **extra,
        )
        found = Durations(count=row.pop("n"), median=row.pop("median"), p90=row.pop("p90"))
        return found, row
    values = [(e - s).total_seconds() for e, s in qs.filter(present).values_list(end, start)]
    found = Durations(count=len(values), median=percentile_cont(values, 0.5), p90=percentile_cont(values, 0.9))
    return found, qs.aggregate(**extra) if extra else {}


# --- Weeks ---------------------------------------------------------------------------------------------


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


# X (then Twitter) opened in March 2006: no week before it has anything to report, and a far earlier date would
# overflow Python's dates a week or two back.
EARLIEST_WEEK = date(2006, 3, 20)


def last_complete_week(now: datetime | None = None) -> date:
    return monday_of(timezone.localdate(now)) - timedelta(days=7)


def week_from(value: str | None, now: datetime | None = None) -> date:
    """The Monday of the week asked for (any date in it, YYYY-MM-DD), from EARLIEST_WEEK to this week; by default
    the last complete week."""
    try:
        asked = date.fromisoformat(value) if value else None
    except ValueError:
        asked = None
    if asked is None:
        return last_complete_week(now)
    return min(monday_of(max(asked, EARLIEST_WEEK)), monday_of(timezone.localdate(now)))


def week_bounds(week_start: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(week_start, time.min))
    end = timezone.make_aware(datetime.combine(week_start + timedelta(days=7), time.min))
    return start, end


# --- The report ----------------------------------------------------------------------------------------


@dataclass
class WeeklyReport:
    team: Team | None
    week_start: date
    start: datetime
    end: datetime
    mentions_by_monitor: list[dict] = field(default_factory=list)
    mentions_by_route: list[dict] = field(default_factory=list)
    items_received: int = 0
    items_needing_answer: int = 0
    items_answered_in_time: int = 0
    items_missed: int = 0  # not answered by their due time, which had passed (at the week's end, or now)
    items_not_yet_due: int = 0  # not answered yet, and not due by then: neither answered in time nor missed
    items_escalated: int = 0
    first_response: Durations = field(default_factory=Durations)
    handling: Handling = field(default_factory=Handling)
    handling_time: Durations = field(default_factory=Durations)
    posts_by_account: list[dict] = field(default_factory=list)
    approval_turnaround: Durations = field(default_factory=Durations)
    training: list[dict] = field(default_factory=list)
    # How the week's posts did on X (their latest figures): in all, and per account (reports.analytics).
    own_posts: analytics.Totals = field(default_factory=lambda: analytics.Totals())
    own_posts_by_account: list[analytics.AccountRow] = field(default_factory=list)

    @property
    def scope_label(self) -> str:
        return self.team.name if self.team else "The whole department"

    @property
    def week_label(self) -> str:
        last = self.week_start + timedelta(days=6)
        return f"{self.week_start.day} {self.week_start:%B %Y} to {last.day} {last:%B %Y}"

    @property
    def days(self) -> list[date]:
        return [self.week_start + timedelta(days=k) for k in range(7)]

    @property
    def previous_week(self) -> date | None:
        before = self.week_start - timedelta(days=7)
        return before if before >= EARLIEST_WEEK else None

    @property
    def next_week(self) -> date | None:
        following = self.week_start + timedelta(days=7)
        return following if following <= monday_of(timezone.localdate()) else None

    @property
    def filename(self) -> str:
        scope = self.team.slug if self.team else "department"
        return f"weekly-report-{scope}-{self.week_start:%Y-%m-%d}"

    @property
    def mentions_total(self) -> int:
        return sum(r["count"] for r in self.mentions_by_monitor)

    @property
    def posts_total(self) -> int:
        return sum(r["count"] for r in self.posts_by_account)

    @property
    def items_due(self) -> int:
        """Items whose answer is judged: answered in time, or past their due time without one."""
        return self.items_answered_in_time + self.items_missed

    @property
    def answered_in_time_share(self) -> float | None:
        if not self.items_due:
            return None
        return self.items_answered_in_time / self.items_due

    @property
    def answered_in_time_percent(self) -> int | None:
        share = self.answered_in_time_share
        return None if share is None else round(share * 100)

    @property
    def trained(self) -> int:
        return sum(r["trained"] for r in self.training)

    @property
    def members(self) -> int:
        return sum(r["members"] for r in self.training)

    @property
    def trained_percent(self) -> int | None:
        return round(self.trained * 100 / self.members) if self.members else None

    def chart_data(self) -> dict:
        """What static/js/reports.js draws (passed with json_script)."""
        return {
            "monitors": {
                "labels": [r["monitor"] for r in self.mentions_by_monitor],
                "values": [r["count"] for r in self.mentions_by_monitor],
            },
            "routes": {
                "labels": [r["team"] for r in self.mentions_by_route],
                "values": [r["routed"] + r["escalated_in"] for r in self.mentions_by_route],
            },
            "accounts": {
                "labels": [f"@{r['handle']}" for r in self.posts_by_account],
                "values": [r["count"] for r in self.posts_by_account],
            },
            "training": {
                "labels": [r["team"] for r in self.training],
                "values": [r["percent"] for r in self.training],
            },
        }


def _in_scope(qs: QuerySet, path: str, team: Team | None) -> QuerySet:
    return qs.filter(**{path: team.pk}) if team is not None else qs


def weekly_report(*, team: Team | None, week_start: date, now: datetime | None = None) -> WeeklyReport:
    """The report for one team (None: the whole department) for the week starting on week_start."""
    start, end = week_bounds(week_start)
    report = WeeklyReport(team=team, week_start=week_start, start=start, end=end)
    in_week = {"gte": start, "lt": end}

    # Mentions received by monitor (one query).
    matches = MentionMatch.objects.filter(
        monitor__isnull=False, matched_at__gte=in_week["gte"], matched_at__lt=in_week["lt"]
    )
    report.mentions_by_monitor = [
        {"monitor": r["monitor__name"], "team": r["monitor__team__name"], "count": r["count"]}
        for r in _in_scope(matches, "monitor__team_id", team)
        .values("monitor_id", "monitor__name", "monitor__team__name")
        .annotate(count=Count("id"))  # one match per (mention, monitor): a unique constraint
        .order_by("-count", "monitor__name")
    ]

    # Items arriving in each team's inbox: routed there, or passed on from another team (one query).
    items = _in_scope(InboxItem.objects.filter(created_at__gte=start, created_at__lt=end), "team_id", team)
    report.mentions_by_route = [
        {"team": r["team__name"], "routed": r["routed"], "escalated_in": r["escalated_in"]}
        for r in items.values("team_id", "team__name")
        .annotate(
            routed=Count("id", filter=Q(escalated_from__isnull=True)),
            escalated_in=Count("id", filter=Q(escalated_from__isnull=False)),
        )
        .order_by("team__name")
    ]

    # Items passed on to another team this week (one query).
    report.items_escalated = _in_scope(
        InboxItem.objects.filter(escalated_from__isnull=False, created_at__gte=start, created_at__lt=end),
        "escalated_from__team_id",
        team,
    ).count()

    # Time to first response: from arriving in the inbox to the first published reply (one query, grouped
    # per item). Items closed with no action or passed on to another team did not need an answer here.
    # An item is missed only once its due time has passed, at the week's end or now, whichever is earlier.
    needing = ~Q(status__in=[InboxItem.Status.NO_ACTION, InboxItem.Status.ESCALATED])
    judged_at = min(end, now or timezone.now())
    not_in_time = Q(first_reply_at__isnull=True) | Q(first_reply_at__gt=F("due_at"))
    responded = items.annotate(
        first_reply_at=Min("events__created_at", filter=Q(events__to_status=InboxItem.Status.REPLIED))
    )
    report.first_response, extra = _durations(
        responded,
        end="first_reply_at",
        start="created_at",
        extra={
            "received": Count("pk"),
            "needing": Count("pk", filter=needing),
            "in_time": Count("pk", filter=needing & Q(first_reply_at__lte=F("due_at"))),
            "missed": Count("pk", filter=needing & not_in_time & Q(due_at__lte=judged_at)),
        },
    )
    report.items_received = extra["received"]
    report.items_needing_answer = extra["needing"]
    report.items_answered_in_time = extra["in_time"]
    report.items_missed = extra["missed"]
    report.items_not_yet_due = extra["needing"] - extra["in_time"] - extra["missed"]

    # Time it takes: items in hand, taken on to finished, per item and per person per day (one query).
    report.handling = handling_for_week(_in_scope(InboxItem.objects.all(), "team_id", team), week_start)
    values = report.handling.durations_seconds
    report.handling_time = Durations(
        count=len(values), median=percentile_cont(values, 0.5), p90=percentile_cont(values, 0.9)
    )

    # Posts published per account (one query).
    published = Draft.objects.filter(state=Draft.State.PUBLISHED, published_at__gte=start, published_at__lt=end)
    report.posts_by_account = [
        {"handle": r["account__handle"], "team": r["account__team__name"], "count": r["count"]}
        for r in _in_scope(published, "account__team_id", team)
        .values("account_id", "account__handle", "account__team__name")
        .annotate(count=Count("id"))
        .order_by("-count", "account__handle")
    ]

    # Approval turnaround: the last submission before each approval this week (one query). Accounts that
    # need no approval move straight on and are left out.
    approvals = _in_scope(
        DraftTransition.objects.filter(
            to_state=Draft.State.APPROVED, from_state=Draft.State.SUBMITTED, created_at__gte=start, created_at__lt=end
        ),
        "draft__account__team_id",
        team,
    )
    submitted = (
        DraftTransition.objects.filter(
            draft=OuterRef("draft_id"), to_state=Draft.State.SUBMITTED, created_at__lte=OuterRef("created_at")
        )
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )
    approvals = approvals.annotate(submitted_at=Subquery(submitted)).filter(
        Exists(Approval.objects.filter(draft=OuterRef("draft_id"), created_at__lte=OuterRef("created_at")))
    )
    report.approval_turnaround, _ = _durations(approvals, end="created_at", start="submitted_at")

    report.training = training_coverage(team=team, at=min(end, now or timezone.now()))

    # How the week's posts did on X (one query).
    accounts = TwitterAccount.objects.filter(team=team) if team is not None else TwitterAccount.objects.all()
    report.own_posts, report.own_posts_by_account = analytics.for_week(accounts, week_start)
    return report


CACHE_SECONDS_PAST_WEEK = 600
CACHE_SECONDS_THIS_WEEK = 60


def cached_weekly_report(*, team: Team | None, week_start: date) -> WeeklyReport:
    """The report from the cache when someone asked for it recently: a finished week changes little (late
    replies to its items), so it is kept ten minutes; the week in progress one minute."""
    key = f"dovecote:weekly-report:{team.pk if team else 'all'}:{week_start.isoformat()}"
    report = cache.get(key)
    if report is None:
        report = weekly_report(team=team, week_start=week_start)
        finished = week_start < monday_of(timezone.localdate())
        cache.set(key, report, CACHE_SECONDS_PAST_WEEK if finished else CACHE_SECONDS_THIS_WEEK)
    return report


# --- Training coverage ---------------------------------------------------------------------------------


def training_coverage(*, team: Team | None, at: datetime) -> list[dict]:
    """Per team: members trained to standard (holding or exempt from every course their role needs for the
    team's kinds of account), judged by training.selectors.standings as the gates are. Five queries for any number
    of teams."""
    memberships = list(
        _in_scope(Membership.objects.current(at), "team_id", team)
        .filter(user__is_active=True)
        .values_list("team_id", "team__name", "user_id", "role")
        .order_by("team__name")
    )
    team_ids = {m[0] for m in memberships}
    kinds = defaultdict(set)
    for team_id, kind in TwitterAccount.objects.filter(team_id__in=team_ids).values_list("team_id", "kind"):
        kinds[team_id].add(kind)
    requirements = defaultdict(set)
    for course_id, kind, action in CourseRequirement.objects.values_list("course_id", "account_kind", "action"):
        requirements[(kind, action)].add(course_id)
    standing_of = standings({m[2] for m in memberships}, at=at)
    teams: dict[int, dict] = {}
    for team_id, team_name, user_id, role in memberships:
        row = teams.setdefault(team_id, {"team": team_name, "members": 0, "trained": 0, "percent": 0})
        needed = set()
        for kind in kinds[team_id]:
            for action in actions_for_role(role):
                needed |= requirements[(kind, action)]
        trained = not standing_of[user_id].missing(needed)
        row["members"] += 1
        row["trained"] += int(trained)
    for row in teams.values():
        row["percent"] = round(row["trained"] * 100 / row["members"]) if row["members"] else 0
    return list(teams.values())


# --- Teams a user may see reports for --------------------------------------------------------------------


def teams_reportable_by(user: User) -> list[Team]:
    return list(teams_led_by(user).order_by("name"))
