"""Routing rules: leads and admins add, edit, order and delete them (audited); anyone can test a post."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from monitoring.models import RoutingRule
from tests.monitoring.factories import RoutingRuleFactory, WatchlistEntryFactory, WatchlistFactory

pytestmark = pytest.mark.django_db
LIST = reverse("monitoring:rule_list")
CREATE = reverse("monitoring:rule_create")


def test_a_lead_adds_a_rule_and_it_is_audited(client, lead, other_team):
    client.force_login(lead)
    response = client.post(
        CREATE,
        {
            "name": "Complaints",
            "is_active": "on",
            "phrases": "complaint\ndisgraceful",
            "route_to": other_team.pk,
            "priority": "high",
            "tags": "complaint",
        },
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert rule.phrase_list == ["complaint", "disgraceful"] and rule.route_to == other_team
    event = AuditEvent.objects.get(action="monitoring.rule_created")
    assert event.details["name"] == "Complaints"


def test_a_rule_needs_a_condition_and_an_action(client, lead, other_team):
    client.force_login(lead)
    response = client.post(CREATE, {"name": "Everything", "route_to": other_team.pk})
    assert "at least one condition" in response.text
    response = client.post(CREATE, {"name": "Nothing", "phrases": "x"})
    assert "an action" in response.text


def test_changes_to_a_rule_are_audited_with_before_and_after(client, lead, other_team):
    rule = RoutingRuleFactory(name="Old", phrases="refund", route_to=other_team)
    client.force_login(lead)
    client.post(
        reverse("monitoring:rule_edit", args=[rule.pk]), {"name": "New", "phrases": "refund", "route_to": other_team.pk}
    )
    event = AuditEvent.objects.get(action="monitoring.rule_changed")
    assert event.details["name"] == ["Old", "New"]


def test_moving_a_rule_changes_the_order(client, lead, other_team):
    first = RoutingRuleFactory(name="First", phrases="a", route_to=other_team)
    second = RoutingRuleFactory(name="Second", phrases="b", route_to=other_team)
    client.force_login(lead)
    client.post(reverse("monitoring:rule_move", args=[second.pk]), {"direction": "up"})
    assert list(RoutingRule.objects.values_list("name", flat=True)) == ["Second", "First"]
    assert AuditEvent.objects.filter(action="monitoring.rule_moved").exists()
    client.post(reverse("monitoring:rule_delete", args=[first.pk]))
    assert AuditEvent.objects.filter(action="monitoring.rule_deleted").exists()


def test_members_can_read_but_not_change_rules(client, member, other_team):
    rule = RoutingRuleFactory(phrases="a", route_to=other_team)
    client.force_login(member)
    assert client.get(LIST).status_code == 200
    assert client.get(CREATE).status_code == 403
    assert client.post(reverse("monitoring:rule_move", args=[rule.pk]), {"direction": "up"}).status_code == 403
    assert (
        client.post(reverse("monitoring:rule_edit", args=[rule.pk]), {"name": "x", "phrases": "a"}).status_code == 403
    )


def test_the_test_box_shows_where_a_sample_post_would_go(client, lead, team, other_team, settings):
    settings.TRIAGE_TEAM_SLUG = team.slug
    press = WatchlistFactory(team=other_team)
    WatchlistEntryFactory(watchlist=press, username="janejournalist")
    rule = RoutingRuleFactory(name="Journalists", watchlist=press, route_to=other_team, priority="high", tags="press")
    client.force_login(lead)
    response = client.get(LIST, {"text": "Any comment?", "author_username": "JaneJournalist", "lang": "en"})
    result = response.context["result"]
    assert (result.team, result.priority, result.tags) == (other_team, "high", ["press"])
    assert "Journalists" in response.text
    response = client.get(
        reverse("monitoring:rule_edit", args=[rule.pk]), {"text": "hello", "author_username": "someone"}
    )
    result = response.context["result"]
    assert (result.team, result.default_route, result.this_rule_matched) == (team, "triage", False)


def test_the_rule_list_uses_a_fixed_number_of_queries(client, lead, other_team, django_assert_num_queries):
    client.force_login(lead)
    RoutingRuleFactory(phrases="a", route_to=other_team)
    client.get(LIST)
    with django_assert_num_queries(2) as first:
        client.get(LIST)
    baseline = len(first.captured_queries)  # read now: the next request empties the queries log
    RoutingRuleFactory.create_batch(10, phrases="b", route_to=other_team, watchlist=WatchlistFactory())
    client.get(LIST)  # the banners the new rows made stale are built again once (core.freshness)
    with django_assert_num_queries(baseline):
        client.get(LIST)


@pytest.mark.parametrize("threshold", ["-1.5", "2", "1000000"])
def test_a_sentiment_threshold_outside_minus_one_to_one_is_refused_with_the_range(client, lead, other_team, threshold):
    client.force_login(lead)
    response = client.post(
        CREATE, {"name": "Angry", "is_active": "on", "sentiment_below": threshold, "route_to": other_team.pk}
    )

    assert response.status_code == 400
    assert "Enter a sentiment threshold between -1 and 1." in response.text
    assert not RoutingRule.objects.exists()
