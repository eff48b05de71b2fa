"""monitoring's part of the home dashboard (reports.dashboard assembles the page): open inbox items per team and
mine, read fresh on every load, and each monitor's hourly volume and sentiment with its recent spikes. A fixed
number of queries each, whatever the size of the data; limited to the user's teams (admins: every team).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, Sum
from django.db.models.functions import TruncHour

from accounts.access import teams_key
from accounts.models import User
from core.formats import clip, when
from core.paths import path_with_pk
from monitoring.access import items_for_user, monitors_for_user
from monitoring.models import InboxItem, MentionMatch, MonitorHour, SpikeAlert
from monitoring.spikes import SPIKE_QUIET

MY_ITEMS_SHOWN = 10
SPARK_HOURS = 24
SPARK_WIDTH = 240
SPARK_HEIGHT = 40
# The monitors panel is rendered from the cache for a minute for everyone with the same teams (it refreshes
# every minute anyway), and until a monitor changes.
MONITORS_CACHE_SECONDS = 60


# --- Inbox: open items per team, and mine ----------------------------------------------------------------


@dataclass
class InboxPanel:
    teams: list[dict]
    mine_total: int = 0
    mine_overdue: int = 0
    unassigned_total: int = 0
    unassigned_overdue: int = 0


def inbox_counts(user: User, *, now: datetime) -> InboxPanel:
    """Open items per team: unassigned, overdue, and mine (one query).

    Only unassigned items and mine are read, counted by team, assignee and lateness (at most four rows a team),
    and added up here: one count for PostgreSQL and the ORM rather than four filtered ones."""
    rows = (
        items_for_user(user)
        .filter(Q(assigned_to__isnull=True) | Q(assigned_to=user), status__in=InboxItem.OPEN_STATUSES)
        .annotate(late=ExpressionWrapper(Q(due_at__lt=now), output_field=BooleanField()))
        .values("team_id", "team__name", "assigned_to_id", "late")
        .annotate(n=Count("id"))
        .order_by()
    )
    panel = InboxPanel(teams=[])
    teams: dict[int, dict] = {}
    for row in rows:
        n, late = row["n"], row["late"]
        if row["assigned_to_id"] is None:
            team = teams.setdefault(
                row["team_id"],
                {"team_id": row["team_id"], "team__name": row["team__name"], "unassigned": 0, "unassigned_overdue": 0},
            )
            team["unassigned"] += n
            team["unassigned_overdue"] += n if late else 0
            panel.unassigned_total += n
            panel.unassigned_overdue += n if late else 0
        else:
            panel.mine_total += n
            panel.mine_overdue += n if late else 0
    panel.teams = sorted(teams.values(), key=lambda team: team["team__name"])
    return panel


def my_inbox_items(user: User, *, now: datetime) -> list[dict]:
    """Open items assigned to me, soonest due first (one query), as the rows the panel shows: read as plain
    values, since an item, its mention and team as model instances cost more than the query."""
    items = (
        items_for_user(user)
        .filter(status__in=InboxItem.OPEN_STATUSES, assigned_to=user)
        .order_by("due_at", "id")
        .values("pk", "due_at", "mention__author_username", "mention__text", "team__name")[:MY_ITEMS_SHOWN]
    )
    return [
        {
            "pk": item["pk"],
            "url": path_with_pk("monitoring:item_detail", item["pk"]),
            "author": item["mention__author_username"],
            "text": clip(item["mention__text"], 80),
            "team": item["team__name"],
            "due": when(item["due_at"], "D j M, H:i"),
            "overdue": item["due_at"] < now,
        }
        for item in items
    ]


# --- Monitors ------------------------------------------------------------------------------------------


@dataclass
class MonitorSeries:
    monitor: object
    volume: list[int]
    sentiment: list[float | None]
    total: int = 0
    average_sentiment: float | None = None
    previous_sentiment: float | None = None
    volume_points: str = ""
    sentiment_points: str = ""

    @property
    def sentiment_change(self) -> str:
        if self.average_sentiment is None or self.previous_sentiment is None:
            return ""
        delta = self.average_sentiment - self.previous_sentiment
        if abs(delta) < 0.05:
            return "steady"
        return "improving" if delta > 0 else "worsening"


@dataclass
class MonitorsPanel:
    series: list[MonitorSeries]
    spikes: list[SpikeAlert]
    hours: list[datetime] = field(default_factory=list)


def _points(values: list[float | None], *, low: float, high: float) -> str:
    """Polyline points for an inline SVG sparkline (gaps skipped), scaled into SPARK_WIDTH x SPARK_HEIGHT."""
    span = (high - low) or 1.0
    step = SPARK_WIDTH / max(len(values) - 1, 1)
    return " ".join(
        f"{i * step:.1f},{SPARK_HEIGHT - (v - low) / span * SPARK_HEIGHT:.1f}"
        for i, v in enumerate(values)
        if v is not None
    )


def monitors(user: User, *, now: datetime) -> MonitorsPanel:
    """Hourly volume and sentiment for the last 24 hours per monitor, with the 24 before for the trend.

    One query for the user's monitors, one for their closed hours (MonitorHour; counting any not stored
    yet takes two more, once), one counting the hour in progress from the matches, one for spike alerts.
    """
    monitor_list = list(monitors_for_user(user).filter(is_active=True).order_by("team__name", "name"))
    if not monitor_list:
        return MonitorsPanel(series=[], spikes=[])
    ids = [m.pk for m in monitor_list]
    current_hour = now.replace(minute=0, second=0, microsecond=0)
    first_hour = current_hour - timedelta(hours=SPARK_HOURS - 1)
    hours = [first_hour + timedelta(hours=h) for h in range(SPARK_HOURS)]
    index = {hour: i for i, hour in enumerate(hours)}
    # The previous hour counts as in progress too until it has settled.
    closed_before = current_hour if now - current_hour >= HOUR_SETTLES else current_hour - timedelta(hours=1)
    volume = {pk: [0] * SPARK_HOURS for pk in ids}
    sentiment_sum = {pk: [0.0] * SPARK_HOURS for pk in ids}
    before = {pk: [0, 0.0] for pk in ids}  # the 24 hours before the spark: matches, sentiment
    counted = _closed_hours(ids, start=first_hour - timedelta(hours=SPARK_HOURS), end=closed_before)
    counted += [
        (row["monitor_id"], row["hour"], row["n"], row["sentiment_sum"] or 0.0)
        for row in _hourly_matches(ids, gte=closed_before, lte=now)
    ]
    for monitor_id, hour, n, total_sentiment in counted:
        i = index.get(hour)
        if i is None:
            before[monitor_id][0] += n
            before[monitor_id][1] += total_sentiment
        else:
            volume[monitor_id][i] += n
            sentiment_sum[monitor_id][i] += total_sentiment
    series = []
    for monitor in monitor_list:
        counts = volume[monitor.pk]
        sums = sentiment_sum[monitor.pk]
        sentiment = [round(s / c, 2) if c else None for s, c in zip(sums, counts, strict=True)]
        total = sum(counts)
        prev_n, prev_sum = before[monitor.pk]
        series.append(
            MonitorSeries(
                monitor=monitor,
                volume=counts,
                sentiment=sentiment,
                total=total,
                average_sentiment=round(sum(sums) / total, 2) if total else None,
                previous_sentiment=round(prev_sum / prev_n, 2) if prev_n else None,
                volume_points=_points(counts, low=0, high=max(counts) or 1),
                sentiment_points=_points(sentiment, low=-1.0, high=1.0),
            )
        )
    spikes = list(
        SpikeAlert.objects.filter(monitor_id__in=ids, created_at__gte=now - SPIKE_QUIET)
        .select_related("monitor")
        .order_by("-created_at")
    )
    return MonitorsPanel(series=series, spikes=spikes, hours=hours)


# A match is stamped with the time its poll began reading, and a poll commits within seconds, so an hour is
# taken as closed (no more matches will arrive for it) once the next one is this far in.
HOUR_SETTLES = timedelta(minutes=5)


def _hourly_matches(ids: list[int], **matched_at):
    """Matches per monitor and hour (`matched_at` bounds them: gte, lt, lte), with their mentions' summed
    sentiment."""
    bounds = {f"matched_at__{lookup}": value for lookup, value in matched_at.items()}
    return (
        MentionMatch.objects.filter(monitor_id__in=ids, **bounds)
        .annotate(hour=TruncHour("matched_at"))
        .values("monitor_id", "hour")
        .annotate(n=Count("id"), sentiment_sum=Sum("mention__sentiment"))
        .order_by()
    )


def _closed_hours(ids: list[int], *, start: datetime, end: datetime) -> list[tuple[int, datetime, int, float]]:
    """(monitor, hour, matches, summed sentiment) for each closed hour from `start` up to `end`: read from
    MonitorHour, after counting from the matches (once, for everyone) any hour not stored yet."""
    stored = list(
        MonitorHour.objects.filter(monitor_id__in=ids, hour__gte=start, hour__lt=end).values_list(
            "monitor_id", "hour", "matches", "sentiment_sum"
        )
    )
    hours = [start + timedelta(hours=h) for h in range(int((end - start) / timedelta(hours=1)))]
    have = {(monitor_id, hour) for monitor_id, hour, _, _ in stored}
    missing = [(pk, hour) for pk in ids for hour in hours if (pk, hour) not in have]
    if not missing:
        return stored
    first = min(hour for _, hour in missing)
    found = {
        (row["monitor_id"], row["hour"]): (row["n"], row["sentiment_sum"] or 0.0)
        for row in _hourly_matches(sorted({pk for pk, _ in missing}), gte=first, lt=end)
    }
    rows = []
    for pk, hour in missing:
        matches, total_sentiment = found.get((pk, hour), (0, 0.0))
        rows.append(MonitorHour(monitor_id=pk, hour=hour, matches=matches, sentiment_sum=total_sentiment))
    # Two people may count the same hour at once: both get the same figures, and the second store is ignored.
    MonitorHour.objects.bulk_create(rows, ignore_conflicts=True)
    return stored + [(row.monitor_id, row.hour, row.matches, row.sentiment_sum) for row in rows]


def monitors_vary_on(user: User, generations: dict[str, str]) -> str:
    """What the monitors panel's cached fragment is shared by: everyone with the same teams, until a monitor or
    watchlist changes (core.freshness)."""
    return f"{teams_key(user)}:{generations['monitors']}"


# --- Passed on to my teams -----------------------------------------------------------------------------------

PASSED_ON_SHOWN = 10


def passed_on_items(user: User, *, now: datetime) -> list[dict]:
    """Open items other teams passed on to my teams, newest first, with who passed them and their note (one
    query, from the index of open passed-on items): the top of the receiving team's dashboard."""
    items = (
        items_for_user(user)
        .filter(status__in=InboxItem.OPEN_STATUSES, escalated_from__isnull=False)
        .order_by("-created_at", "-id")
        .values(
            "pk",
            "created_at",
            "due_at",
            "escalation_note",
            "team__name",
            "escalated_from__team__name",
            "mention__author_username",
            "mention__text",
        )[:PASSED_ON_SHOWN]
    )
    return [
        {
            "pk": item["pk"],
            "url": path_with_pk("monitoring:item_detail", item["pk"]),
            "author": item["mention__author_username"],
            "text": clip(item["mention__text"], 80),
            "team": item["team__name"],
            "from_team": item["escalated_from__team__name"],
            "note": clip(item["escalation_note"], 200),
            "when": when(item["created_at"], "D j M, H:i"),
            "overdue": item["due_at"] < now,
        }
        for item in items
    ]
