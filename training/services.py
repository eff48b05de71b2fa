"""Training services: catalogue and requirements, sessions and bookings, attendance and feedback (certification,
one-to-ones and exemptions are in training.certification). Each change is atomic, guarded on current state, and
recorded."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_record
from core import freshness
from training.models import (
    Action,
    Booking,
    BookingEvent,
    Course,
    CourseRequirement,
    Feedback,
    TrainingSession,
)
from training.selectors import booking_on_course


class TrainingError(Exception):
    """A training action that cannot happen now; the message says why and what to do instead."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _notify(kind: str, **ids) -> None:
    """Send a notification email after the transaction commits, through the job queue."""
    from training import jobs

    transaction.on_commit(lambda: jobs.enqueue_notification(kind, **ids))


# --- Catalogue and requirement matrix ---------------------------------------------------------------


@transaction.atomic
def course_save(*, actor: User, course: Course, request=None) -> Course:
    created = course.pk is None
    course.save()
    audit_record(
        action="training.course_created" if created else "training.course_changed",
        actor=actor,
        obj=course,
        details={"validity_months": course.validity_months},
        request=request,
    )
    return course


@transaction.atomic
def requirements_set(*, actor: User, cells: set[tuple[int, str, str]], request=None) -> dict:
    """Replace the requirement matrix with `cells`: (course id, account kind, action) triples."""
    current = {(r.course_id, r.account_kind, r.action): r for r in CourseRequirement.objects.select_for_update()}
    added = cells - current.keys()
    removed = current.keys() - cells
    for key in removed:
        current[key].delete()
    CourseRequirement.objects.bulk_create(
        [CourseRequirement(course_id=c, account_kind=k, action=a) for c, k, a in sorted(added)]
    )
    freshness.changed("training")  # bulk_create sends no save signals
    if added or removed:
        audit_record(
            action="training.requirements_changed",
            actor=actor,
            details={"added": sorted(map(list, added)), "removed": sorted(map(list, removed))},
            request=request,
        )
    return {"added": len(added), "removed": len(removed)}


# --- Sessions -----------------------------------------------------------------------------------------


@transaction.atomic
def session_schedule(
    *,
    actor: User,
    course: Course,
    starts_at: dt.datetime,
    trainer: User,
    capacity: int,
    duration_minutes: int = 90,
    location: str = "",
    online_url: str = "",
    weeks: int = 1,
    request=None,
) -> list[TrainingSession]:
    """One session, or a weekly series of `weeks` sessions at the same local time (across clock changes)."""
    if not location and not online_url:
        raise TrainingError("Give a place or an online link so people know where to go.")
    series = TrainingSession.new_series_id() if weeks > 1 else None
    local = timezone.localtime(starts_at)
    sessions = []
    for week in range(weeks):
        naive = timezone.make_naive(local) + dt.timedelta(weeks=week)
        sessions.append(
            TrainingSession.objects.create(
                course=course,
                starts_at=timezone.make_aware(naive),
                duration_minutes=duration_minutes,
                location=location,
                online_url=online_url,
                trainer=trainer,
                capacity=capacity,
                series=series,
            )
        )
    audit_record(
        action="training.sessions_scheduled",
        actor=actor,
        obj=sessions[0],
        details={"course": course.title, "weeks": weeks, "capacity": capacity},
        request=request,
    )
    return sessions


@transaction.atomic
def session_update(*, actor: User, session: TrainingSession, changes: dict, request=None) -> TrainingSession:
    """Change a session's details; extra capacity promotes people from the waiting list."""
    locked = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if locked.cancelled_at is not None:
        raise TrainingError("This session has been cancelled, so it can no longer be changed.")
    held = locked.bookings.filter(status__in=Booking.HOLDS_PLACE).count()
    if "capacity" in changes and changes["capacity"] < held:
        raise TrainingError(
            f"{held} people already hold places. Cancel some bookings before reducing the capacity below {held}."
        )
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.save()
    _promote_waiting(locked, by=actor)
    audit_record(
        action="training.session_changed", actor=actor, obj=locked, details={"fields": sorted(changes)}, request=request
    )
    return locked


@transaction.atomic
def session_cancel(*, actor: User, session: TrainingSession, request=None) -> TrainingSession:
    locked = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if locked.cancelled_at is not None:
        return locked
    locked.cancelled_at = timezone.now()
    locked.save(update_fields=["cancelled_at"])
    for booking in locked.bookings.select_for_update().filter(
        status__in=[Booking.Status.BOOKED, Booking.Status.WAITING]
    ):
        _move(booking, Booking.Status.CANCELLED, by=actor, reason="Session cancelled")
        _notify("session_cancelled", booking_id=booking.pk)
    audit_record(action="training.session_cancelled", actor=actor, obj=locked, request=request)
    return locked


# --- Bookings -----------------------------------------------------------------------------------------


def _move(booking: Booking, to_status: str, *, by: User | None, reason: str = "") -> Booking:
    from_status = booking.status
    booking.status = to_status
    booking.updated_at = timezone.now()
    booking.save(update_fields=["status", "updated_at"])
    BookingEvent.objects.create(booking=booking, from_status=from_status, to_status=to_status, by=by, reason=reason)
    return booking


def _promote_waiting(session: TrainingSession, *, by: User | None) -> list[Booking]:
    """Fill free places from the waiting list, first come first served. The caller holds the session lock."""
    held = session.bookings.filter(status__in=Booking.HOLDS_PLACE).count()
    free = session.capacity - held
    if free <= 0:
        return []
    promoted = []
    for booking in (
        session.bookings.select_for_update().filter(status=Booking.Status.WAITING).order_by("created_at", "pk")[:free]
    ):
        _move(booking, Booking.Status.BOOKED, by=by, reason="A place became free")
        _notify("booking_promoted", booking_id=booking.pk)
        promoted.append(booking)
    return promoted


def course_already_booked_message(booking: Booking) -> str:
    session = booking.session
    local = timezone.localtime(session.starts_at)
    when = f"{local:%a} {local.day} {local:%b %Y, %H:%M}"
    if booking.status == Booking.Status.WAITING:
        return (
            f"You are already on the waiting list for '{session.course}' on {when}. "
            "Leave that waiting list first if you want this session instead."
        )
    return (
        f"You are already booked on '{session.course}' on {when}. "
        "Cancel that booking first if you want this session instead."
    )


@transaction.atomic
def booking_create(*, session: TrainingSession, user: User, by: User | None = None) -> Booking:
    """Book a place, or join the waiting list when the session is full."""
    # Every booking change for a session locks the session row first, so places are never oversold.
    locked = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if locked.cancelled_at is not None:
        raise TrainingError("This session has been cancelled. Choose another session.")
    if locked.starts_at <= timezone.now():
        raise TrainingError("This session has already started. Choose a later session.")
    existing = locked.bookings.filter(user=user).exclude(status=Booking.Status.CANCELLED).first()
    if existing is not None:
        raise TrainingError(f"You are already {existing.get_status_display().lower()} for this session.")
    # One place per course: the person's row is locked too, so two sessions of a course booked at once (each
    # under its own session lock) are checked one after the other.
    User.objects.select_for_update().only("pk").get(pk=user.pk)
    other = booking_on_course(user, locked.course_id)
    if other is not None:
        raise TrainingError(course_already_booked_message(other))
    held = locked.bookings.filter(status__in=Booking.HOLDS_PLACE).count()
    status = Booking.Status.BOOKED if held < locked.capacity else Booking.Status.WAITING
    try:
        with transaction.atomic():
            booking = Booking.objects.create(session=locked, user=user, status=status)
    except IntegrityError:
        raise TrainingError("You are already booked for this session.") from None
    BookingEvent.objects.create(booking=booking, to_status=status, by=by or user)
    return booking


@transaction.atomic
def booking_cancel(*, booking: Booking, by: User) -> Booking:
    """Give up a place (or leave the waiting list); the next person waiting gets the place."""
    session = TrainingSession.objects.select_for_update().get(pk=booking.session_id)
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status not in (Booking.Status.BOOKED, Booking.Status.WAITING):
        raise TrainingError(f"This booking is {booking.get_status_display().lower()}, so it cannot be cancelled.")
    if session.starts_at <= timezone.now():
        raise TrainingError("This session has already started, so the booking cannot be cancelled.")
    _move(booking, Booking.Status.CANCELLED, by=by, reason="Cancelled by the attendee" if by == booking.user else "")
    _promote_waiting(session, by=None)
    return booking


@transaction.atomic
def attendance_mark(*, session: TrainingSession, by: User, attended: set[int], no_show: set[int], request=None) -> dict:
    """Record, in bulk, who attended and who did not (booking ids). Only places held can be marked."""
    locked = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if locked.starts_at > timezone.now():
        raise TrainingError("You can mark attendance once the session has started.")
    overlap = attended & no_show
    if overlap:
        raise TrainingError("Someone is marked both as attended and as not attending. Choose one for each person.")
    changed = {"attended": 0, "no_show": 0}
    for booking in locked.bookings.select_for_update().filter(
        pk__in=attended | no_show, status__in=Booking.HOLDS_PLACE
    ):
        to_status = Booking.Status.ATTENDED if booking.pk in attended else Booking.Status.NO_SHOW
        if booking.status != to_status:
            _move(booking, to_status, by=by, reason="Attendance marked")
            changed["attended" if to_status == Booking.Status.ATTENDED else "no_show"] += 1
    audit_record(action="training.attendance_marked", actor=by, obj=locked, details=changed, request=request)
    return changed


# --- Feedback -----------------------------------------------------------------------------------------


@transaction.atomic
def feedback_submit(*, booking: Booking, rating: int, comment: str = "") -> Feedback:
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status != Booking.Status.ATTENDED:
        raise TrainingError("Feedback is for people who attended the session.")
    if Feedback.objects.filter(booking=booking).exists():
        raise TrainingError("You have already left feedback for this session. Thank you.")
    if not 1 <= rating <= 5:
        raise TrainingError("Give a rating from 1 to 5.")
    return Feedback.objects.create(booking=booking, rating=rating, comment=comment)


__all__ = [
    "Action",
    "TrainingError",
    "attendance_mark",
    "booking_cancel",
    "booking_create",
    "course_save",
    "feedback_submit",
    "requirements_set",
    "session_cancel",
    "session_schedule",
    "session_update",
]
