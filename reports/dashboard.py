"""The home dashboard, assembled from the apps' own dashboard selectors: tweets.dashboard (my drafts, drafts
nobody can approve, the schedule), monitoring.dashboard (inbox counts and my items, monitors), accounts.dashboard
(my teams and accounts); the budget and training panels are still here. Which panels I see is asked of
accounts.access (is_lead) and tweets.dashboard (approves_anywhere).

Each panel takes the signed-in user (and `now`, so tests can pin the clock) and returns plain data the templates
only loop over, limited to the user's teams through the apps' access helpers; admins see every team. "My work"
inbox counts and items are read fresh on every load; its drafts (waiting for my approval, mine by state) and the
slower-changing panels (schedule, monitors, training, accounts) come from the cache until their data changes
(core.freshness).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from accounts import dashboard as accounts_dashboard
from accounts.access import is_lead
from accounts.models import User
from core import banners, freshness
from monitoring import dashboard as monitoring_dashboard
from monitoring.models import ReadBudget
from training.models import Booking, Certification, Exemption
from training.selectors import EXPIRING_WITHIN, account_kinds_by_team, required_courses_for_user, requirements_by_cell
from tweets import dashboard as tweets_dashboard
from twitter_api.models import ApiCall

# --- API budget (leads and admins) ----------------------------------------------------------------------


@dataclass
class BudgetPanel:
    month: date
    posts_read: int
    posts_created: int
    cost: float
    limit: int
    limit_cost: float

    @property
    def percent(self) -> int:
        return int(self.posts_read * 100 / self.limit) if self.limit else 100

    @property
    def warning(self) -> bool:
        return self.percent >= 80


BUDGET_CACHE_SECONDS = 60


def budget(*, now: datetime) -> BudgetPanel:
    """This month's reads, posts created and cost (one query) against the read budget (one query).

    The sums run over every metered call of the month, so every lead and admin shares them for a minute: a
    month's running total a minute old is as good as a fresh one (the limit itself is read fresh).
    """
    month = timezone.localdate(now).replace(day=1)
    key = f"dovecote:dashboard-budget:{month.isoformat()}"
    totals = cache.get(key)
    if totals is None:
        start = timezone.make_aware(datetime.combine(month, time.min))
        totals = ApiCall.objects.since(start).totals()
        cache.set(key, totals, BUDGET_CACHE_SECONDS)
    limit = ReadBudget.objects.filter(month=month).values_list("posts_limit", flat=True).first()
    limit = limit if limit is not None else settings.X_MONTHLY_READ_BUDGET
    return BudgetPanel(
        month=month,
        posts_read=totals["posts_read"],
        posts_created=totals["posts_created"],
        cost=round(totals["cost"], 2),
        limit=limit,
        limit_cost=round(limit * settings.X_PRICE_PER_POST_READ, 2),
    )


# --- My training --------------------------------------------------------------------------------------


@dataclass
class TrainingPanel:
    expiring: list[Certification]
    missing: list[dict]
    next_booking: Booking | None


def training(user: User, *, now: datetime, generations: dict[str, str]) -> TrainingPanel:
    """Certifications expiring within 30 days, required courses I lack, my next booked session (three queries).

    What each kind of account requires, and which kinds of account my teams own, are the same for everyone in
    those teams: they come from the cache, for the training and teams data's generations (the panel itself is
    cached for those too)."""
    requirements = cache.get_or_set(
        f"dovecote:course-requirements:{generations['training']}", requirements_by_cell, freshness.PANEL_SECONDS
    )
    team_ids = sorted(user.current_roles())  # their memberships, admins' included (teams_key says "all" for them)
    kinds_by_team = cache.get_or_set(
        f"dovecote:account-kinds:{','.join(map(str, team_ids))}:{generations['teams']}",
        lambda: account_kinds_by_team(team_ids),
        freshness.PANEL_SECONDS,
    )
    needs = required_courses_for_user(user, requirements=requirements, kinds_by_team=kinds_by_team)
    # Unordered (order_by()): both are looked up by course, and the default orders would only cost sorting.
    held = {
        c.course_id: c for c in Certification.objects.current(now).filter(user=user).select_related("course").order_by()
    }
    exempt_all = False
    exempt_ids = set()
    for course_id in Exemption.objects.current(now).filter(user=user).order_by().values_list("course_id", flat=True):
        if course_id is None:
            exempt_all = True
        exempt_ids.add(course_id)
    missing = [
        {"course": need.course, "reasons": need.reasons}
        for need in needs
        if need.course.pk not in held and not exempt_all and need.course.pk not in exempt_ids
    ]
    expiring = sorted((c for c in held.values() if c.expires_at - now <= EXPIRING_WITHIN), key=lambda c: c.expires_at)
    next_booking = (
        Booking.objects.filter(
            user=user,
            status=Booking.Status.BOOKED,
            session__starts_at__gt=now,
            session__cancelled_at__isnull=True,
        )
        .select_related("session__course")
        .order_by("session__starts_at")
        .first()
    )
    return TrainingPanel(expiring=expiring, missing=missing, next_booking=next_booking)


# --- The page -----------------------------------------------------------------------------------------


def counts_context(user: User, *, now: datetime, generations: dict[str, str] | None = None) -> dict:
    """What the 'my work' counts partial needs (refreshed in place by htmx). The inbox's counts are read on every
    load, and my items too when the count says I have any; the drafts' come from the cache until a draft changes
    (tweets.dashboard.my_drafts)."""
    approvals, my_drafts = tweets_dashboard.my_drafts(user, now=now, generations=generations)
    inbox = monitoring_dashboard.inbox_counts(user, now=now)
    return {
        "approvals": approvals,
        "inbox": inbox,
        # The count says whether there are any.
        "my_items": monitoring_dashboard.my_inbox_items(user, now=now) if inbox.mine_total else [],
        "my_drafts": my_drafts,
        "can_approve": tweets_dashboard.approves_anywhere(user),
        "now": now,
    }


def monitors_context(user: User, *, now: datetime, generations: dict[str, str] | None = None) -> dict:
    """The monitors panel's context: rendered from the cache (monitoring.dashboard.MONITORS_CACHE_SECONDS,
    `vary.monitors`); its data is lazy, so it is only read when the panel's `{% cache %}` block misses."""
    generations = generations or freshness.generations()
    return {
        "monitors": SimpleLazyObject(lambda: monitoring_dashboard.monitors(user, now=now)),
        "monitors_seconds": monitoring_dashboard.MONITORS_CACHE_SECONDS,
        "vary": {"monitors": fragments_vary_on(user, generations)["monitors"]},
    }


def fragments_vary_on(user: User, generations: dict[str, str]) -> dict[str, str]:
    """What each of the home page's cached fragments (`{% cache ... home-<name> vary.<name> %}`) is shared by
    and kept for: teammates share all but the training panel, until the data behind it changes
    (core.freshness). One string each, so that home_cache_keys can name the same entries."""
    return {
        "schedule": tweets_dashboard.schedule_vary_on(user, generations),
        "monitors": monitoring_dashboard.monitors_vary_on(user, generations),
        "training": f"{user.pk}:{generations['training']}:{generations['teams']}",
        "accounts": accounts_dashboard.accounts_vary_on(user, generations),
    }


def home_cache_keys(user: User, *, generations: dict[str, str]) -> list[str]:
    """Every cache entry the home page reads after sign-in, for the view to read in one round trip
    (core.cache.read_ahead): its fragments, my drafts and the site banners. One left out is still read,
    on its own; tests/reports/test_home_cache.py counts the round trips."""
    fragments = fragments_vary_on(user, generations)
    return [
        *(make_template_fragment_key(f"home-{name}", [vary_on]) for name, vary_on in fragments.items()),
        tweets_dashboard.my_drafts_key(user, generations),
        *banners.cache_keys(user),
    ]


def home_context(user: User, *, now: datetime | None = None, generations: dict[str, str] | None = None) -> dict:
    """Everything the home page shows. The schedule, training and accounts panels are rendered from the
    cache while nothing they show has changed (see core.freshness), so their data is lazy: it is only
    read from the database when the page's `{% cache %}` block misses."""
    now = now or timezone.now()
    generations = generations or freshness.generations()
    context = counts_context(user, now=now, generations=generations)
    context.update(monitors_context(user, now=now, generations=generations))
    panel = accounts_dashboard.for_dashboard(user)
    context.update(
        {
            "vary": fragments_vary_on(user, generations),
            "schedule": SimpleLazyObject(lambda: tweets_dashboard.schedule(user, now=now)),
            "budget": budget(now=now) if is_lead(user) else None,
            "unapprovable": tweets_dashboard.unapprovable(user, now=now),
            "training": SimpleLazyObject(lambda: training(user, now=now, generations=generations)),
            "teams": panel.teams,
            "accounts": panel.accounts,
            "panel_seconds": freshness.PANEL_SECONDS,
        }
    )
    return context
