"""The demo data: valid monitors, the journalists' watchlist and rules that route as the demo promises."""

import pytest

from accounts import demo as accounts_demo
from monitoring import demo
from monitoring.models import Monitor, RoutingRule, WatchlistEntry
from monitoring.preview import rule_test
from twitter_api.query import parse
from twitter_api.sandbox.simulator import CORPORATE, JOURNALIST_USERNAMES, MINISTER, PRESS_OFFICE

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_routes_journalists_and_complaints():
    accounts_demo.seed()
    demo.seed()
    demo.seed()
    assert Monitor.objects.count() == len(demo.DEMO_MONITORS)
    for monitor in Monitor.objects.all():
        parse(monitor.query)
    assert WatchlistEntry.objects.filter(watchlist__name="Journalists").count() == 10
    assert RoutingRule.objects.count() == 5
    press = rule_test(text=f"@{PRESS_OFFICE} could you confirm the figures?", author_username=JOURNALIST_USERNAMES[0])
    assert press.team.slug == "press-office" and "press" in press.tags
    complaint = rule_test(text=f"@{CORPORATE} this is disgraceful, still waiting for my refund")
    assert complaint.team.slug == "customer-service"
    thanks = rule_test(text=f"Thanks @{MINISTER} for visiting Leeds")
    assert thanks.team.slug == "policy"
