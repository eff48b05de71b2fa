"""The team training matrix: who holds what, coloured with text, exemptions shown, and the share trained."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from tests.factories import MembershipFactory, TwitterAccountFactory
from tests.training.factories import ExemptionFactory
from tests.training.helpers import certify, require_course
from training.selectors import CellState, team_matrix


@pytest.fixture
def courses(db):
    return {
        "basics": require_course("corporate", "draft", title="Twitter basics"),
        "basics_reply": require_course("corporate", "reply", title="Twitter basics"),
        "crisis": require_course("corporate", "approve", title="Crisis and rebuttal"),
        "journalists": require_course("press_office", "reply", title="Responding to journalists"),
    }


@pytest.fixture
def setup(team, member, approver, lead, account, courses):
    """team owns one corporate account; member needs basics; approver and lead need basics and crisis."""
    now = timezone.now()
    certify(member, courses["basics"])
    certify(approver, courses["basics"], at=now - dt.timedelta(days=350))  # expiring in ~15 days
    certify(approver, courses["crisis"])
    certify(lead, courses["basics"], at=now - dt.timedelta(days=400))  # expired
    ExemptionFactory(user=lead, course=courses["crisis"], reason="Acting lead for two weeks")
    return courses


def _standings(matrix):
    return {row.membership.user.email: {cell.course.title: cell.standing for cell in row.cells} for row in matrix.rows}


def test_the_matrix_shows_each_members_standing_for_the_courses_the_team_needs(setup, team, member, approver, lead):
    matrix = team_matrix(team)
    assert [c.title for c in matrix.courses] == ["Crisis and rebuttal", "Twitter basics"]
    assert _standings(matrix) == {
        member.email: {"Crisis and rebuttal": CellState.NOT_REQUIRED, "Twitter basics": CellState.CURRENT},
        approver.email: {"Crisis and rebuttal": CellState.CURRENT, "Twitter basics": CellState.EXPIRING},
        lead.email: {"Crisis and rebuttal": CellState.EXEMPT, "Twitter basics": CellState.MISSING},
    }


def test_the_share_trained_to_standard_counts_expiring_and_exempt_but_not_missing(setup, team):
    matrix = team_matrix(team)
    assert matrix.trained_count == 2
    assert matrix.trained_percent == 67


def test_a_team_with_no_requirements_is_fully_trained(team, member, account):
    matrix = team_matrix(team)
    assert matrix.courses == [] and matrix.trained_share == 1.0


def test_a_team_owning_a_press_office_account_needs_its_courses_too(setup, team, member):
    TwitterAccountFactory(team=team, kind="press_office")
    matrix = team_matrix(team)
    assert "Responding to journalists" in [c.title for c in matrix.courses]
    assert _standings(matrix)[member.email]["Responding to journalists"] == CellState.MISSING


def test_a_lead_sees_the_matrix_with_text_labels_and_exemption_reasons(client, setup, team, lead):
    client.force_login(lead)
    response = client.get(reverse("training:team_matrix", args=[team.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    for label in ("Current", "Expiring soon", "Missing", "Exempt", "Not required"):
        assert label in body
    assert "Acting lead for two weeks" in body
    assert "67%" in body


def test_a_member_of_the_team_is_forbidden(client, setup, team, member):
    client.force_login(member)
    assert client.get(reverse("training:team_matrix", args=[team.pk])).status_code == 403


def test_another_teams_lead_gets_not_found(client, setup, team, other_team):
    other_lead = MembershipFactory(team=other_team, role=Membership.Role.LEAD).user
    from tests.conftest import enrol_totp

    enrol_totp(other_lead)
    client.force_login(other_lead)
    assert client.get(reverse("training:team_matrix", args=[team.pk])).status_code == 404


def test_admins_see_any_teams_matrix(client, setup, team, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("training:team_matrix", args=[team.pk])).status_code == 200


def test_the_matrix_page_uses_a_fixed_number_of_queries(client, setup, team, lead, django_assert_max_num_queries):
    client.force_login(lead)
    client.get(reverse("training:team_matrix", args=[team.pk]))
    with django_assert_max_num_queries(30) as captured:
        client.get(reverse("training:team_matrix", args=[team.pk]))
    baseline = len(captured)
    for m in MembershipFactory.create_batch(8, team=team):
        certify(m.user, setup["basics"])
        ExemptionFactory(user=m.user, course=setup["crisis"])
    client.get(reverse("training:team_matrix", args=[team.pk]))  # stale banners built again once (core.freshness)
    with django_assert_max_num_queries(baseline):
        client.get(reverse("training:team_matrix", args=[team.pk]))


def test_the_index_takes_a_lead_of_one_team_straight_to_its_matrix(client, setup, team, lead):
    client.force_login(lead)
    response = client.get(reverse("training:team_matrix_index"))
    assert response.status_code == 302
    assert response.url == reverse("training:team_matrix", args=[team.pk])


def test_a_certification_expiring_soon_says_so_even_where_the_role_does_not_need_the_course(setup, team, member):
    certify(member, setup["crisis"], at=timezone.now() - dt.timedelta(days=350))  # a member needs no crisis course
    assert _standings(team_matrix(team))[member.email]["Crisis and rebuttal"] == CellState.EXPIRING


def test_the_matrix_agrees_with_the_training_gate_for_every_member(setup, team, member, approver, lead, account):
    from training.policy import check

    matrix = team_matrix(team)
    for row in matrix.rows:
        role_needs = {"member": ["draft", "reply"]}.get(row.membership.role, ["draft", "reply", "approve"])
        gates = all(check(row.membership.user, account, action).allowed for action in role_needs)
        assert row.trained_to_standard is gates, row.membership.user.email
