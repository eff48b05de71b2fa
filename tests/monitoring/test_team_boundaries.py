"""Monitoring pages name only the user's teams' monitors and timelines; admins see every team's."""

import pytest
from django.urls import reverse
from django.utils import timezone

from monitoring.models import MentionMatch, MonitorUsage
from tests.factories import TwitterAccountFactory
from tests.monitoring.factories import InboxItemFactory, MentionFactory, MonitorFactory

pytestmark = pytest.mark.django_db
USAGE = reverse("monitoring:usage")


@pytest.fixture
def usage(team, other_team, account):
    today = timezone.localdate()
    mine = MonitorFactory(team=team, name="Passport queues")
    theirs = MonitorFactory(team=other_team, name="Benefit complaints")
    other_account = TwitterAccountFactory(team=other_team, handle="CustomerHelp")
    for monitor in (mine, theirs):
        MonitorUsage.objects.create(day=today, monitor=monitor, api_calls=1, posts_read=4)
    for timeline in (account, other_account):
        MonitorUsage.objects.create(day=today, account=timeline, api_calls=1, posts_read=2)


def test_the_usage_page_lists_only_my_teams_monitors_and_timelines(client, member, usage):
    client.force_login(member)
    response = client.get(USAGE)
    assert "Passport queues (Digital Communications)" in response.text
    assert "Mentions of @DeptComms" in response.text
    assert "Benefit complaints" not in response.text
    assert "@CustomerHelp" not in response.text


def test_an_admin_sees_every_teams_usage(client, admin_user, usage):
    client.force_login(admin_user)
    response = client.get(USAGE)
    for source in ("Passport queues", "Benefit complaints", "Mentions of @DeptComms", "Mentions of @CustomerHelp"):
        assert source in response.text


@pytest.fixture
def item_matched_by_two_teams(team, other_team):
    mention = MentionFactory(text="My passport is late and nobody answers the phone")
    for monitor in (MonitorFactory(team=team, name="Passport queues"), MonitorFactory(team=other_team, name="Phones")):
        MentionMatch.objects.create(mention=mention, monitor=monitor, matched_at=timezone.now())
    return InboxItemFactory(team=team, mention=mention)


def test_an_inbox_item_names_only_the_monitors_of_my_teams(client, member, item_matched_by_two_teams):
    client.force_login(member)
    response = client.get(reverse("monitoring:item_detail", args=[item_matched_by_two_teams.pk]))
    assert [m.name for m in response.context["monitors"]] == ["Passport queues"]
    assert "Phones" not in response.text


def test_an_admin_sees_every_monitor_that_matched_an_item(client, admin_user, item_matched_by_two_teams):
    client.force_login(admin_user)
    response = client.get(reverse("monitoring:item_detail", args=[item_matched_by_two_teams.pk]))
    assert sorted(m.name for m in response.context["monitors"]) == ["Passport queues", "Phones"]
