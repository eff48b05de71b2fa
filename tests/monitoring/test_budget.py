"""The month's read budget: leads warned at 80%, search monitors paused at 100% until raised or the month turns."""

from datetime import date
from html import unescape

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from accounts.models import AuditEvent
from monitoring import budget, ingest
from monitoring.models import PollCursor, ReadBudget
from tests.monitoring.factories import MonitorFactory
from twitter_api.models import ApiCall

pytestmark = pytest.mark.django_db


def read(n):
    ApiCall.objects.create(endpoint="/2/tweets/search/recent", method="GET", status_code=200, posts_read=n)


def test_leads_are_warned_once_at_80_percent(settings, lead, django_capture_on_commit_callbacks):
    settings.X_MONTHLY_READ_BUDGET = 1000
    read(790)
    with django_capture_on_commit_callbacks(execute=True):
        assert not budget.budget_check().warning
    assert mail.outbox == []
    read(20)
    with django_capture_on_commit_callbacks(execute=True):
        state = budget.budget_check()
        budget.budget_check()
    assert state.warning and not state.exhausted
    assert len(mail.outbox) == 1 and lead.email in mail.outbox[0].to and "81%" in mail.outbox[0].subject


def test_at_100_percent_search_pauses_and_timelines_keep_going(x_sandbox, settings, team, account, lead):
    settings.X_MONTHLY_READ_BUDGET = 100
    x_sandbox.register_account(account)
    MonitorFactory(team=team, query="passport")
    ingest.cursors_sync()
    read(100)
    assert budget.search_paused()
    search = PollCursor.objects.get(kind="search")
    timeline = PollCursor.objects.get(kind="timeline")
    direct_messages = PollCursor.objects.get(kind="direct")  # read like the timeline: not paused either
    assert sorted(ingest.cursors_due()) == sorted([timeline.pk, direct_messages.pk])
    assert ingest.cursor_poll(cursor_id=search.pk).status == "paused"
    assert ingest.cursor_poll(cursor_id=timeline.pk).status == "stored"


def test_raising_the_budget_resumes_search_polling_and_is_audited(client, settings, lead):
    settings.X_MONTHLY_READ_BUDGET = 100
    read(100)
    assert budget.search_paused()
    client.force_login(lead)
    response = client.post(reverse("monitoring:budget_set"), {"posts_limit": 5000})
    assert response.status_code == 302
    assert not budget.search_paused()
    assert ReadBudget.objects.get().posts_limit == 5000
    assert AuditEvent.objects.filter(action="monitoring.read_budget_set").exists()


def test_members_cannot_change_the_budget(client, member):
    client.force_login(member)
    assert client.post(reverse("monitoring:budget_set"), {"posts_limit": 5}).status_code == 403


def test_a_new_month_starts_a_fresh_budget(settings):
    settings.X_MONTHLY_READ_BUDGET = 100
    with time_machine.travel("2026-11-30 12:00 +0000"):
        read(100)
        assert budget.search_paused()
    with time_machine.travel("2026-12-01 12:00 +0000"):
        assert not budget.search_paused()
        assert budget.budget_state().month == date(2026, 12, 1)


def test_the_usage_page_shows_reads_per_day_and_per_monitor(client, x_sandbox, team, member, django_assert_num_queries):
    monitor = MonitorFactory(team=team, name="Passports", query="passport")
    x_sandbox.inject_post("alice", "passport please")
    ingest.cursors_sync()
    ingest.cursor_poll(cursor_id=PollCursor.objects.get(kind="search").pk)
    client.force_login(member)
    client.get(reverse("monitoring:usage"))
    # 7 for reads and the read budget, 5 for spend: teams' budgets, their accounts' calls and monitors' reads,
    # the accounts and their calls (the teams a person leads are cached with their roles); 1 for the reads of own
    # posts' figures (monitoring.post_metrics.reads_by_account).
    with django_assert_num_queries(13):
        response = client.get(reverse("monitoring:usage"))
    assert response.status_code == 200
    by_source = response.context["by_source"]
    assert [(r["monitor_id"], r["posts_read"]) for r in by_source] == [(monitor.pk, 1.0)]
    assert response.context["budget"].used == 1
    assert "Passports" in response.text


def test_a_months_budget_is_judged_by_that_months_reads(settings, lead):
    settings.X_MONTHLY_READ_BUDGET = 100
    with time_machine.travel("2026-11-30 12:00 +0000"):
        read(90)
        budget.budget_check()  # warned at 90%
    november = ReadBudget.objects.get(month=date(2026, 11, 1))
    assert november.warned_at is not None

    with time_machine.travel("2026-12-01 12:00 +0000"):
        assert budget.posts_read_in(date(2026, 12, 1)) == 0
        budget.budget_set(month=date(2026, 11, 1), posts_limit=110, by=lead)  # still over 80% of November's

    november.refresh_from_db()
    assert november.posts_limit == 110 and november.warned_at is not None


@pytest.mark.parametrize(
    "used, limit, percent, warning",
    [
        (29, 100, 29, False),
        (57, 100, 57, False),
        (79, 99, 79, False),
        (80, 100, 80, True),
        (4, 5, 80, True),
        (3, 0, 100, True),
    ],
)
def test_the_usage_page_and_the_dashboard_state_the_same_share_of_the_budget(
    client, settings, lead, used, limit, percent, warning
):
    settings.X_MONTHLY_READ_BUDGET = limit
    read(used)
    client.force_login(lead)
    on_usage = client.get(reverse("monitoring:usage")).context["budget"]
    on_home = client.get(reverse("home")).context["budget"]
    assert (on_usage.percent, on_usage.warning) == (percent, warning)
    assert (on_home.posts_read, on_home.limit, on_home.percent, on_home.warning) == (used, limit, percent, warning)


def test_the_dashboard_counts_only_this_months_reads(client, settings, lead):
    settings.X_MONTHLY_READ_BUDGET = 100
    with time_machine.travel("2026-12-31 23:30 +0000"):
        read(10)
    with time_machine.travel("2027-01-01 00:30 +0000"):
        read(40)  # next month, by a clock a little ahead
    with time_machine.travel("2026-12-31 23:45 +0000"):
        client.force_login(lead)
        assert client.get(reverse("home")).context["budget"].posts_read == 10
        assert budget.budget_state().used == 10
        by_day = client.get(reverse("monitoring:usage")).context["by_day"]
        assert sum(row["posts_read"] for row in by_day) == 10


@pytest.mark.parametrize("posts", ["-1", "3000001", "1000000000000000000000"])
def test_a_budget_out_of_range_is_refused_with_the_range(client, lead, posts):
    client.force_login(lead)

    response = client.post(reverse("monitoring:budget_set"), {"posts_limit": posts}, follow=True)

    assert response.status_code == 200
    assert "Enter a number of posts between 0 and 3,000,000 (X's monthly cap on pay-per-use plans)." in unescape(
        response.text
    )
    assert not ReadBudget.objects.exists()
