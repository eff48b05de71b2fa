"""Feedback after an attended session, once per attendee, and the trainers' summary per course."""

import pytest
from django.urls import reverse

from tests.training.factories import BookingFactory, TrainerFactory, TrainingSessionFactory
from training import services
from training.models import Booking, Feedback
from training.services import TrainingError


def test_an_attendee_leaves_feedback_once(client, member):
    booking = BookingFactory(user=member, status=Booking.Status.ATTENDED)
    client.force_login(member)
    url = reverse("training:feedback_create", args=[booking.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"rating": "4", "comment": "Useful"})
    assert Feedback.objects.get(booking=booking).rating == 4
    response = client.post(url, {"rating": "1", "comment": "Again"}, follow=True)
    assert "already left feedback" in response.content.decode()
    assert Feedback.objects.count() == 1


def test_only_attendees_can_leave_feedback(member):
    booking = BookingFactory(user=member, status=Booking.Status.NO_SHOW)
    with pytest.raises(TrainingError, match="people who attended"):
        services.feedback_submit(booking=booking, rating=5)


def test_a_rating_must_be_between_1_and_5(client, member):
    booking = BookingFactory(user=member, status=Booking.Status.ATTENDED)
    client.force_login(member)
    response = client.post(reverse("training:feedback_create", args=[booking.pk]), {"rating": "9"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not Feedback.objects.exists()


def test_feedback_on_someone_elses_booking_is_not_found(client, member):
    booking = BookingFactory(status=Booking.Status.ATTENDED)
    client.force_login(member)
    assert client.get(reverse("training:feedback_create", args=[booking.pk])).status_code == 404


def test_trainers_see_the_average_count_and_recent_comments_per_course(client, db, django_assert_max_num_queries):
    session = TrainingSessionFactory()
    for rating, comment in [(5, "Great"), (4, "Good"), (3, "")]:
        services.feedback_submit(
            booking=BookingFactory(session=session, status=Booking.Status.ATTENDED), rating=rating, comment=comment
        )
    trainer = TrainerFactory()
    client.force_login(trainer)
    response = client.get(reverse("training:feedback_summary"))
    body = response.content.decode()
    assert "4.0 out of 5" in body and "3 responses" in body and "Great" in body
    with django_assert_max_num_queries(40) as captured:
        client.get(reverse("training:feedback_summary"))
    for _ in range(5):
        other = TrainingSessionFactory()
        services.feedback_submit(
            booking=BookingFactory(session=other, status=Booking.Status.ATTENDED), rating=2, comment="Hmm"
        )
    with django_assert_max_num_queries(len(captured)):
        client.get(reverse("training:feedback_summary"))


def test_staff_cannot_see_the_feedback_summary(client, member):
    client.force_login(member)
    assert client.get(reverse("training:feedback_summary")).status_code == 403
