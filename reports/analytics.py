"""How the department's own posts did on X: each post's latest figures (tweets.PostMetrics, read by
monitoring.post_metrics), and totals per account and per week of publishing, for the analytics page, the weekly
report and the records export.

A post counts in the week it was published (Monday to Monday, UK time), with the figures of its latest snapshot
(1 hour, 24 hours or 7 days after publishing). A figure X did not give (link clicks for posts over 30 days old) is
None and adds nothing; a total is None only when no post had it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from reports import weekly  # it reads this module's totals: both import the module, not its names
from tweets.metrics_models import PostMetrics

SHOWN = ("impressions", "likes", "replies", "reposts", "link_clicks")
LABELS = {
    "impressions": "Impressions",
    "likes": "Likes",
    "replies": "Replies",
    "reposts": "Reposts",
    "link_clicks": "Link clicks",
}
WEEKS_SHOWN = 8


@dataclass
class Totals:
    posts: int = 0
    impressions: int | None = None
    likes: int | None = None
    replies: int | None = None
    reposts: int | None = None
    link_clicks: int | None = None

    def add(self, row: PostMetrics) -> None:
        self.posts += 1
        for name in SHOWN:
            value = getattr(row, name)
            if value is not None:
                setattr(self, name, (getattr(self, name) or 0) + value)

    @property
    def figures(self) -> list[int | None]:
        return [getattr(self, name) for name in SHOWN]


@dataclass
class WeekRow:
    week_start: date
    totals: Totals = field(default_factory=Totals)

    @property
    def label(self) -> str:
        return f"w/c {self.week_start.day} {self.week_start:%b %Y}"


@dataclass
class AccountRow:
    handle: str
    team: str
    totals: Totals = field(default_factory=Totals)


def latest_snapshots(rows: QuerySet[PostMetrics]) -> list[PostMetrics]:
    """Each post's latest snapshot taken, newest post first (one query)."""
    latest: dict[str, PostMetrics] = {}
    for row in (
        rows.taken()
        .select_related("account", "draft__current_revision")
        .order_by("-published_at", "x_post_id", "-checkpoint_hours")
    ):
        if row.x_post_id not in latest:
            texts = row.draft.posts
            row.post_text = texts[row.position] if row.position < len(texts) else ""
            latest[row.x_post_id] = row
    return list(latest.values())


def latest_for_drafts(draft_ids: Iterable[int]) -> dict[int, list[PostMetrics]]:
    """Each draft's posts' latest snapshots (thread order), by draft id: for the records export (one query)."""
    found: dict[int, list[PostMetrics]] = {}
    for row in latest_snapshots(PostMetrics.objects.filter(draft_id__in=list(draft_ids))):
        found.setdefault(row.draft_id, []).append(row)
    for rows in found.values():
        rows.sort(key=lambda r: r.position)
    return found


def export_figures(snapshots: Iterable[PostMetrics]) -> list[dict]:
    """A draft's posts' latest figures for the records export, post by post, from its snapshots taken (prefetched
    by the export: no query)."""
    latest: dict[int, PostMetrics] = {}
    for row in snapshots:
        if row.status == PostMetrics.Status.TAKEN:
            kept = latest.get(row.position)
            if kept is None or row.checkpoint_hours > kept.checkpoint_hours:
                latest[row.position] = row
    return [
        {
            "position": row.position,
            "post_id": row.x_post_id,
            "after_hours": row.checkpoint_hours,
            "taken_at": timezone.localtime(row.taken_at).isoformat(),
            **{name: getattr(row, name) for name in SHOWN},
        }
        for _, row in sorted(latest.items())
    ]


def export_totals(figures: list[dict]) -> list:
    """The export's CSV columns for a draft: each figure summed over its posts ('' where X gave none), and the
    latest time they were read."""
    sums = []
    for name in SHOWN:
        values = [f[name] for f in figures if f[name] is not None]
        sums.append(sum(values) if values else "")
    return [*sums, max((f["taken_at"] for f in figures), default="")]


def draft_totals(rows: list[PostMetrics]) -> Totals:
    totals = Totals()
    for row in rows:
        totals.add(row)
    return totals


def for_week(accounts: QuerySet, week_start: date) -> tuple[Totals, list[AccountRow]]:
    """The week's posts' latest figures: in all and per account (for the weekly report; one query)."""
    start, end = weekly.week_bounds(week_start)
    rows = latest_snapshots(
        PostMetrics.objects.filter(account__in=accounts, published_at__gte=start, published_at__lt=end)
    )
    total, per_account = Totals(), {}
    for row in rows:
        total.add(row)
        account = per_account.setdefault(row.account_id, AccountRow(row.account.handle, ""))
        account.totals.add(row)
    return total, sorted(per_account.values(), key=lambda a: (-(a.totals.impressions or 0), a.handle))


@dataclass
class Analytics:
    """What the analytics page shows for some accounts: weeks up to `week_start`, and that week's posts."""

    week_start: date
    weeks: list[WeekRow]
    accounts: list[AccountRow]
    posts: list[PostMetrics]

    @property
    def week(self) -> WeekRow:
        return self.weeks[-1]

    def chart_data(self) -> dict:
        """What static/js/analytics.js draws (passed with json_script); the page's tables hold the same."""
        return {
            "weeks": {
                "labels": [w.label for w in self.weeks],
                "series": {LABELS[name]: [getattr(w.totals, name) or 0 for w in self.weeks] for name in SHOWN},
            },
            "accounts": {
                "labels": [f"@{a.handle}" for a in self.accounts],
                "series": {LABELS[name]: [getattr(a.totals, name) or 0 for a in self.accounts] for name in SHOWN},
            },
        }


def analytics_for(accounts: QuerySet, *, week_start: date, weeks: int = WEEKS_SHOWN) -> Analytics:
    """The figures of the accounts' posts published in the `weeks` weeks up to the one starting `week_start` (one
    query, whatever the number of accounts)."""
    first = week_start - timedelta(days=7 * (weeks - 1))
    start, _ = weekly.week_bounds(first)
    _, end = weekly.week_bounds(week_start)
    rows = latest_snapshots(
        PostMetrics.objects.filter(account__in=accounts, published_at__gte=start, published_at__lt=end)
    )
    by_week = {first + timedelta(days=7 * k): WeekRow(first + timedelta(days=7 * k)) for k in range(weeks)}
    week_start_at, _ = weekly.week_bounds(week_start)
    per_account: dict[int, AccountRow] = {}
    posts = []
    for row in rows:
        by_week[weekly.monday_of(timezone.localdate(row.published_at))].totals.add(row)
        if row.published_at >= week_start_at:
            posts.append(row)
            account = per_account.setdefault(row.account_id, AccountRow(row.account.handle, ""))
            account.totals.add(row)
    return Analytics(
        week_start=week_start,
        weeks=list(by_week.values()),
        accounts=sorted(per_account.values(), key=lambda a: (-(a.totals.impressions or 0), a.handle)),
        posts=posts,
    )
