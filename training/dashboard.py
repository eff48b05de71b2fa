"""The trainer's home panel: their sessions, not an inbox. Upcoming workshops and one-to-ones, past workshops whose
attendance is still to record, one-to-ones whose follow-up (the feedback they owe) is due, and people whose
certification lapses soon. Five small queries, each limited."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import User
from training.models import Booking, Certification, OneToOneSession, TrainingSession

UPCOMING_DAYS = 14
LAPSING_DAYS = 30
ROWS = 10


@dataclass
class TrainerPanel:
    upcoming: list[TrainingSession]  # annotated with booked_count
    one_to_ones: list[OneToOneSession]
    attendance_due: list[TrainingSession]  # annotated with unrecorded
    follow_ups_due: list[OneToOneSession]
    lapsing: list[Certification]

    @property
    def empty(self) -> bool:
        return not (self.upcoming or self.one_to_ones or self.attendance_due or self.follow_ups_due or self.lapsing)


def trainer_panel(user: User, *, now: datetime | None = None) -> TrainerPanel:
    now = now or timezone.now()
    today = timezone.localdate(now)
    mine = TrainingSession.objects.filter(trainer=user, cancelled_at__isnull=True).select_related("course")
    upcoming = list(
        mine.filter(starts_at__gt=now, starts_at__lte=now + timedelta(days=UPCOMING_DAYS))
        .annotate(booked_count=Count("bookings", filter=Q(bookings__status=Booking.Status.BOOKED)))
        .order_by("starts_at", "pk")[:ROWS]
    )
    # Started and not yet marked: someone is still "booked" on a session that has begun.
    attendance_due = list(
        mine.filter(starts_at__lte=now, starts_at__gt=now - timedelta(days=90))
        .annotate(unrecorded=Count("bookings", filter=Q(bookings__status=Booking.Status.BOOKED)))
        .filter(unrecorded__gt=0)
        .order_by("-starts_at", "-pk")[:ROWS]
    )
    one_to_ones = OneToOneSession.objects.filter(trainer=user).select_related("trainee", "course")
    upcoming_one_to_ones = list(
        one_to_ones.filter(held_at__gt=now, held_at__lte=now + timedelta(days=UPCOMING_DAYS)).order_by("held_at")[:ROWS]
    )
    follow_ups_due = list(
        one_to_ones.filter(follow_up_on__isnull=False, follow_up_on__lte=today + timedelta(days=7))
        .filter(follow_up_on__gte=today - timedelta(days=30))
        .order_by("follow_up_on", "pk")[:ROWS]
    )
    lapsing = list(
        Certification.objects.filter(
            expires_at__gt=now, expires_at__lte=now + timedelta(days=LAPSING_DAYS), user__is_active=True
        )
        .select_related("user", "course")
        .order_by("expires_at", "pk")[:ROWS]
    )
    return TrainerPanel(
        upcoming=upcoming,
        one_to_ones=upcoming_one_to_ones,
        attendance_due=attendance_due,
        follow_ups_due=follow_ups_due,
        lapsing=lapsing,
    )
