"""The home dashboard, assembled from the apps' own dashboard selectors: tweets.dashboard (my drafts, drafts
nobody can approve, the schedule), monitoring.dashboard (inbox counts and my items, monitors), accounts.dashboard
(my teams and accounts), monitoring.budget (the read budget), training.selectors (my training) and
safety.dashboard (open possible takeovers, for leads). Which panels
I see is asked of accounts.access (is_lead) and tweets.dashboard (approves_anywhere).

Each panel takes the signed-in user (and `now`, so tests can pin the clock) and returns plain data the templates
only loop over, limited to the user's teams through the apps' access helpers; admins see every team. "My work"
inbox counts and items are read fresh on every load; its drafts (waiting for my approval, mine by state) and the
slower-changing panels (schedule, monitors, training, accounts) come from the cache until their data changes
(core.freshness).
"""

from __future__ import annotations

from datetime import datetime

from django.core.cache.utils import make_template_fragment_key
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from accounts import dashboard as accounts_dashboard
from accounts.access import is_lead
from accounts.models import User
from core import banners, freshness
from monitoring import budget as monitoring_budget
from monitoring import dashboard as monitoring_dashboard
from safety import dashboard as safety_dashboard
from training import dashboard as training_dashboard
from training import selectors as training_selectors
from tweets import dashboard as tweets_dashboard

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
            "budget": monitoring_budget.for_dashboard(now=now) if is_lead(user) else None,
            "unapprovable": tweets_dashboard.unapprovable(user, now=now),
            "passed_on": monitoring_dashboard.passed_on_items(user, now=now),
            "incidents": safety_dashboard.for_dashboard(user),
            "training": SimpleLazyObject(
                lambda: training_selectors.for_dashboard(user, now=now, generations=generations)
            ),
            "teams": panel.teams,
            "accounts": panel.accounts,
            "panel_seconds": freshness.PANEL_SECONDS,
            # Trainers see their sessions first; one in no team has no inbox or drafts to show.
            "trainer": training_dashboard.trainer_panel(user, now=now) if user.is_trainer else None,
            "trainer_only": user.is_trainer and not user.current_roles(),
        }
    )
    return context
