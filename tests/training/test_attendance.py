"""Marking attendance in bulk and certifying attendees (services)."""

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from tests.factories import UserFactory
from tests.training.factories import BookingFactory, TrainingSessionFactory
from training import services
from training.certification import certification_award_for_session
from training.models import Booking, Certification
from training.services import TrainingError


@pytest.fixture
def trainer(db):
    from tests.training.factories import TrainerFactory

    return TrainerFactory()


@pytest.fixture
def past_session(db):
    return TrainingSessionFactory(starts_at=timezone.now() - timezone.timedelta(hours=2), capacity=5)


def test_attendance_is_marked_in_bulk_and_audited(past_session, trainer):
    came = BookingFactory.create_batch(2, session=past_session)
    missed = BookingFactory(session=past_session)
    changed = services.attendance_mark(
        session=past_session, by=trainer, attended={b.pk for b in came}, no_show={missed.pk}
    )
    assert changed == {"attended": 2, "no_show": 1}
    statuses = dict(past_session.bookings.values_list("pk", "status"))
    assert statuses == {came[0].pk: "attended", came[1].pk: "attended", missed.pk: "no_show"}
    event = AuditEvent.objects.get(action="training.attendance_marked")
    assert event.details == {"attended": 2, "no_show": 1}


def test_attendance_can_be_corrected(past_session, trainer):
    booking = BookingFactory(session=past_session)
    services.attendance_mark(session=past_session, by=trainer, attended=set(), no_show={booking.pk})
    services.attendance_mark(session=past_session, by=trainer, attended={booking.pk}, no_show=set())
    booking.refresh_from_db()
    assert booking.status == Booking.Status.ATTENDED


def test_people_waiting_or_cancelled_cannot_be_marked(past_session, trainer):
    waiting = BookingFactory(session=past_session, status=Booking.Status.WAITING)
    services.attendance_mark(session=past_session, by=trainer, attended={waiting.pk}, no_show=set())
    waiting.refresh_from_db()
    assert waiting.status == Booking.Status.WAITING


def test_attendance_cannot_be_marked_before_the_session_starts(db, trainer):
    session = TrainingSessionFactory()
    with pytest.raises(TrainingError, match="once the session has started"):
        services.attendance_mark(session=session, by=trainer, attended=set(), no_show=set())


def test_attendees_who_completed_are_certified_from_the_session(past_session, trainer):
    booking = BookingFactory(session=past_session, status=Booking.Status.ATTENDED)
    [certification] = certification_award_for_session(session=past_session, by=trainer, booking_ids={booking.pk})
    assert certification.user == booking.user
    assert certification.certified_at == past_session.starts_at
    assert certification.expires_at == past_session.course.expiry_from(past_session.starts_at)
    assert certification.awards.get().session == past_session


def test_people_who_did_not_attend_cannot_be_certified(past_session, trainer):
    booking = BookingFactory(session=past_session, status=Booking.Status.NO_SHOW)
    with pytest.raises(TrainingError, match="Only people marked as attended"):
        certification_award_for_session(session=past_session, by=trainer, booking_ids={booking.pk})
    assert not Certification.objects.exists()


def test_a_booking_from_another_session_cannot_be_certified(past_session, trainer):
    other = BookingFactory(status=Booking.Status.ATTENDED, user=UserFactory())
    with pytest.raises(TrainingError):
        certification_award_for_session(session=past_session, by=trainer, booking_ids={other.pk})
