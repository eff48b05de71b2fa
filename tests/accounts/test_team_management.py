"""Leads run their team in the app: add people (new ones are invited by email), change roles, end memberships.
Who may is decided in accounts/rules.py, tested here as a table; a team never loses its last lead."""

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import services
from accounts.models import AuditEvent, Membership, User
from core.permissions import Refused, decide
from tests.conftest import enrol_totp
from tests.factories import MembershipFactory, UserFactory

PEOPLE = ["lead", "other_lead", "member", "trainer", "outsider", "admin_user"]


@pytest.fixture(autouse=True)
def _jobs_run_in_process(settings):
    settings.RQ_ASYNC = False


@pytest.fixture
def other_lead(other_team):
    user = MembershipFactory(team=other_team, role=Membership.Role.LEAD).user
    enrol_totp(user)
    return user


@pytest.fixture
def trainer(db):
    user = UserFactory(is_trainer=True)
    enrol_totp(user)
    return user


@pytest.fixture
def second_lead(team):
    return MembershipFactory(team=team, role=Membership.Role.LEAD).user


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("who", "invite", "change_member", "end_member"),
    [
        ("lead", True, True, True),
        ("other_lead", False, False, False),
        ("member", False, False, False),
        ("trainer", False, False, False),
        ("outsider", False, False, False),
        ("admin_user", True, True, True),
    ],
)
def test_who_may_run_the_team(request, team, lead, member, who, invite, change_member, end_member):
    user = request.getfixturevalue(who)
    membership = member.memberships.get(team=team)

    assert decide(user, "accounts.invite_to_team", team).allowed is invite
    assert decide(user, "accounts.change_role", membership).allowed is change_member
    assert decide(user, "accounts.end_membership", membership).allowed is end_member


@pytest.mark.parametrize("who", PEOPLE)
def test_nobody_removes_or_demotes_the_teams_last_lead(request, team, lead, who):
    user = request.getfixturevalue(who)
    membership = lead.memberships.get(team=team)

    for perm in ("accounts.change_role", "accounts.end_membership"):
        decision = decide(user, perm, membership)
        assert not decision.allowed
        if who in ("lead", "admin_user"):
            assert "only lead" in decision.reason and "Make someone else a team lead first" in decision.reason


def test_with_a_second_lead_a_lead_may_step_down(team, lead, second_lead):
    membership = lead.memberships.get(team=team)
    assert decide(lead, "accounts.end_membership", membership).allowed
    services.membership_change_role(actor=lead, membership=membership, role="member")
    assert decide(second_lead, "accounts.change_role", second_lead.memberships.get(team=team)).allowed is False


def test_the_service_refuses_the_last_lead_too(team, lead):
    with pytest.raises(Refused, match="only lead"):
        services.membership_end(actor=lead, membership=lead.memberships.get(team=team))
    with pytest.raises(Refused, match="only lead"):
        services.membership_change_role(actor=lead, membership=lead.memberships.get(team=team), role="approver")


def test_the_last_leads_page_says_why_there_is_no_remove_button(team, lead):
    page = _client(lead).get(reverse("accounts:membership_detail", args=[lead.memberships.get(team=team).pk]))
    assert "Remove from team" not in page.text
    assert "only lead" in page.text
    response = _client(lead).post(reverse("accounts:membership_end", args=[lead.memberships.get(team=team).pk]))
    assert response.status_code == 403
    assert lead.memberships.get(team=team).ended_at is None


def test_a_lead_invites_someone_new_who_is_emailed_and_it_is_audited(team, lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(lead).post(
            reverse("accounts:team_invite", args=[team.pk]),
            {"email": "Nia.Okafor@Department.gov.uk", "first_name": "Nia", "last_name": "Okafor", "role": "approver"},
        )

    assert response.status_code == 302
    person = User.objects.get(email="nia.okafor@department.gov.uk")
    assert not person.has_usable_password() and not person.is_trainer
    assert person.memberships.get(team=team).role == "approver"
    (message,) = mail.outbox
    assert message.to == ["nia.okafor@department.gov.uk"]
    assert f"{lead} has added you to Dovecote" in message.body
    event = AuditEvent.objects.get(action="membership.added")
    assert (event.actor, event.team, event.details["role"]) == (lead, team, "approver")
    assert AuditEvent.objects.filter(action="user.invited", actor=lead).exists()


def test_a_lead_adds_a_trainer(team, lead):
    _client(lead).post(
        reverse("accounts:team_invite", args=[team.pk]),
        {"email": "trainer@department.gov.uk", "role": "member", "trainer": "on"},
    )
    assert User.objects.get(email="trainer@department.gov.uk").is_trainer


def test_someone_who_already_has_an_account_joins_at_once_and_no_one_twice(team, lead, outsider):
    client = _client(lead)
    response = client.post(reverse("accounts:team_invite", args=[team.pk]), {"email": outsider.email, "role": "member"})
    assert response.status_code == 302
    assert outsider.memberships.filter(team=team, ended_at__isnull=True).exists()
    assert mail.outbox == []

    again = client.post(reverse("accounts:team_invite", args=[team.pk]), {"email": outsider.email, "role": "member"})
    assert again.status_code == 400
    assert "is already in Digital Communications" in again.text
    assert outsider.memberships.filter(team=team).count() == 1


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("other_lead", 404), ("member", 403)])
def test_others_cannot_add_people(request, team, lead, who, status):
    client = _client(request.getfixturevalue(who))
    url = reverse("accounts:team_invite", args=[team.pk])
    assert client.get(url).status_code == status
    assert client.post(url, {"email": "x@department.gov.uk", "role": "lead"}).status_code == status
    assert not User.objects.filter(email="x@department.gov.uk").exists()


def test_the_team_page_offers_adding_people_to_leads_only(team, lead, member):
    assert "Add someone to" in _client(lead).get(reverse("accounts:team_detail", args=[team.pk])).text
    assert "Add someone to" not in _client(member).get(reverse("accounts:team_detail", args=[team.pk])).text


def test_errors_are_summarised_and_name_the_field(team, lead):
    response = _client(lead).post(reverse("accounts:team_invite", args=[team.pk]), {"email": "not an email"})
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert 'href="#id_email"' in response.text
    assert "Choose their role in the team" in response.text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.dictionaries(
        st.sampled_from(["email", "first_name", "last_name", "role", "trainer"]), st.text(max_size=60), max_size=5
    )
)
def test_garbage_never_makes_a_server_error(team, lead, data):
    client = Client(raise_request_exception=False)
    client.force_login(lead)
    with transaction.atomic():
        sid = transaction.savepoint()
        response = client.post(reverse("accounts:team_invite", args=[team.pk]), data)
        assert response.status_code in (302, 400)
        transaction.savepoint_rollback(sid)
