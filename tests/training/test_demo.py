"""The demo programme: courses, requirements, weekly sessions, and everyone trained except the policy officer."""

import pytest
from django.utils import timezone

from accounts import demo as accounts_demo
from accounts.models import TwitterAccount, User
from training import demo, policy
from training.models import Certification, Course, CourseRequirement, TrainingSession


@pytest.fixture
def seeded(db):
    accounts_demo.seed()
    demo.seed()


def test_the_programme_is_seeded_with_weekly_sessions_run_by_the_trainer(seeded):
    assert Course.objects.count() == 7
    assert CourseRequirement.objects.filter(course__title="Twitter basics").count() == 9
    upcoming = TrainingSession.objects.upcoming()
    assert 7 * (demo.SERIES_WEEKS - 1) <= upcoming.count() <= 7 * demo.SERIES_WEEKS
    assert not any(demo._is_holiday(timezone.localdate(s.starts_at)) for s in upcoming)
    assert set(upcoming.values_list("trainer__email", flat=True)) == {"trainer@dovecote.example"}


def test_seeding_twice_changes_nothing(seeded):
    counts = (Course.objects.count(), TrainingSession.objects.count(), Certification.objects.count())
    demo.seed()
    assert (Course.objects.count(), TrainingSession.objects.count(), Certification.objects.count()) == counts


def test_the_policy_officer_is_untrained_and_refused_with_the_course_named(seeded):
    officer = User.objects.get(email="policy.officer@dovecote.example")
    assert not Certification.objects.filter(user=officer).exists()
    decision = policy.check(officer, TwitterAccount.objects.filter(kind="personal").first(), "draft")
    assert not decision.allowed
    assert "'Twitter basics'" in decision.message and "Next" in decision.message


CASES = [
    ("lead@dovecote.example", "corporate", "approve"),
    ("comms.approver@dovecote.example", "corporate", "approve"),
    ("comms.officer@dovecote.example", "corporate", "draft"),
    ("comms.officer@dovecote.example", "press_office", "reply"),
    ("press.officer@dovecote.example", "press_office", "approve"),
    ("cs.officer@dovecote.example", "corporate", "reply"),
    ("admin@dovecote.example", "personal", "draft"),
]


def test_everyone_else_is_trained_for_their_work(seeded):
    refused = [
        (email, kind, action)
        for email, kind, action in CASES
        if not policy.check(
            User.objects.get(email=email), TwitterAccount.objects.filter(kind=kind).first(), action
        ).allowed
    ]
    assert refused == []
