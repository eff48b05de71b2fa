"""The session list and detail pages, booking and cancelling through them, and scheduling."""

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.boxes import date_boxes
from tests.factories import UserFactory
from tests.training.factories import BookingFactory, CourseFactory, TrainerFactory, TrainingSessionFactory
from training.models import Booking, TrainingSession


@pytest.fixture
def trainer(db):
    return TrainerFactory()


def test_anyone_signed_in_sees_upcoming_sessions_with_places_left(client, member):
    session = TrainingSessionFactory(capacity=3, location="Room 9")
    BookingFactory(session=session)
    TrainingSessionFactory(starts_at=timezone.now() - timezone.timedelta(days=1), location="Past room")
    client.force_login(member)
    response = client.get(reverse("training:session_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Room 9" in body and "2 places left" in body
    assert "Past room" not in body


def test_the_session_list_uses_a_fixed_number_of_queries(client, member, django_assert_max_num_queries):
    client.force_login(member)
    TrainingSessionFactory()
    client.get(reverse("training:session_list"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("training:session_list"))
    for _ in range(10):
        BookingFactory(session=TrainingSessionFactory(), user=member)
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("training:session_list"))


def test_booking_through_the_page(client, member):
    session = TrainingSessionFactory()
    client.force_login(member)
    response = client.post(reverse("training:session_book", args=[session.pk]), follow=True)
    assert "You are booked on" in response.content.decode()
    assert Booking.objects.get(session=session, user=member).status == Booking.Status.BOOKED


def test_a_full_session_offers_the_waiting_list(client, member):
    session = TrainingSessionFactory(capacity=1)
    BookingFactory(session=session)
    client.force_login(member)
    page = client.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    assert "Join the waiting list" in page
    response = client.post(reverse("training:session_book", args=[session.pk]), follow=True)
    assert "waiting list" in response.content.decode()
    assert Booking.objects.get(session=session, user=member).status == Booking.Status.WAITING


def test_booking_rejects_get(client, member):
    session = TrainingSessionFactory()
    client.force_login(member)
    assert client.get(reverse("training:session_book", args=[session.pk])).status_code == 405


def test_cancelling_your_own_booking(client, member):
    booking = BookingFactory(user=member)
    client.force_login(member)
    response = client.post(reverse("training:booking_cancel", args=[booking.pk]))
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_someone_elses_booking_is_not_found(client, member):
    booking = BookingFactory(user=UserFactory())
    client.force_login(member)
    assert client.post(reverse("training:booking_cancel", args=[booking.pk])).status_code == 404
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED


def test_a_trainer_schedules_a_weekly_series(client, trainer):
    course = CourseFactory()
    client.force_login(trainer)
    day = (timezone.localdate() + timezone.timedelta(days=3)).isoformat()
    response = client.post(
        reverse("training:session_create"),
        {
            "course": course.pk,
            **date_boxes("date", day),
            "time": "10:00",
            "duration_minutes": 90,
            "location": "Room 4",
            "online_url": "",
            "trainer": trainer.pk,
            "capacity": 8,
            "weeks": 6,
        },
    )
    assert response.status_code == 302
    assert TrainingSession.objects.filter(course=course).count() == 6


def test_scheduling_needs_a_place_or_a_link(client, trainer):
    client.force_login(trainer)
    response = client.post(
        reverse("training:session_create"),
        {
            "course": CourseFactory().pk,
            **date_boxes("date", "2030-01-01"),
            "time": "10:00",
            "duration_minutes": 90,
            "trainer": trainer.pk,
            "capacity": 8,
            "weeks": 1,
        },
    )
    assert response.status_code == 200
    assert "Give a place or an online link" in response.content.decode()


def test_staff_cannot_schedule_or_manage_sessions(client, member):
    session = TrainingSessionFactory()
    client.force_login(member)
    assert client.get(reverse("training:session_create")).status_code == 403
    assert client.get(reverse("training:session_edit", args=[session.pk])).status_code == 403
    assert client.post(reverse("training:session_attendance", args=[session.pk])).status_code == 403
    assert client.post(reverse("training:session_certify", args=[session.pk])).status_code == 403
    assert client.post(reverse("training:session_cancel", args=[session.pk])).status_code == 403


def test_a_trainer_sees_the_roster_and_waiting_list(client, trainer):
    session = TrainingSessionFactory(capacity=1)
    BookingFactory(session=session, user=UserFactory(email="attendee@department.gov.uk"))
    BookingFactory(session=session, user=UserFactory(email="waiting@department.gov.uk"), status="waiting")
    client.force_login(trainer)
    body = client.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    assert "attendee@department.gov.uk" in body
    assert 'id="waiting-list"' in body


def test_a_trainer_marks_attendance_and_certifies_through_the_page(client, trainer):
    session = TrainingSessionFactory(starts_at=timezone.now() - timezone.timedelta(hours=2))
    came, missed = BookingFactory(session=session), BookingFactory(session=session)
    client.force_login(trainer)
    client.post(
        reverse("training:session_attendance", args=[session.pk]),
        {f"attendance-{came.pk}": "attended", f"attendance-{missed.pk}": "no_show"},
    )
    came.refresh_from_db()
    missed.refresh_from_db()
    assert (came.status, missed.status) == ("attended", "no_show")
    client.post(reverse("training:session_certify", args=[session.pk]), {"certify": [came.pk]})
    assert came.user.certifications.filter(course=session.course).exists()
    body = client.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    assert "Certified" in body


def test_a_trainer_edits_and_cancels_a_session(client, trainer):
    session = TrainingSessionFactory(capacity=4)
    client.force_login(trainer)
    local = timezone.localtime(session.starts_at)
    response = client.post(
        reverse("training:session_edit", args=[session.pk]),
        {
            **date_boxes("date", local.date()),
            "time": "14:30",
            "duration_minutes": 60,
            "location": "Room 7",
            "online_url": "",
            "trainer": trainer.pk,
            "capacity": 6,
        },
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.location, session.capacity, timezone.localtime(session.starts_at).strftime("%H:%M")) == (
        "Room 7",
        6,
        "14:30",
    )
    client.post(reverse("training:session_cancel", args=[session.pk]))
    session.refresh_from_db()
    assert session.cancelled_at is not None


def test_the_session_list_can_be_filtered_by_course(client, member):
    wanted = TrainingSessionFactory(location="Wanted room")
    TrainingSessionFactory(location="Other room")
    client.force_login(member)
    body = client.get(reverse("training:session_list"), {"course": wanted.course.pk}).content.decode()
    assert "Wanted room" in body and "Other room" not in body


def test_cancelling_never_redirects_off_site(client, member):
    booking = BookingFactory(user=member)
    client.force_login(member)
    response = client.post(reverse("training:booking_cancel", args=[booking.pk]), {"next": "https://evil.example/"})
    assert response.url == reverse("training:my_training")


def test_a_session_of_a_course_already_booked_offers_no_second_booking(client, member):
    booked = TrainingSessionFactory(location="Room 4")
    other = TrainingSessionFactory(course=booked.course, starts_at=booked.starts_at + timezone.timedelta(days=7))
    BookingFactory(session=booked, user=member)
    client.force_login(member)
    response = client.get(reverse("training:session_detail", args=[other.pk]))
    page = response.content.decode()
    assert "Book a place" not in page
    assert "You are already booked on this course" in page
    assert reverse("training:session_detail", args=[booked.pk]) in page
    response = client.post(reverse("training:session_book", args=[other.pk]), follow=True)
    assert f"already booked on &#x27;{booked.course}&#x27;" in response.content.decode()
    assert not other.bookings.exists()


def test_a_session_at_a_time_the_clocks_skip_is_refused_saying_it_does_not_exist_in_london(client, trainer):
    client.force_login(trainer)
    with time_machine.travel("2027-06-01 12:00 +0000"):
        response = client.post(
            reverse("training:session_create"),
            {
                "course": CourseFactory().pk,
                **date_boxes("date", "2028-03-26"),
                "time": "01:15",
                "duration_minutes": 90,
                "location": "Room 4",
                "trainer": trainer.pk,
                "capacity": 8,
                "weeks": 1,
            },
        )

    assert response.status_code == 200
    assert "1:15am on 26 March 2028 does not exist in London" in response.content.decode()
    assert not TrainingSession.objects.exists()
