"""Booking, capacity, the waiting list and cancellation (services)."""

import threading

import django_rq
import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import UserFactory
from tests.training.factories import BookingFactory, TrainingSessionFactory
from training import services
from training.models import Booking, BookingEvent
from training.services import TrainingError


@pytest.fixture
def session(db):
    return TrainingSessionFactory(capacity=2)


def test_booking_a_session_with_places_gives_a_place(session, member):
    booking = services.booking_create(session=session, user=member)
    assert booking.status == Booking.Status.BOOKED
    assert BookingEvent.objects.get(booking=booking).to_status == "booked"


def test_a_full_session_puts_people_on_the_waiting_list(session):
    first, second, third = UserFactory.create_batch(3)
    services.booking_create(session=session, user=first)
    services.booking_create(session=session, user=second)
    waiting = services.booking_create(session=session, user=third)
    assert waiting.status == Booking.Status.WAITING
    assert session.bookings.filter(status__in=Booking.HOLDS_PLACE).count() == 2


def test_booking_twice_is_refused(session, member):
    services.booking_create(session=session, user=member)
    with pytest.raises(TrainingError, match="already booked"):
        services.booking_create(session=session, user=member)


def test_booking_a_cancelled_or_started_session_is_refused(db, member):
    cancelled = TrainingSessionFactory(cancelled_at=timezone.now())
    with pytest.raises(TrainingError, match="cancelled"):
        services.booking_create(session=cancelled, user=member)
    started = TrainingSessionFactory(starts_at=timezone.now() - timezone.timedelta(minutes=5))
    with pytest.raises(TrainingError, match="already started"):
        services.booking_create(session=started, user=member)


def test_cancelling_a_place_promotes_the_first_person_waiting(session):
    a, b, c, d = UserFactory.create_batch(4)
    booking_a = services.booking_create(session=session, user=a)
    services.booking_create(session=session, user=b)
    first_waiting = services.booking_create(session=session, user=c)
    second_waiting = services.booking_create(session=session, user=d)

    services.booking_cancel(booking=booking_a, by=a)

    first_waiting.refresh_from_db()
    second_waiting.refresh_from_db()
    assert first_waiting.status == Booking.Status.BOOKED
    assert second_waiting.status == Booking.Status.WAITING
    assert BookingEvent.objects.filter(booking=first_waiting, to_status="booked", reason="A place became free").exists()


def test_the_promoted_person_is_emailed_after_commit(session, django_capture_on_commit_callbacks):
    a, b = UserFactory(), UserFactory()
    session.capacity = 1
    session.save()
    booking_a = services.booking_create(session=session, user=a)
    services.booking_create(session=session, user=b)
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking=booking_a, by=a)
    queue = django_rq.get_queue("default")
    assert [job.args for job in queue.jobs] == [("booking_promoted",)]


def test_leaving_the_waiting_list_promotes_nobody(session):
    a, b, c = UserFactory.create_batch(3)
    services.booking_create(session=session, user=a)
    services.booking_create(session=session, user=b)
    waiting = services.booking_create(session=session, user=c)
    services.booking_cancel(booking=waiting, by=c)
    waiting.refresh_from_db()
    assert waiting.status == Booking.Status.CANCELLED
    assert session.bookings.filter(status=Booking.Status.BOOKED).count() == 2


def test_cancelling_twice_is_refused(session, member):
    booking = services.booking_create(session=session, user=member)
    services.booking_cancel(booking=booking, by=member)
    with pytest.raises(TrainingError, match="cancelled"):
        services.booking_cancel(booking=booking, by=member)


def test_someone_who_cancelled_can_book_again(session, member):
    booking = services.booking_create(session=session, user=member)
    services.booking_cancel(booking=booking, by=member)
    again = services.booking_create(session=session, user=member)
    assert again.pk != booking.pk and again.status == Booking.Status.BOOKED


def test_raising_capacity_promotes_people_waiting(session, lead):
    for user in UserFactory.create_batch(4):
        services.booking_create(session=session, user=user)
    services.session_update(actor=lead, session=session, changes={"capacity": 3})
    assert session.bookings.filter(status=Booking.Status.BOOKED).count() == 3
    assert session.bookings.filter(status=Booking.Status.WAITING).count() == 1


def test_capacity_cannot_drop_below_places_already_held(session, lead):
    BookingFactory.create_batch(2, session=session)
    with pytest.raises(TrainingError, match="2 people already hold places"):
        services.session_update(actor=lead, session=session, changes={"capacity": 1})


def test_cancelling_a_session_cancels_its_bookings(session, lead):
    booking = services.booking_create(session=session, user=UserFactory())
    services.session_cancel(actor=lead, session=session)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_a_weekly_series_keeps_the_same_uk_time_across_the_clock_change(db, lead):
    from tests.training.factories import CourseFactory, TrainerFactory

    start = timezone.make_aware(timezone.datetime(2027, 3, 16, 10, 0))  # GMT; BST starts 28 March
    sessions = services.session_schedule(
        actor=lead,
        course=CourseFactory(),
        starts_at=start,
        trainer=TrainerFactory(),
        capacity=8,
        location="Room 4",
        weeks=4,
    )
    assert len(sessions) == 4
    assert len({s.series for s in sessions}) == 1
    assert [timezone.localtime(s.starts_at).strftime("%d %H:%M") for s in sessions] == [
        "16 10:00",
        "23 10:00",
        "30 10:00",
        "06 10:00",
    ]


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_never_exceed_capacity():
    session = TrainingSessionFactory(capacity=3)
    users = UserFactory.create_batch(10)
    barrier = threading.Barrier(len(users))
    errors = []

    def book(user):
        try:
            barrier.wait()
            services.booking_create(session=session, user=user)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert session.bookings.filter(status=Booking.Status.BOOKED).count() == 3
    assert session.bookings.filter(status=Booking.Status.WAITING).count() == 7


@pytest.mark.django_db(transaction=True)
def test_concurrent_cancellations_promote_each_waiting_person_once():
    session = TrainingSessionFactory(capacity=3)
    holders = [services.booking_create(session=session, user=u) for u in UserFactory.create_batch(3)]
    for u in UserFactory.create_batch(5):
        services.booking_create(session=session, user=u)
    barrier = threading.Barrier(len(holders))
    errors = []

    def cancel(booking):
        try:
            barrier.wait()
            services.booking_cancel(booking=booking, by=booking.user)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=cancel, args=(b,)) for b in holders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert session.bookings.filter(status=Booking.Status.BOOKED).count() == 3
    assert session.bookings.filter(status=Booking.Status.WAITING).count() == 2


# --- The same course twice ----------------------------------------------------------------------------


def test_booking_a_second_session_of_the_same_course_is_refused(db, member):
    first = TrainingSessionFactory()
    second = TrainingSessionFactory(course=first.course, starts_at=first.starts_at + timezone.timedelta(days=7))
    booking = services.booking_create(session=first, user=member)
    with pytest.raises(TrainingError, match=f"already booked on '{first.course}'") as refused:
        services.booking_create(session=second, user=member)
    assert "Cancel that booking first" in refused.value.message
    assert not second.bookings.exists()
    services.booking_cancel(booking=booking, by=member)
    assert services.booking_create(session=second, user=member).status == Booking.Status.BOOKED


def test_being_on_a_waiting_list_for_the_course_also_refuses_another_session(db, member):
    full = TrainingSessionFactory(capacity=1)
    BookingFactory(session=full)
    assert services.booking_create(session=full, user=member).status == Booking.Status.WAITING
    other = TrainingSessionFactory(course=full.course)
    with pytest.raises(TrainingError, match="already on the waiting list"):
        services.booking_create(session=other, user=member)


def test_a_course_attended_before_can_be_booked_again(db, member):
    past = TrainingSessionFactory(starts_at=timezone.now() - timezone.timedelta(days=300))
    BookingFactory(session=past, user=member, status=Booking.Status.ATTENDED)
    stale = TrainingSessionFactory(course=past.course, starts_at=timezone.now() - timezone.timedelta(days=30))
    BookingFactory(session=stale, user=member, status=Booking.Status.BOOKED)  # attendance never marked
    again = TrainingSessionFactory(course=past.course)
    assert services.booking_create(session=again, user=member).status == Booking.Status.BOOKED


def test_another_course_can_be_booked_alongside(db, member):
    services.booking_create(session=TrainingSessionFactory(), user=member)
    assert services.booking_create(session=TrainingSessionFactory(), user=member).status == Booking.Status.BOOKED


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_of_one_course_give_one_place():
    user = UserFactory()
    first = TrainingSessionFactory()
    sessions = [first, *(TrainingSessionFactory(course=first.course) for _ in range(3))]
    barrier = threading.Barrier(len(sessions))
    refused = []

    def book(session):
        try:
            barrier.wait()
            services.booking_create(session=session, user=user)
        except TrainingError as exc:
            refused.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Booking.objects.filter(user=user).count() == 1
    assert len(refused) == len(sessions) - 1
