"""The requirement matrix and exemptions decide who may draft, approve and reply for each kind of account."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import TwitterAccount
from tests.factories import TwitterAccountFactory
from tests.training.factories import ExemptionFactory, TrainingSessionFactory
from tests.training.helpers import certify, require_course
from training import policy
from training.policy import Action, TrainingRequired

KINDS = [k.value for k in TwitterAccount.Kind]
ACTIONS = [a.value for a in Action]
LONDON = dt.timezone(dt.timedelta(0))  # GMT in winter, which the fixed dates below are in.

# A small matrix: (kind, action) -> course titles needed.
MATRIX = {
    ("corporate", "draft"): ["Twitter basics"],
    ("corporate", "approve"): ["Twitter basics", "Crisis and rebuttal"],
    ("corporate", "reply"): ["Twitter basics", "Handling complaints"],
    ("press_office", "draft"): ["Twitter basics"],
    ("press_office", "approve"): ["Twitter basics", "Responding to journalists"],
    ("press_office", "reply"): ["Twitter basics", "Responding to journalists"],
    ("personal", "draft"): ["Twitter basics"],
}


@pytest.fixture
def matrix(db):
    courses = {}
    for (kind, action), titles in MATRIX.items():
        for title in titles:
            courses[title] = require_course(kind, action, title=title)
    return courses


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("action", ACTIONS)
def test_everyone_is_allowed_when_nothing_is_required(db, member, kind, action):
    account = TwitterAccountFactory(kind=kind)
    assert policy.check(member, account, action).allowed


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("action", ACTIONS)
def test_an_untrained_user_is_refused_exactly_where_the_matrix_requires_a_course(matrix, member, kind, action):
    account = TwitterAccountFactory(kind=kind)
    decision = policy.check(member, account, action)
    needed = MATRIX.get((kind, action), [])
    assert decision.allowed is (not needed)
    assert [c.title for c in decision.missing_courses] == sorted(needed)
    for title in needed:
        assert f"'{title}'" in decision.message


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("action", ACTIONS)
def test_holding_every_required_certification_allows_the_action(matrix, member, kind, action):
    for course in matrix.values():
        certify(member, course)
    assert policy.check(member, TwitterAccountFactory(kind=kind), action).allowed


@pytest.mark.parametrize(
    "held, kind, action, allowed",
    [
        (["Twitter basics"], "corporate", "draft", True),
        (["Twitter basics"], "corporate", "approve", False),
        (["Twitter basics", "Crisis and rebuttal"], "corporate", "approve", True),
        (["Twitter basics"], "press_office", "reply", False),
        (["Responding to journalists"], "press_office", "reply", False),
        (["Twitter basics", "Responding to journalists"], "press_office", "reply", True),
        (["Twitter basics"], "personal", "approve", True),
    ],
)
def test_partial_certification_allows_only_what_it_covers(matrix, member, held, kind, action, allowed):
    for title in held:
        certify(member, matrix[title])
    assert policy.check(member, TwitterAccountFactory(kind=kind), action).allowed is allowed


def test_admins_are_held_to_the_same_standard(matrix, admin_user):
    decision = policy.check(admin_user, TwitterAccountFactory(kind="corporate"), Action.DRAFT)
    assert not decision.allowed


def test_an_expired_certification_no_longer_counts(matrix, member):
    account = TwitterAccountFactory(kind="corporate")
    with time_machine.travel(dt.datetime(2026, 1, 10, 9, 0, tzinfo=LONDON), tick=False):
        certify(member, matrix["Twitter basics"])
        assert policy.check(member, account, Action.DRAFT).allowed
    with time_machine.travel(dt.datetime(2027, 1, 9, 9, 0, tzinfo=LONDON), tick=False):
        assert policy.check(member, account, Action.DRAFT).allowed
    with time_machine.travel(dt.datetime(2027, 1, 10, 9, 0, tzinfo=LONDON), tick=False):
        decision = policy.check(member, account, Action.DRAFT)
        assert not decision.allowed
        assert "expired on 10 Jan 2027" in decision.message


def test_an_exemption_from_one_course_covers_only_that_course(matrix, member):
    account = TwitterAccountFactory(kind="corporate")
    certify(member, matrix["Twitter basics"])
    ExemptionFactory(user=member, course=matrix["Crisis and rebuttal"])
    assert policy.check(member, account, Action.APPROVE).allowed
    assert not policy.check(member, account, Action.REPLY).allowed


def test_an_exemption_from_all_training_covers_everything_until_it_ends(matrix, member):
    account = TwitterAccountFactory(kind="press_office")
    exemption = ExemptionFactory(user=member, course=None, expires_at=timezone.now() + timezone.timedelta(days=2))
    for action in ACTIONS:
        assert policy.check(member, account, action).allowed
    with time_machine.travel(exemption.expires_at + timezone.timedelta(seconds=1)):
        assert not policy.check(member, account, Action.DRAFT).allowed


def test_a_revoked_exemption_does_not_count(matrix, member):
    ExemptionFactory(user=member, revoked_at=timezone.now())
    assert not policy.check(member, TwitterAccountFactory(kind="corporate"), Action.DRAFT).allowed


def test_the_refusal_names_the_course_and_the_next_session_with_free_places(db, member):
    course = require_course("press_office", "approve", title="Responding to journalists")
    full = TrainingSessionFactory(
        course=course, capacity=1, starts_at=dt.datetime(2026, 11, 24, 10, 0, tzinfo=LONDON), location="Room 1"
    )
    from tests.training.factories import BookingFactory

    BookingFactory(session=full)
    TrainingSessionFactory(
        course=course, capacity=5, starts_at=dt.datetime(2026, 12, 1, 10, 0, tzinfo=LONDON), location="Room 4"
    )
    TrainingSessionFactory(
        course=course, capacity=5, starts_at=dt.datetime(2026, 12, 1, 9, 0, tzinfo=LONDON), cancelled_at=timezone.now()
    )
    with time_machine.travel(dt.datetime(2026, 11, 22, 9, 0, tzinfo=LONDON), tick=False):
        decision = policy.check(member, TwitterAccountFactory(kind="press_office"), Action.APPROVE)
    assert decision.message == (
        "You need the 'Responding to journalists' course before you can approve posts for press office accounts. "
        "Next session: Tue 1 Dec 2026, 10:00, Room 4 (5 places left)."
    )
    assert [s.location for s in decision.next_sessions] == ["Room 4"]


def test_the_refusal_says_when_no_session_is_available(db, member):
    require_course("corporate", "reply", title="Handling complaints")
    decision = policy.check(member, TwitterAccountFactory(kind="corporate"), Action.REPLY)
    assert "none with free places yet" in decision.message


def test_ensure_allowed_raises_a_permission_denied_carrying_the_decision(matrix, member):
    with pytest.raises(PermissionDenied) as caught:
        policy.ensure_allowed(member, TwitterAccountFactory(kind="corporate"), Action.DRAFT)
    assert isinstance(caught.value, TrainingRequired)
    assert "'Twitter basics'" in caught.value.message
    assert caught.value.decision.missing_courses[0].title == "Twitter basics"


def test_ensure_allowed_returns_quietly_when_trained(matrix, member):
    certify(member, matrix["Twitter basics"])
    assert policy.ensure_allowed(member, TwitterAccountFactory(kind="corporate"), Action.DRAFT) is None


def test_check_uses_a_fixed_number_of_queries(matrix, member, django_assert_num_queries):
    account = TwitterAccountFactory(kind="corporate")
    for i in range(5):
        TrainingSessionFactory(
            course=matrix["Crisis and rebuttal"], starts_at=timezone.now() + timezone.timedelta(days=i + 1)
        )
    with django_assert_num_queries(4):
        policy.check(member, account, Action.APPROVE)
    for course in matrix.values():
        certify(member, course)
    with django_assert_num_queries(3):
        policy.check(member, account, Action.APPROVE)
    personal = TwitterAccountFactory(kind="personal")
    with django_assert_num_queries(1):
        policy.check(member, personal, Action.APPROVE)
