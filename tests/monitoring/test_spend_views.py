"""The usage page's spend on X (each team's and account's, reads and writes, against the team's budget) and the
form a lead sets a team's monthly spend budget with."""

from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import AuditEvent
from tests.conftest import enrol_totp
from tests.factories import MembershipFactory, TwitterAccountFactory
from tweets.models import SpendBudget
from twitter_api.models import ApiCall

pytestmark = pytest.mark.django_db

USAGE = "/monitoring/usage/"
SET = "/monitoring/usage/spend-budget/"


def posted(account, cost):
    ApiCall.objects.create(endpoint="/2/tweets", method="POST", account=account, status_code=201, cost=Decimal(cost))


def test_the_urls_are_the_pages():
    assert (reverse("monitoring:usage"), reverse("monitoring:spend_budget_set")) == (USAGE, SET)


def test_a_member_sees_their_teams_and_accounts_spend_not_other_teams(client, member, account, other_team):
    posted(account, "0.215")
    posted(TwitterAccountFactory(team=other_team, handle="Elsewhere"), "3.000")
    client.force_login(member)
    page = client.get(USAGE).content.decode()
    assert "Spend on X this month" in page
    assert "$0.22" in page and "@DeptComms" in page
    assert "Elsewhere" not in page and "$3.00" not in page and other_team.name not in page
    assert "Set a team&#x27;s spend budget" not in page  # only leads set one


def test_a_lead_sets_the_budget_and_it_is_audited(client, lead, team):
    client.force_login(lead)
    response = client.post(SET, {"team": team.pk, "monthly_limit": "40.50", "hold_at_limit": "on"})
    assert response.status_code == 302
    budget = SpendBudget.objects.get()
    assert (budget.team, budget.monthly_limit, budget.hold_at_limit, budget.set_by) == (
        team,
        Decimal("40.50"),
        True,
        lead,
    )
    assert AuditEvent.objects.filter(action="tweets.spend_budget_set", actor=lead).count() == 1
    page = client.get(USAGE).content.decode()
    assert "$40.50" in page and "Holds posts at 100%." in page


def test_the_banner_warns_at_80_percent_and_says_posts_are_held_at_100(client, member, team, account):
    SpendBudget.objects.create(team=team, monthly_limit=Decimal("1"), hold_at_limit=True)
    posted(account, "0.80")
    client.force_login(member)
    page = client.get(USAGE).content.decode()
    assert "has spent 80% of its budget" in page
    posted(account, "0.20")
    page = client.get(USAGE).content.decode()
    assert "has spent its budget" in page and "are held until the budget is raised" in page


@pytest.mark.parametrize(
    ("who", "status"),
    [("member", 403), ("approver", 403), ("outsider", 403)],
)
def test_only_leads_may_set_a_budget(client, request, team, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.post(SET, {"team": team.pk, "monthly_limit": "5"}).status_code == status
    assert not SpendBudget.objects.exists()


def test_a_lead_of_another_team_cannot_set_this_ones(client, team, other_team):
    other_lead = MembershipFactory(team=other_team, role="lead").user
    enrol_totp(other_lead)
    client.force_login(other_lead)
    response = client.post(SET, {"team": team.pk, "monthly_limit": "5"})
    assert response.status_code == 400
    assert "Choose one of your teams." in response.content.decode()
    assert not SpendBudget.objects.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Enter the monthly budget in US dollars"),
        ("lots", "Enter the monthly budget as a number"),
        ("-1", "cannot be negative"),
        ("2000000", "$1,000,000 or less"),
        ("1.999", "at most 2 decimal places"),
    ],
)
def test_a_wrong_budget_is_explained(client, lead, team, value, message):
    client.force_login(lead)
    response = client.post(SET, {"team": team.pk, "monthly_limit": value})
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page and message in page
    assert 'href="#id_monthly_limit"' in page
    assert not SpendBudget.objects.exists()


def test_signed_out_is_sent_to_sign_in(client):
    assert client.get(USAGE).status_code == 302
    assert client.post(SET, {}).status_code == 302


def test_get_is_not_allowed(client, lead):
    client.force_login(lead)
    assert client.get(SET).status_code == 405


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.dictionaries(
        st.sampled_from(["team", "monthly_limit", "hold_at_limit"]),
        st.one_of(st.text(max_size=30), st.integers(), st.sampled_from(["1e309", "nan", "NaN", "Infinity", "\x00"])),
    )
)
def test_garbage_never_causes_a_server_error(client, lead, team, data):
    client.force_login(lead)
    response = client.post(SET, data)
    assert response.status_code in (302, 400)
