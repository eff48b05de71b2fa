"""Who may change a routing rule: admins and the leads of the teams it routes from (the owners of its monitor
and account) and to. A rule that names no team's monitor or account routes from every team: any lead may."""

import pytest
from django.urls import reverse

from accounts.models import Membership
from monitoring.models import RoutingRule
from tests.conftest import enrol_totp
from tests.factories import MembershipFactory, TeamFactory, TwitterAccountFactory
from tests.monitoring.factories import MonitorFactory, RoutingRuleFactory

pytestmark = pytest.mark.django_db


def _lead_of(team):
    user = MembershipFactory(team=team, role=Membership.Role.LEAD).user
    enrol_totp(user)
    return user


@pytest.fixture
def third_team(db):
    return TeamFactory(name="Press Office", slug="press-office")


@pytest.fixture
def people(team, other_team, third_team, lead, member, admin_user):
    """Leads of the three teams (to: Digital Communications, from: Customer Service, else: Press Office)."""
    return {
        "admin": admin_user,
        "lead of the team it routes to": lead,
        "lead of the team it routes from": _lead_of(other_team),
        "lead of an unconcerned team": _lead_of(third_team),
        "member of the team it routes to": member,
    }


@pytest.fixture
def rules(team, other_team):
    return {
        "another team's monitor to my team": RoutingRuleFactory(
            name="Their monitor to us", monitor=MonitorFactory(team=other_team, name="Benefits"), route_to=team
        ),
        "another team's account to my team": RoutingRuleFactory(
            name="Their account to us", account=TwitterAccountFactory(team=other_team), route_to=team
        ),
        "a monitor, tagged only": RoutingRuleFactory(
            name="Tag their monitor", monitor=MonitorFactory(team=other_team, name="Tagged"), tags="benefits"
        ),
        "phrases to my team": RoutingRuleFactory(name="Complaints to us", phrases="complaint", route_to=team),
    }


EVERYONE = [
    "admin",
    "lead of the team it routes to",
    "lead of the team it routes from",
    "lead of an unconcerned team",
    "member of the team it routes to",
]
MAY_CHANGE = {
    "another team's monitor to my team": {"admin", "lead of the team it routes to", "lead of the team it routes from"},
    "another team's account to my team": {"admin", "lead of the team it routes to", "lead of the team it routes from"},
    "a monitor, tagged only": {"admin", "lead of the team it routes from"},
    "phrases to my team": {
        "admin",
        "lead of the team it routes to",
        "lead of the team it routes from",
        "lead of an unconcerned team",
    },
}
CASES = [(rule, person, person in allowed) for rule, allowed in MAY_CHANGE.items() for person in EVERYONE]


@pytest.mark.parametrize(("rule", "person", "allowed"), CASES)
def test_who_may_change_a_rule_is_decided_in_one_place(people, rules, rule, person, allowed):
    from monitoring.access import can_change_rule

    assert can_change_rule(people[person], rules[rule]) is allowed


@pytest.mark.parametrize(("rule", "person", "allowed"), CASES)
def test_the_rule_page_offers_the_form_and_delete_only_to_those_who_may_change_it(
    client, people, rules, rule, person, allowed
):
    client.force_login(people[person])
    response = client.get(reverse("monitoring:rule_edit", args=[rules[rule].pk]))
    assert response.status_code == 200
    assert ("Delete rule" in response.text) is allowed
    assert ("Save rule" in response.text) is allowed


@pytest.mark.parametrize(("rule", "person", "allowed"), CASES)
def test_the_rule_list_offers_moves_only_on_rules_the_person_may_change(client, people, rules, rule, person, allowed):
    client.force_login(people[person])
    response = client.get(reverse("monitoring:rule_list"))
    move = reverse("monitoring:rule_move", args=[rules[rule].pk])
    assert (move in response.text) is allowed


@pytest.mark.parametrize(("rule", "person", "allowed"), CASES)
def test_editing_moving_and_deleting_are_refused_to_those_who_may_not_change_it(
    client, people, rules, rule, person, allowed
):
    target = rules[rule]
    client.force_login(people[person])
    data = {"name": "Renamed", "is_active": "on", "phrases": "anything", "tags": "x"}
    edited = client.post(reverse("monitoring:rule_edit", args=[target.pk]), data)
    moved = client.post(reverse("monitoring:rule_move", args=[target.pk]), {"direction": "up"})
    deleted = client.post(reverse("monitoring:rule_delete", args=[target.pk]))
    if allowed:
        assert (edited.status_code, moved.status_code, deleted.status_code) == (302, 302, 302)
        assert not RoutingRule.objects.filter(pk=target.pk).exists()
    else:
        assert (edited.status_code, moved.status_code, deleted.status_code) == (403, 403, 403)  # every rule is readable
        target.refresh_from_db()
        assert target.name == RoutingRule.objects.get(pk=target.pk).name != "Renamed"


def test_a_lead_cannot_turn_a_rule_into_one_they_may_not_change(client, people, rules, third_team):
    rule = rules["another team's monitor to my team"]
    client.force_login(people["lead of the team it routes to"])
    response = client.post(
        reverse("monitoring:rule_edit", args=[rule.pk]),
        {"name": rule.name, "is_active": "on", "monitor": rule.monitor_id, "route_to": third_team.pk},
    )
    assert response.status_code == 400
    assert "You can only" in response.text
    rule.refresh_from_db()
    assert rule.route_to.name == "Digital Communications"


def test_a_lead_cannot_route_another_teams_monitor_they_cannot_see(client, people, team, other_team):
    theirs = MonitorFactory(team=other_team, name="Benefits")
    client.force_login(people["lead of an unconcerned team"])
    form = client.get(reverse("monitoring:rule_create"))
    assert "Benefits" not in form.text
    response = client.post(
        reverse("monitoring:rule_create"),
        {"name": "Grab", "is_active": "on", "monitor": theirs.pk, "route_to": team.pk},
    )
    assert response.status_code == 400
    assert not RoutingRule.objects.exists()


def test_a_lead_adds_a_rule_for_their_own_monitor_to_another_team(client, lead, team, other_team):
    mine = MonitorFactory(team=team, name="Passports")
    client.force_login(lead)
    response = client.post(
        reverse("monitoring:rule_create"),
        {"name": "Passports to customer service", "is_active": "on", "monitor": mine.pk, "route_to": other_team.pk},
    )
    assert response.status_code == 302
    assert RoutingRule.objects.get().monitor == mine
