"""The daily reminders job: 30 and 7 days before expiry, the day before a booked session; each sent once."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from tests.training.factories import BookingFactory, CourseFactory, TrainingSessionFactory
from tests.training.helpers import certify
from training.jobs import send_reminders
from training.models import Booking, ReminderSent

NOW = dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _certified_expiring_in(user, days: int):
    course = CourseFactory(validity_months=12)
    certification = certify(user, course, at=NOW - dt.timedelta(days=300))
    certification.expires_at = NOW + dt.timedelta(days=days)
    certification.save()
    return certification


def test_a_certification_expiring_within_30_days_gets_one_reminder(frozen, member):
    _certified_expiring_in(member, 29)
    assert send_reminders()["expiry_30"] == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [member.email]
    assert "expires on 21 December 2026" in mail.outbox[0].subject
    assert "(in 29 days)" in mail.outbox[0].body
    assert send_reminders()["expiry_30"] == 0
    assert len(mail.outbox) == 1


def test_the_7_day_reminder_follows_the_30_day_one(member):
    with time_machine.travel(NOW, tick=False):
        _certified_expiring_in(member, 30)
        send_reminders()
    with time_machine.travel(NOW + dt.timedelta(days=23), tick=False):
        sent = send_reminders()
        assert sent == {"expiry_30": 0, "expiry_7": 1, "session_tomorrow": 0}
        send_reminders()
    kinds = sorted(ReminderSent.objects.values_list("kind", flat=True))
    assert kinds == ["expiry_30", "expiry_7"]
    assert len(mail.outbox) == 2


def test_certifications_far_from_expiry_or_expired_get_no_reminder(frozen, member):
    _certified_expiring_in(member, 60)
    c = _certified_expiring_in(member, 1)
    c.expires_at = NOW - dt.timedelta(days=1)
    c.save()
    assert send_reminders() == {"expiry_30": 0, "expiry_7": 0, "session_tomorrow": 0}
    assert mail.outbox == []


def test_a_renewed_certification_is_reminded_again_before_its_new_expiry(member):
    with time_machine.travel(NOW, tick=False):
        c = _certified_expiring_in(member, 20)
        send_reminders()
    with time_machine.travel(NOW + dt.timedelta(days=345), tick=False):
        c.expires_at = NOW + dt.timedelta(days=365)
        c.save()
        assert send_reminders()["expiry_30"] == 1


def test_people_booked_on_tomorrows_session_are_reminded_once(frozen, member):
    tomorrow = TrainingSessionFactory(starts_at=NOW + dt.timedelta(days=1, hours=2), location="Room 4")
    BookingFactory(session=tomorrow, user=member)
    BookingFactory(session=tomorrow, status=Booking.Status.WAITING)
    BookingFactory(session=tomorrow, status=Booking.Status.CANCELLED)
    BookingFactory(session=TrainingSessionFactory(starts_at=NOW + dt.timedelta(days=3)))
    assert send_reminders()["session_tomorrow"] == 1
    assert mail.outbox[0].to == [member.email]
    assert "Room 4" in mail.outbox[0].body
    assert send_reminders()["session_tomorrow"] == 0
    assert len(mail.outbox) == 1


def test_a_cancelled_session_sends_no_reminder(frozen, member):
    session = TrainingSessionFactory(starts_at=NOW + dt.timedelta(hours=20), cancelled_at=timezone.now())
    BookingFactory(session=session, user=member)
    assert send_reminders()["session_tomorrow"] == 0
