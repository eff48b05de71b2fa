"""A trainer's home page is about their sessions: what is coming, what to record, whose certification lapses."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Membership
from tests.factories import MembershipFactory
from tests.training.factories import (
    BookingFactory,
    CourseFactory,
    OneToOneSessionFactory,
    TrainerFactory,
    TrainingSessionFactory,
)
from tests.training.helpers import certify


@pytest.fixture
def trainer(db):
    return TrainerFactory(first_name="Tess", last_name="Trainer")


def _home(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.text


def test_a_trainer_in_no_team_sees_their_sessions_not_an_empty_inbox(trainer, member):
    now = timezone.now()
    course = CourseFactory(title="Writing for the department")
    coming = TrainingSessionFactory(trainer=trainer, course=course, starts_at=now + dt.timedelta(days=3), capacity=8)
    BookingFactory(session=coming, user=member)
    past = TrainingSessionFactory(
        trainer=trainer, course=CourseFactory(title="Answering complaints"), starts_at=now - dt.timedelta(days=2)
    )
    BookingFactory(session=past, user=member)  # still "booked": attendance not recorded
    OneToOneSessionFactory(trainer=trainer, trainee=member, topic="Tone of voice", follow_up_on=now.date())
    certification = certify(member, course, at=now - dt.timedelta(days=350))
    certification.expires_at = now + dt.timedelta(days=10)
    certification.save()
    elsewhere = TrainingSessionFactory(trainer=TrainerFactory(), starts_at=now + dt.timedelta(days=1))

    page = _home(trainer)

    assert "My training sessions" in page
    assert "My work" not in page
    assert "Upcoming workshops" in page and f"/training/sessions/{coming.pk}/" in page and "1 of 8" in page
    assert "Attendance to record" in page and f"/training/sessions/{past.pk}/" in page and "1 person not yet" in page
    assert "Feedback to give" in page and "Tone of voice" in page
    assert "Certifications lapsing in the next 30 days" in page and str(member) in page
    assert f"/training/sessions/{elsewhere.pk}/" not in page


def test_a_trainer_who_is_also_in_a_team_keeps_their_work_panel(trainer, team):
    MembershipFactory(user=trainer, team=team, role=Membership.Role.MEMBER)
    page = _home(trainer)
    assert "My training sessions" in page and "My work" in page
    assert "Nothing in the next two weeks" in page


def test_people_who_do_not_train_see_no_trainer_panel(member):
    page = _home(member)
    assert "My training sessions" not in page and "My work" in page
