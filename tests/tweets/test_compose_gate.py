"""The compose page says before any typing whether the person may write for the chosen account, and why not
(tweets.create_draft's reason, the one answer of core.permissions), with the training session they could book."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Membership
from tests.factories import MembershipFactory, TwitterAccountFactory
from tests.training.factories import TrainerFactory, TrainingSessionFactory
from tests.training.helpers import certify, require_course
from tweets.views.compose import NO_ACCOUNTS

pytestmark = pytest.mark.django_db

NEW = reverse("tweets:draft_create")
GATE = reverse("tweets:compose_gate")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def course(account):
    return require_course(account.kind, "draft", title="Posting for the department")


def test_a_member_without_training_is_told_on_the_empty_page_with_the_next_session(member, account, course):
    session = TrainingSessionFactory(course=course)
    html = _client(member).get(NEW).content.decode()
    assert f"You cannot write for {account} yet." in html
    assert "You need" in html and "Posting for the department" in html
    assert "Next session:" in html
    assert reverse("training:session_detail", args=[session.pk]) in html


def test_the_notice_follows_the_account_chosen(member, account, course, team):
    trained_for = TwitterAccountFactory(team=team, kind="press_office")
    client = _client(member)
    blocked = client.get(GATE, {"account": account.pk}).content.decode()
    assert f"You cannot write for {account} yet." in blocked
    allowed = client.get(GATE, {"account": trained_for.pk}).content.decode()
    assert "You cannot write" not in allowed
    assert f"You can write and submit posts for {trained_for}." in allowed


def test_with_no_account_chosen_the_page_lists_each_account_you_may_not_write_for(member, account, course, team):
    other = TwitterAccountFactory(team=team, kind="press_office")
    html = _client(member).get(NEW).content.decode()
    assert f"You cannot write for {account} yet." in html
    assert f"You cannot write for {other}" not in html


def test_the_select_asks_for_the_notice_as_the_account_changes(member, account):
    html = _client(member).get(NEW).content.decode()
    assert f'hx-get="{GATE}"' in html and 'hx-target="#compose-gate"' in html
    assert 'id="compose-gate"' in html and 'aria-live="polite"' in html


def test_a_trained_member_is_told_they_can_write(member, account, course):
    certify(member, course)
    html = _client(member).get(NEW).content.decode()
    assert "You cannot write" not in html
    assert f"You can write and submit posts for {account}." in html


def test_a_plain_member_with_no_training_required_can_write(member, account):
    html = _client(member).get(NEW).content.decode()
    assert "You cannot write" not in html
    assert f"You can write and submit posts for {account}." in html


def test_a_trainer_in_no_team_is_told_there_is_no_account_to_write_for(account, course):
    trainer = TrainerFactory()
    client = _client(trainer)
    assert NO_ACCOUNTS in client.get(NEW).content.decode()
    gate = client.get(GATE, {"account": account.pk}).content.decode()
    assert NO_ACCOUNTS in gate
    assert str(account) not in gate  # nothing about another team's account


def test_an_approver_of_another_team_is_not_told_about_accounts_they_cannot_see(account, course, other_team):
    approver = MembershipFactory(team=other_team, role=Membership.Role.APPROVER).user
    gate = _client(approver).get(GATE, {"account": account.pk}).content.decode()
    assert str(account) not in gate


def test_editing_a_draft_shows_the_notice_for_its_account(member, account, course):
    from tests.tweets.factories import DraftFactory

    draft = DraftFactory(account=account, author=member)
    html = _client(member).get(reverse("tweets:draft_edit", args=[draft.pk])).content.decode()
    assert f"You cannot write for {account} yet." in html


def test_the_gate_answers_only_get(member):
    assert _client(member).post(GATE, {"account": "1"}).status_code == 405


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.one_of(st.text(max_size=30), st.integers(min_value=-(2**70), max_value=2**70).map(str)))
def test_whatever_account_is_asked_for_the_gate_answers_200(member, account, key):
    response = _client(member).get(GATE, {"account": key})
    assert response.status_code == 200
