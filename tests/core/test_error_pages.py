"""Not found, not allowed and server errors get GOV.UK pages that say what happened and where to go next."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from tests.monitoring.factories import RoutingRuleFactory


def test_an_address_that_does_not_exist_gets_a_page_not_found_with_the_navigation(client, member):
    client.force_login(member)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and "If you typed the web address, check it is correct" in page
    assert 'aria-label="Service navigation"' in page
    assert "Resolver404" not in page


def test_a_page_for_leads_only_says_who_it_is_for(client, member, team):
    client.force_login(member)

    response = client.get(reverse("reports:team", args=[team.pk]))

    assert response.status_code == 403
    page = response.content.decode()
    assert "You cannot do that here" in page
    assert "Only the team&#x27;s leads and admins can see its weekly report." in page


def test_another_teams_page_is_still_not_found_rather_than_refused(client, outsider, team):
    client.force_login(outsider)

    response = client.get(reverse("reports:team", args=[team.pk]))

    assert response.status_code == 404
    assert "leads and admins" not in response.content.decode()


@pytest.mark.parametrize(
    ("who", "method", "address", "sentence"),
    [
        ("member", "post", "monitoring:rule_edit", "Only admins and the leads of the teams this rule routes"),
        ("member", "get", "monitoring:rule_create", "Only team leads and admins can add routing rules."),
        ("member", "get", "monitoring:monitor_create", "can change monitors and watchlists."),
        ("member", "post", "monitoring:budget_set", "Only team leads and admins can set the read budget."),
        ("member", "get", "accounts:team_audit", "Only team leads and admins can see the audit trail."),
        ("member", "get", "reports:index", "Weekly reports are for team leads and admins."),
        ("lead", "get", "reports:department", "The department-wide report is for admins."),
        ("member", "get", "reports:export", "Records exports are for team leads and admins."),
        ("lead", "get", "training:exemptions", "Only admins can do that."),
        ("member", "get", "training:course_create", "Only trainers and admins can do that."),
    ],
)
def test_a_refused_action_shows_the_sentence_the_permission_gives(
    client, request, team, other_team, who, method, address, sentence
):
    rule = RoutingRuleFactory(route_to=other_team)
    args = {"monitoring:rule_edit": [rule.pk], "accounts:team_audit": [team.pk]}.get(address, [])
    client.force_login(request.getfixturevalue(who))

    response = getattr(client, method)(reverse(address, args=args), {"name": "x", "phrases": "a"})

    assert response.status_code == 403
    assert "You cannot do that here" in response.text and sentence in response.text


def test_an_action_for_trainers_only_is_refused_with_who_may_do_it(client, member):
    client.force_login(member)

    response = client.get(reverse("training:session_create"))

    assert response.status_code == 403
    page = response.content.decode()
    assert "You cannot do that here" in page and "Only trainers and admins can do that." in page


def test_a_server_error_page_needs_no_signed_in_user():
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()


def test_a_form_sent_without_its_security_token_says_what_to_do(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    response = client.post(reverse("tweets:draft_create"), {"text": "Hello"})

    assert response.status_code == 403
    page = response.content.decode()
    assert "Your form could not be sent" in page and "Nothing was changed." in page
