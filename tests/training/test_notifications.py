"""Emails about a booking: a place came free, or the session was cancelled (the job, run directly)."""

from django.core import mail

from tests.training.factories import BookingFactory
from training.jobs import send_notification
from training.models import Booking


def test_the_person_promoted_from_the_waiting_list_is_told_they_have_a_place(db):
    booking = BookingFactory(status=Booking.Status.BOOKED)
    send_notification("booking_promoted", booking_id=booking.pk)
    assert mail.outbox[0].to == [booking.user.email]
    assert "You have a place" in mail.outbox[0].subject
    assert f"/training/sessions/{booking.session_id}/" in mail.outbox[0].body


def test_no_promotion_email_if_the_booking_was_cancelled_meanwhile(db):
    booking = BookingFactory(status=Booking.Status.CANCELLED)
    send_notification("booking_promoted", booking_id=booking.pk)
    assert mail.outbox == []


def test_people_booked_on_a_cancelled_session_are_told(db):
    booking = BookingFactory(status=Booking.Status.CANCELLED)
    send_notification("session_cancelled", booking_id=booking.pk)
    assert "Cancelled" in mail.outbox[0].subject


def test_a_missing_booking_is_ignored(db):
    send_notification("booking_promoted", booking_id=999999)
    assert mail.outbox == []


def test_emails_are_plain_text_without_html_escaping(db):
    booking = BookingFactory(status=Booking.Status.BOOKED, user__first_name="Siobhán O'Neill")
    send_notification("booking_promoted", booking_id=booking.pk)
    assert "Siobhán O'Neill" in mail.outbox[0].body
