"""Selectors for the home dashboard: a fixed number of queries per panel, whatever the size of the data.

Each function takes the signed-in user (and `now`, so tests can pin the clock) and returns plain data the
templates only loop over. Everything is limited to the user's teams through the apps' access helpers;
admins see every team. "My work" inbox counts and items are read fresh on every load; its drafts (waiting
for my approval, mine by state) and the slower-changing panels (schedule, monitors, training, accounts) come
from the cache until their data changes (core.freshness).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, Sum, Window
from django.db.models.functions import RowNumber, TruncHour
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from accounts.access import accounts_for_user, teams_for_user, teams_key
from accounts.models import Membership, TwitterAccount, User, person_name
from core import freshness
from core.context_processors import site_banner_cache_keys
from core.formats import clip, when
from core.pagination import page_of
from core.paths import path_with_pk
from monitoring import budget as monitoring_budget
from monitoring.access import items_for_user, monitors_for_user
from monitoring.models import InboxItem, MentionMatch, MonitorHour, SpikeAlert
from monitoring.spikes import SPIKE_QUIET
from training import selectors as training_selectors
from tweets.models import Draft, PublishingFreeze
from tweets.selectors import (
    approval_publishes_now,
    approvals_counted,
    approvals_needed,
    approved_by,
    drafts_awaiting_approval_by,
    drafts_for_user,
    possible_approvers,
    reach_of,
)

APPROVALS_SHOWN = 10
MY_ITEMS_SHOWN = 10
SCHEDULED_PER_ACCOUNT = 5
HELD_SHOWN = 20
SCHEDULE_DAYS = 7
SPARK_HOURS = 24
SPARK_WIDTH = 240
SPARK_HEIGHT = 40
UPCOMING_STATES = (Draft.State.APPROVED, Draft.State.SCHEDULED, Draft.State.PUBLISHING)


@dataclass
class Roles:
    """The user's current teams and roles (one query), so panels know what to show."""

    team_ids: list[int]
    approver_team_ids: list[int]
    lead_team_ids: list[int]
    is_admin: bool

    @property
    def can_approve(self) -> bool:
        return self.is_admin or bool(self.approver_team_ids)

    @property
    def is_lead(self) -> bool:
        return self.is_admin or bool(self.lead_team_ids)


def roles_for(user: User) -> Roles:
    rows = list(user.current_roles().items())
    return Roles(
        team_ids=[t for t, _ in rows],
        approver_team_ids=[t for t, r in rows if r in (Membership.Role.APPROVER, Membership.Role.LEAD)],
        lead_team_ids=[t for t, r in rows if r == Membership.Role.LEAD],
        is_admin=user.is_admin,
    )


# --- My work ----------------------------------------------------------------------------------------


@dataclass
class WaitingDraft:
    """A row of 'waiting for my approval': plain values, cheap to keep in the cache and to render."""

    pk: int
    url: str
    approve_url: str
    text: str
    handle: str
    author: str
    updated_at: datetime
    # What the approve button says the approver saw (tweets.services.draft_approve), and what it does.
    revision_id: int | None = None
    scheduled_at: str = ""
    publishes_now: bool = False
    posts: list[str] = field(default_factory=list)
    waiting_for: timedelta | None = None


@dataclass
class ApprovalsPanel:
    drafts: list[WaitingDraft]
    total: int


# What a row of 'waiting for my approval' is built from, for page_of(..., rows=WAITING_ROWS).
WAITING_ROWS = Draft.objects.order_by("updated_at", "id").values(
    "pk",
    "updated_at",
    "purpose",
    "scheduled_at",
    "current_revision_id",
    "current_revision__posts",
    "account__kind",
    "account__approvals_required",
    "account__replies_need_approval",
    "account__handle",
    "author__first_name",
    "author__last_name",
    "author__email",
)


def my_drafts_panels(
    user: User, roles: Roles, *, now: datetime, generations: dict[str, str] | None = None
) -> tuple[ApprovalsPanel, list[dict]]:
    """Submitted drafts I may approve and have not approved in their current version (or my approval has
    lapsed), oldest first, with how long each has waited; and how many of my own drafts are in each state.

    Both kept in the cache (one entry) until a draft, an approval, a team or an account changes
    (core.freshness: saves send signals, and the services' bulk moves say so themselves), or for
    PANEL_SECONDS at most, which bounds how late a lapsed approval brings its draft back.
    """
    generations = generations or freshness.generations()
    key = my_drafts_key(user, generations)
    found = cache.get(key)
    if found is None:
        approvals = _approvals_waiting(user, now=now) if roles.can_approve else ApprovalsPanel(drafts=[], total=0)
        found = (approvals, my_drafts_by_state(user))
        cache.set(key, found, freshness.PANEL_SECONDS)
    approvals, mine = found
    for draft in approvals.drafts:
        draft.waiting_for = now - draft.updated_at
    return approvals, mine


def my_drafts_key(user: User, generations: dict[str, str]) -> str:
    return f"dovecote:dashboard-drafts:{user.pk}:{generations['drafts']}:{generations['teams']}"


def _approvals_waiting(user: User, *, now: datetime) -> ApprovalsPanel:
    waiting = drafts_awaiting_approval_by(user).exclude(approved_by(user, at=now)).order_by("updated_at", "id")
    # The first page of them, cut and counted on the bare rows, and only the ten shown joined (core.pagination).
    frozen = PublishingFreeze.objects.active().filter(
        Q(scope=PublishingFreeze.Scope.EVERYTHING)
        | Q(scope=PublishingFreeze.Scope.TEAM, team_id=OuterRef("account__team_id"))
        | Q(scope=PublishingFreeze.Scope.ACCOUNT, account_id=OuterRef("account_id"))
    )
    rows = WAITING_ROWS.annotate(counted=approvals_counted(at=now), frozen=Exists(frozen))
    page = page_of(waiting, 1, per_page=APPROVALS_SHOWN, rows=rows)
    drafts = []
    for row in page.object_list:
        posts = row["current_revision__posts"] or [""]
        needed = approvals_needed(
            row["purpose"],
            account_requires=TwitterAccount.required_approvals_for(
                row["account__kind"], row["account__approvals_required"]
            ),
            replies_need_approval=row["account__replies_need_approval"],
        )
        publishes_now = not row["frozen"] and approval_publishes_now(
            needed=needed, counted=row["counted"], scheduled_at=row["scheduled_at"], at=now
        )
        drafts.append(
            WaitingDraft(
                pk=row["pk"],
                url=path_with_pk("tweets:draft_detail", row["pk"]),
                approve_url=path_with_pk("tweets:draft_approve", row["pk"]),
                text=clip(posts[0], 90),
                handle=row["account__handle"],
                author=person_name(row["author__first_name"], row["author__last_name"], row["author__email"]),
                updated_at=row["updated_at"],
                revision_id=row["current_revision_id"],
                scheduled_at=row["scheduled_at"].isoformat() if row["scheduled_at"] else "",
                publishes_now=publishes_now,
                # Approving publishes at once: the whole thread is shown, as the draft's page shows it.
                posts=list(posts) if publishes_now else [],
            )
        )
    return ApprovalsPanel(drafts=drafts, total=page.paginator.count)


def my_drafts_by_state(user: User) -> list[dict]:
    """How many of my drafts are in each state, in the workflow's order (one query): those I may still see (a
    leaver's drafts for the team they left are not theirs any more). COUNT(*), not of ids, so that PostgreSQL
    counts from the (author, state) index rather than visiting every draft's row."""
    rows = drafts_for_user(user).filter(author=user).values("state").annotate(n=Count("*")).order_by()
    counts = {r["state"]: r["n"] for r in rows}
    return [
        {"state": value, "label": label, "count": counts[value]}
        for value, label in Draft.State.choices
        if counts.get(value)
    ]


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


# --- Drafts that nobody can approve (leads) -------------------------------------------------------------


@dataclass
class UnapprovableDraft:
    url: str
    text: str
    handle: str
    author: str
    needed: int
    able: list[str]
    untrained: list[str]


def unapprovable(roles: Roles, *, now: datetime) -> list[UnapprovableDraft]:
    """Submitted drafts of the accounts the teams I lead own (every account's for admins) that cannot get the
    approvals they need: too few of the approving team's approvers and leads are trained, still members and not
    the author (tweets.selectors.reach_of). Two queries; one when nothing is waiting for approval."""
    if not roles.is_lead:
        return []
    drafts = Draft.objects.filter(state=Draft.State.SUBMITTED)
    if not roles.is_admin:
        drafts = drafts.filter(account__team_id__in=roles.lead_team_ids)
    rows = list(
        drafts.order_by("updated_at", "id").values(
            "pk",
            "purpose",
            "author_id",
            "current_revision__created_by_id",
            "current_revision__posts",
            "account__handle",
            "account__kind",
            "account__team_id",
            "account__approver_team_id",
            "account__approvals_required",
            "account__replies_need_approval",
            "author__first_name",
            "author__last_name",
            "author__email",
        )
    )
    if not rows:
        return []
    for row in rows:
        row["approving_team_id"] = row["account__approver_team_id"] or row["account__team_id"]
    approvers = possible_approvers(
        {row["approving_team_id"] for row in rows}, {row["account__kind"] for row in rows}, at=now
    )
    found = []
    for row in rows:
        needed = approvals_needed(
            row["purpose"],
            account_requires=TwitterAccount.required_approvals_for(
                row["account__kind"], row["account__approvals_required"]
            ),
            replies_need_approval=row["account__replies_need_approval"],
        )
        reach = reach_of(
            approvers[row["approving_team_id"]],
            needed=needed,
            kind=row["account__kind"],
            author_id=row["author_id"],
            reviser_id=row["current_revision__created_by_id"],
        )
        if reach.short:
            found.append(
                UnapprovableDraft(
                    url=path_with_pk("tweets:draft_detail", row["pk"]),
                    text=clip((row["current_revision__posts"] or [""])[0], 80),
                    handle=row["account__handle"],
                    author=person_name(row["author__first_name"], row["author__last_name"], row["author__email"]),
                    needed=needed,
                    able=[a.name for a in reach.able],
                    untrained=[a.name for a in reach.untrained],
                )
            )
    return found


# --- Scheduled and held posts --------------------------------------------------------------------------


@dataclass
class ScheduledAccount:
    account: object
    drafts: list[Draft]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.drafts)


@dataclass
class SchedulePanel:
    accounts: list[ScheduledAccount]
    held: list[Draft]
    held_total: int = 0


def schedule(roles: Roles, *, now: datetime) -> SchedulePanel:
    """Per account of my teams (owned, or approved by them), how many posts go out in the next seven days
    and the first few of them; and the posts a freeze holds, oldest due first (three queries).

    A glance, not the list: the scheduled page has every post. Ranks and totals are counted on the bare
    draft rows, and only the rows shown are joined to their accounts and texts. It depends only on the
    teams, so teammates share it (accounts.access.teams_key).
    """
    mine = Draft.objects.all()
    if not roles.is_admin:
        ids = roles.team_ids
        mine = mine.filter(Q(account__team_id__in=ids) | Q(account__approver_team_id__in=ids))
    upcoming = (
        mine.filter(
            state__in=UPCOMING_STATES, scheduled_at__gte=now, scheduled_at__lt=now + timedelta(days=SCHEDULE_DAYS)
        )
        .values("pk", "account_id")
        .annotate(
            rank=Window(RowNumber(), partition_by=F("account_id"), order_by=(F("scheduled_at").asc(), F("pk").asc())),
            total=Window(Count("pk"), partition_by=F("account_id")),
        )
        .filter(rank__lte=SCHEDULED_PER_ACCOUNT)
        # Unordered: the rows shown are sorted below, and the default order would read each row from the table.
        .order_by()
    )
    totals = {}
    shown = []
    for row in upcoming:
        totals[row["account_id"]] = row["total"]
        shown.append(row["pk"])
    held = list(
        mine.filter(state=Draft.State.HELD)
        .values("pk")
        .annotate(total=Window(Count("pk")))
        .order_by("scheduled_at", "pk")[:HELD_SHOWN]
    )
    drafts = (
        Draft.objects.filter(pk__in=shown + [row["pk"] for row in held])
        .select_related("account", "current_revision", "held_by")
        .order_by("scheduled_at", "id")
    )
    by_account: dict[int, ScheduledAccount] = {}
    held_drafts = []
    for draft in drafts:
        if draft.state == Draft.State.HELD:
            held_drafts.append(draft)
            continue
        entry = by_account.get(draft.account_id)
        if entry is None:
            entry = by_account[draft.account_id] = ScheduledAccount(draft.account, [], totals[draft.account_id])
        entry.drafts.append(draft)
    return SchedulePanel(
        accounts=sorted(by_account.values(), key=lambda e: e.account.handle.lower()),
        held=held_drafts,
        held_total=held[0]["total"] if held else 0,
    )


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


MONITORS_CACHE_SECONDS = 60


def monitors_context(user: User, *, now: datetime, generations: dict[str, str] | None = None) -> dict:
    """The monitors panel's context. The panel is rendered from the cache for a minute for everyone with the
    same teams (`vary.monitors`; it refreshes every minute anyway), and until a monitor changes; its data is lazy, so
    it is only read when the panel's `{% cache %}` block misses."""
    generations = generations or freshness.generations()
    return {
        "monitors": SimpleLazyObject(lambda: monitors(user, now=now)),
        "monitors_seconds": MONITORS_CACHE_SECONDS,
        "vary": {"monitors": fragments_vary_on(user, generations)["monitors"]},
    }


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


# --- API budget (leads and admins) and my training: each app's own selector (issue 17, workstream C) -------


def budget(*, now: datetime) -> monitoring_budget.BudgetPanel:
    return monitoring_budget.for_dashboard(now=now)


def training(user: User, *, now: datetime, generations: dict[str, str]) -> training_selectors.TrainingPanel:
    return training_selectors.for_dashboard(user, now=now, generations=generations)


# --- The page -----------------------------------------------------------------------------------------


def counts_context(user: User, roles: Roles, *, now: datetime, generations: dict[str, str] | None = None) -> dict:
    """What the 'my work' counts partial needs (refreshed in place by htmx). The inbox's counts are read on every
    load, and my items too when the count says I have any; the drafts' come from the cache until a draft changes
    (my_drafts_panels)."""
    approvals, my_drafts = my_drafts_panels(user, roles, now=now, generations=generations)
    inbox = inbox_counts(user, now=now)
    return {
        "approvals": approvals,
        "inbox": inbox,
        "my_items": my_inbox_items(user, now=now) if inbox.mine_total else [],  # the count says if there are any
        "my_drafts": my_drafts,
        "roles": roles,
        "now": now,
    }


def fragments_vary_on(user: User, generations: dict[str, str]) -> dict[str, str]:
    """What each of the home page's cached fragments (`{% cache ... home-<name> vary.<name> %}`) is shared by
    and kept for: teammates share all but the training panel, until the data behind it changes
    (core.freshness). One string each, so that home_cache_keys can name the same entries."""
    scope = teams_key(user)
    return {
        "schedule": f"{scope}:{generations['drafts']}:{generations['teams']}",
        "monitors": f"{scope}:{generations['monitors']}",
        "training": f"{user.pk}:{generations['training']}:{generations['teams']}",
        "accounts": f"{scope}:{generations['teams']}",
    }


def home_cache_keys(user: User, *, generations: dict[str, str]) -> list[str]:
    """Every cache entry the home page reads after sign-in, for the view to read in one round trip
    (core.cache.read_ahead): its fragments, my drafts and the site banners. One left out is still read,
    on its own; tests/reports/test_home_cache.py counts the round trips."""
    fragments = fragments_vary_on(user, generations)
    return [
        *(make_template_fragment_key(f"home-{name}", [vary_on]) for name, vary_on in fragments.items()),
        my_drafts_key(user, generations),
        *site_banner_cache_keys(user),
    ]


def home_context(user: User, *, now: datetime | None = None, generations: dict[str, str] | None = None) -> dict:
    """Everything the home page shows. The schedule, training and accounts panels are rendered from the
    cache while nothing they show has changed (see core.freshness), so their data is lazy: it is only
    read from the database when the page's `{% cache %}` block misses."""
    now = now or timezone.now()
    roles = roles_for(user)
    generations = generations or freshness.generations()
    context = counts_context(user, roles, now=now, generations=generations)
    context.update(monitors_context(user, now=now, generations=generations))
    context.update(
        {
            "vary": fragments_vary_on(user, generations),
            "schedule": SimpleLazyObject(lambda: schedule(roles, now=now)),
            "budget": budget(now=now) if roles.is_lead else None,
            "unapprovable": unapprovable(roles, now=now),
            "training": SimpleLazyObject(lambda: training(user, now=now, generations=generations)),
            "teams": SimpleLazyObject(lambda: list(teams_for_user(user))),
            "accounts": SimpleLazyObject(lambda: list(accounts_for_user(user))),
            "panel_seconds": freshness.PANEL_SECONDS,
        }
    )
    return context
