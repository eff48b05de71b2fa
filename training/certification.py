"""Training certification and exemptions: awarding (at a session or a one-to-one), renewing, and granting
or ending exemptions. The two ways past the training gate; each change is atomic and recorded."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_record
from core import freshness
from training.models import (
    Booking,
    Certification,
    CertificationAward,
    Course,
    Exemption,
    OneToOneSession,
    TrainingSession,
)
from training.services import TrainingError

ONE_TO_ONE_NOT_HELD_YET = (
    "A one-to-one can award certification only once it has been held. Record it after the session."
)


# --- Certification ------------------------------------------------------------------------------------


def _check_awarder(*, by: User | None, user: User) -> None:
    """Awarding certification opens the training gate, so it asks what approving asks: an authenticator app, and
    someone other than the person certified."""
    if by is None:
        return
    if by.pk == user.pk:
        raise TrainingError("You cannot certify yourself. Ask another trainer to award your certification.")
    if not by.has_mfa():
        raise TrainingError(
            "Set up an authenticator app before you award certification (Account, then Two-factor authentication)."
        )


@transaction.atomic
def certification_award(
    *,
    user: User,
    course: Course,
    by: User | None,
    at: dt.datetime | None = None,
    session: TrainingSession | None = None,
    one_to_one: OneToOneSession | None = None,
    request=None,
) -> Certification:
    """Certify, or renew: the new expiry is validity from `at`, never earlier than an unexpired one.

    `at` is when the training happened: inside the session or at the one-to-one it was earned at, never in the
    future, so the certification is current from the moment it is awarded."""
    now = timezone.now()
    at = at or now
    _check_awarder(by=by, user=user)
    if session is not None and not session.starts_at <= at <= session.ends_at:
        raise TrainingError(
            "A certification earned at a session is dated during the session. Award it from the session's page."
        )
    if at > now:
        raise TrainingError("A certification cannot be dated in the future. Award it once the training has happened.")
    if one_to_one is not None and at != one_to_one.held_at:
        raise TrainingError("A certification earned at a one-to-one is dated when the one-to-one was held.")
    expires_at = course.expiry_from(at)
    certification = Certification.objects.select_for_update().filter(user=user, course=course).first()
    renewal = certification is not None
    if certification is None:
        try:
            with transaction.atomic():
                certification = Certification.objects.create(
                    user=user, course=course, certified_at=at, expires_at=expires_at
                )
        except IntegrityError:
            certification = Certification.objects.select_for_update().get(user=user, course=course)
            renewal = True
    if renewal:
        certification.certified_at = at
        certification.expires_at = max(certification.expires_at, expires_at)
        certification.save(update_fields=["certified_at", "expires_at"])
    CertificationAward.objects.create(
        certification=certification,
        awarded_at=at,
        expires_at=certification.expires_at,
        awarded_by=by,
        session=session,
        one_to_one=one_to_one,
        renewal=renewal,
    )
    audit_record(
        action="training.certification_renewed" if renewal else "training.certification_awarded",
        actor=by,
        obj=certification,
        details={
            "user": user.email,
            "course": course.title,
            "expires_at": certification.expires_at.isoformat(),
            "session": session.pk if session else None,
            "one_to_one": one_to_one.pk if one_to_one else None,
        },
        request=request,
    )
    return certification


@transaction.atomic
def certification_award_for_session(
    *, session: TrainingSession, by: User, booking_ids: set[int], request=None
) -> list[Certification]:
    """Certify attendees who completed the course at this session (only those marked as attended)."""
    bookings = list(
        session.bookings.filter(pk__in=booking_ids, status=Booking.Status.ATTENDED).select_related("user", "session")
    )
    if len(bookings) != len(booking_ids):
        raise TrainingError("Only people marked as attended can be certified. Mark attendance first.")
    # Dated from the attendance it rewards (the session's start), so it is current as soon as it is awarded,
    # even while the session is still running.
    return [
        certification_award(
            user=b.user, course=session.course, by=by, at=session.starts_at, session=session, request=request
        )
        for b in bookings
    ]


# --- One-to-ones --------------------------------------------------------------------------------------


@transaction.atomic
def one_to_one_record(
    *,
    trainer: User,
    trainee: User,
    topic: str,
    notes: str = "",
    held_at: dt.datetime | None = None,
    follow_up_on: dt.date | None = None,
    course: Course | None = None,
    award: bool = False,
    request=None,
) -> OneToOneSession:
    held_at = held_at or timezone.now()
    if award:
        if course is None:
            raise TrainingError("Choose the course to certify the trainee in.")
        _check_awarder(by=trainer, user=trainee)
        if held_at > timezone.now():
            raise TrainingError(ONE_TO_ONE_NOT_HELD_YET)
    one_to_one = OneToOneSession.objects.create(
        trainer=trainer,
        trainee=trainee,
        topic=topic,
        notes=notes,
        held_at=held_at,
        follow_up_on=follow_up_on,
        course=course,
    )
    audit_record(
        action="training.one_to_one_recorded",
        actor=trainer,
        obj=one_to_one,
        details={"trainee": trainee.email, "topic": topic},
        request=request,
    )
    if award:
        certification_award(
            user=trainee, course=course, by=trainer, at=one_to_one.held_at, one_to_one=one_to_one, request=request
        )
    return one_to_one


# --- Exemptions ---------------------------------------------------------------------------------------


@transaction.atomic
def exemption_grant(
    *,
    actor: User,
    user: User,
    reason: str,
    expires_at: dt.datetime,
    course: Course | None = None,
    request=None,
) -> Exemption:
    if not actor.is_admin:
        raise TrainingError("Only admins can grant exemptions from training.")
    if not reason.strip():
        raise TrainingError("Give the reason for the exemption; it is kept in the audit trail.")
    if expires_at <= timezone.now():
        raise TrainingError("The exemption must end in the future.")
    exemption = Exemption.objects.create(
        user=user, course=course, reason=reason.strip(), expires_at=expires_at, granted_by=actor
    )
    audit_record(
        action="training.exemption_granted",
        actor=actor,
        obj=exemption,
        details={
            "user": user.email,
            "course": course.title if course else "all training",
            "reason": exemption.reason,
            "expires_at": expires_at.isoformat(),
        },
        request=request,
    )
    return exemption


@transaction.atomic
def exemption_revoke(*, actor: User, exemption: Exemption, request=None) -> Exemption:
    if not actor.is_admin:
        raise TrainingError("Only admins can end exemptions.")
    updated = Exemption.objects.filter(pk=exemption.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    freshness.changed("training")  # update() sends no save signals
    exemption.refresh_from_db()
    if updated:
        audit_record(action="training.exemption_revoked", actor=actor, obj=exemption, request=request)
    return exemption
