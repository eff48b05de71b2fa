"""Training jobs: notification emails and the daily reminders. Each takes ids, loads, and is safe to run twice."""

import datetime as dt
import logging
import math

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core import notices
from core.queues import enqueue_or_run_here
from training.models import Booking, Certification, ReminderSent

logger = logging.getLogger(__name__)

REMINDER_DAYS = {ReminderSent.Kind.EXPIRY_30: 30, ReminderSent.Kind.EXPIRY_7: 7}


def enqueue_notification(kind: str, **ids) -> None:
    enqueue_or_run_here("default", "training.jobs.send_notification", kind, **ids)


def _link(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def _send(*, to: str, subject: str, template: str, context: dict) -> None:
    body = render_to_string(f"training/email/{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


def send_notification(kind: str, *, booking_id: int) -> None:
    """One-off notices about a booking: a place came free for you, or your session was cancelled."""
    booking = Booking.objects.select_related("user", "session__course").filter(pk=booking_id).first()
    if booking is None:
        return
    context = {
        "booking": booking,
        "session": booking.session,
        "url": _link("training:session_detail", booking.session_id),
    }
    if kind == "booking_promoted" and booking.status == Booking.Status.BOOKED:
        _send(
            to=booking.user.email,
            subject=f"You have a place: {booking.session.course}",
            template="promoted",
            context=context,
        )
    elif kind == "session_cancelled":
        _send(
            to=booking.user.email,
            subject=f"Cancelled: {booking.session.course}",
            template="session_cancelled",
            context=context,
        )


def _send_once(
    *, kind: str, key: str, user, template: str, subject: str, context: dict, notice: str = "", **links
) -> bool:
    """Record the reminder and send it in one transaction: a second run (or worker) finds the record and stops.
    Someone who chose no email about `notice` (core.notices) gets none; the record still says it was due, and
    the app's in-app notices hear of it from the record."""
    try:
        with transaction.atomic():
            _, created = ReminderSent.objects.get_or_create(key=key, defaults={"kind": kind, "user": user, **links})
            if not created:
                return False
            if notice and not notices.emails_wanted(notice, [user.pk]):
                return True
            _send(to=user.email, subject=subject, template=template, context=context)
    except IntegrityError:
        return False
    return True


def send_reminders(*, at: dt.datetime | None = None) -> dict:
    """Daily: certifications expiring in 30 and 7 days, and sessions booked for tomorrow. Each is sent once."""
    at = at or timezone.now()
    sent = {"expiry_30": 0, "expiry_7": 0, "session_tomorrow": 0}
    my_training = _link("training:my_training")
    for kind, days in REMINDER_DAYS.items():
        lower = at + dt.timedelta(days=7) if kind == ReminderSent.Kind.EXPIRY_30 else at
        certifications = Certification.objects.filter(
            expires_at__gt=lower, expires_at__lte=at + dt.timedelta(days=days)
        ).select_related("user", "course")
        for c in certifications:
            if not c.user.is_active:
                continue
            key = f"{kind}:{c.pk}:{c.expires_at:%Y%m%d%H%M}"
            if _send_once(
                kind=kind,
                key=key,
                user=c.user,
                certification=c,
                notice="certification_lapsing",
                template="expiry",
                subject=f"Your '{c.course}' certification expires on {timezone.localtime(c.expires_at):%-d %B %Y}",
                context={
                    "certification": c,
                    "days": math.ceil((c.expires_at - at) / dt.timedelta(days=1)),
                    "url": my_training,
                },
            ):
                sent[kind] += 1

    tomorrow_end = timezone.make_aware(
        dt.datetime.combine(timezone.localtime(at).date() + dt.timedelta(days=2), dt.time.min)
    )
    bookings = Booking.objects.filter(
        status=Booking.Status.BOOKED,
        session__cancelled_at__isnull=True,
        session__starts_at__gt=at,
        session__starts_at__lt=tomorrow_end,
    ).select_related("user", "session__course", "session__trainer")
    for b in bookings:
        key = f"session_tomorrow:{b.pk}:{b.session.starts_at:%Y%m%d%H%M}"
        if _send_once(
            kind=ReminderSent.Kind.SESSION_TOMORROW,
            key=key,
            user=b.user,
            booking=b,
            template="session_tomorrow",
            subject=f"Reminder: {b.session.course}, {timezone.localtime(b.session.starts_at):%A %-d %B at %H:%M}",
            context={"booking": b, "session": b.session, "url": _link("training:session_detail", b.session_id)},
        ):
            sent["session_tomorrow"] += 1
    logger.info("Training reminders sent: %s", sent)
    return sent
