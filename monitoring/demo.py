"""Demo monitoring: monitors for the brand, the minister and flagship policies, a journalists' watchlist,
and routing rules (journalists to the press office, complaints to customer service). Idempotent."""

from django.db import transaction

from accounts.models import Team, TwitterAccount
from monitoring.models import Monitor, RoutingRule, Watchlist, WatchlistEntry
from monitoring.services import monitor_start_from_now
from twitter_api.sandbox.simulator import JOURNALIST_NAMES, JOURNALIST_USERNAMES, POLICIES

# team slug, name, query, interval (seconds)
DEMO_MONITORS = [
    ("digital-communications", "Department brand", '"Department for Examples" OR DeptForExample', 120),
    ("policy", "Minister Jones", '"Minister Jones" OR MinisterJones OR "Alex Jones"', 120),
    (
        "customer-service",
        "Service problems",
        '(passport OR benefit OR licence OR refund) (crashing OR "rang out" OR '
        '"charged twice" OR "still waiting" OR unavailable)',
        300,
    ),
    *[("policy", name, f'"{name}" OR #{tag}', 300) for name, tag in POLICIES],
]

COMPLAINT_PHRASES = [
    "complaint",
    "disgraceful",
    "still waiting",
    "not good enough",
    "fed up",
    "getting nowhere",
    "sort it out",
    "charged twice",
    "rang out",
]


@transaction.atomic
def seed() -> None:
    teams = {t.slug: t for t in Team.objects.all()}
    if not {"press-office", "customer-service", "policy", "digital-communications"} <= set(teams):
        return  # accounts.demo.seed() makes the teams first
    for slug, name, query, interval in DEMO_MONITORS:
        monitor = Monitor.objects.filter(team=teams[slug], name=name).first()
        if monitor is None:
            monitor = Monitor(team=teams[slug], name=name, query=query, poll_interval_seconds=interval)
            monitor_start_from_now(monitor)
            monitor.save()

    journalists, _ = Watchlist.objects.get_or_create(
        team=teams["press-office"],
        name="Journalists",
        defaults={"description": "Reporters and desks who ask us for comment."},
    )
    for username in JOURNALIST_USERNAMES:
        WatchlistEntry.objects.get_or_create(
            watchlist=journalists, username=username.lower(), defaults={"note": JOURNALIST_NAMES.get(username, "")}
        )
    ministers, _ = Watchlist.objects.get_or_create(
        team=teams["policy"], name="Ministers and officials", defaults={"description": "Our own principals."}
    )
    for account in TwitterAccount.objects.filter(kind=TwitterAccount.Kind.PERSONAL):
        WatchlistEntry.objects.get_or_create(watchlist=ministers, username=account.handle.lower())

    if RoutingRule.objects.exists():
        return
    RoutingRule.objects.create(
        name="Journalists to the press office",
        position=10,
        watchlist=journalists,
        route_to=teams["press-office"],
        priority="high",
        tags="press",
    )
    RoutingRule.objects.create(
        name="Complaints to customer service",
        position=20,
        phrases="\n".join(COMPLAINT_PHRASES),
        route_to=teams["customer-service"],
        tags="complaint",
    )
    RoutingRule.objects.create(
        name="Very negative posts to customer service",
        position=30,
        sentiment_below=-0.5,
        route_to=teams["customer-service"],
        tags="negative",
    )
    RoutingRule.objects.create(
        name="Large audiences are urgent", position=40, min_followers=100_000, priority="urgent", tags="reach"
    )
    RoutingRule.objects.create(name="Welsh language", position=50, language="cy", tags="welsh")
