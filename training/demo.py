"""The demo training programme: courses, the requirement matrix, weekly sessions and certifications.

Everyone in the demo is trained except policy.officer@dovecote.example, who is left untrained so the
demo (and the browser tests) can show the gate refusing a draft and naming the next session.
"""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from accounts.demo import DEMO_USERS
from accounts.models import User
from training.models import (
    Action,
    Booking,
    Certification,
    CertificationAward,
    Course,
    CourseRequirement,
    Exemption,
    Feedback,
    OneToOneSession,
    TrainingSession,
)

TRAINER_EMAIL = "trainer@dovecote.example"
UNTRAINED_EMAIL = "policy.officer@dovecote.example"
SERIES_WEEKS = 8

ALL_KINDS = ["corporate", "press_office", "personal"]

# title, audience, outline, validity months, [(kinds, actions)], (weekday 0=Mon, hour, minute), place, online
PROGRAMME = [
    (
        "Twitter basics",
        "Everyone who drafts, approves or replies for a departmental account.",
        "How X works; the department's voice and tone; accessibility (alt text, camel-case hashtags, plain "
        "English); the approval workflow in Dovecote; what never to post; the civil service code and "
        "political impartiality.",
        12,
        [(ALL_KINDS, ["draft", "approve", "reply"])],
        (1, 10, 0),
        "Room 4, 2 Marsham Street",
        "",
    ),
    (
        "Setting up and securing your account",
        "Approvers, leads and responsible persons for an account.",
        "Strong passwords and authenticator apps; who holds the credentials; revoking access when someone "
        "leaves; spotting phishing and impersonation; what to do if an account is compromised.",
        12,
        [(ALL_KINDS, ["approve"])],
        (2, 14, 0),
        "",
        "https://meet.dovecote.example/secure-your-account",
    ),
    (
        "Monitoring with searches, hashtags and lists",
        "Anyone who works an inbox.",
        "Writing searches with the X query language; hashtags and lists worth watching; reading a spike; "
        "routing mentions to the right team; keeping within the read budget.",
        24,
        [(["corporate", "press_office"], ["reply"])],
        (3, 10, 30),
        "Room 2, 2 Marsham Street",
        "",
    ),
    (
        "Responding to journalists",
        "Press officers and anyone replying for the press office.",
        "What counts as a media enquiry; on and off the record; lines to take; when to take it offline; "
        "deadlines and the duty press officer; recording what was said.",
        12,
        [(["press_office"], ["approve", "reply"])],
        (1, 14, 0),
        "Press Office briefing room",
        "",
    ),
    (
        "Live coverage of events and visits",
        "Staff covering ministerial visits, launches and events.",
        "Planning a thread; photos, consent and alt text; live-posting with approvals in place; the pre-election "
        "period; handling questions on the day.",
        24,
        [(["personal"], ["draft"]), (["corporate"], ["draft"])],
        (4, 10, 0),
        "",
        "https://meet.dovecote.example/live-coverage",
    ),
    (
        "Handling complaints and passing them on",
        "Anyone replying to the public.",
        "Recognising a complaint; the department's complaints procedure; personal data in public replies; "
        "passing it on to the right team with a note; closing the loop.",
        12,
        [(["corporate"], ["reply"])],
        (0, 11, 0),
        "Room 4, 2 Marsham Street",
        "",
    ),
    (
        "Crisis and rebuttal",
        "Approvers and leads for the corporate and press office accounts.",
        "The crisis protocol; holding lines; publishing freezes; correcting misinformation without amplifying "
        "it; rebuttal sign-off; working with the press office out of hours.",
        12,
        [(["corporate"], ["approve"])],
        (3, 15, 0),
        "Room 1, 2 Marsham Street",
        "",
    ),
]

# Certifications that run out within 30 days, so the team matrix and reminders have something to show.
EXPIRING_SOON = {
    ("comms.officer@dovecote.example", "Twitter basics"),
    ("comms.approver@dovecote.example", "Crisis and rebuttal"),
    ("cs.officer@dovecote.example", "Handling complaints and passing them on"),
    ("press.officer@dovecote.example", "Responding to journalists"),
}
# An exemption instead of a certification, shown on the Press Office matrix.
EXEMPTION = (
    "press.lead@dovecote.example",
    "Setting up and securing your account",
    "Completed the equivalent course at the Cabinet Office; waiting for the record to transfer.",
)

FEEDBACK = [
    (5, "Clear and practical. The examples from our own accounts helped."),
    (4, "Good session; could have had more time on alt text."),
    (5, "Finally understand the approval workflow."),
]


def _next_weekday(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7 or 7)


def _is_holiday(day: dt.date) -> bool:
    """No workshops on Christmas Day, Boxing Day or New Year's Day."""
    return (day.month, day.day) in {(12, 25), (12, 26), (1, 1)}


def _at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@transaction.atomic
def seed() -> None:
    trainer = User.objects.get(email=TRAINER_EMAIL)
    now = timezone.now()
    today = timezone.localdate()
    courses = []
    for title, audience, outline, months, cells, (weekday, hour, minute), place, online in PROGRAMME:
        course, _ = Course.objects.update_or_create(
            title=title, defaults={"audience": audience, "outline": outline, "validity_months": months}
        )
        courses.append(course)
        for kinds, actions in cells:
            for kind in kinds:
                for action in actions:
                    CourseRequirement.objects.get_or_create(course=course, account_kind=kind, action=Action(action))
        if not TrainingSession.objects.filter(course=course, starts_at__gt=now).exists():
            first = _next_weekday(today, weekday)
            series = TrainingSession.new_series_id()
            for week in range(SERIES_WEEKS):
                day = first + dt.timedelta(weeks=week)
                if _is_holiday(day):
                    continue
                TrainingSession.objects.create(
                    course=course,
                    starts_at=_at(day, hour, minute),
                    duration_minutes=90,
                    location=place,
                    online_url=online,
                    trainer=trainer,
                    capacity=12,
                    series=series,
                )

    people = [User.objects.get(email=row[0]) for row in DEMO_USERS if row[0] != UNTRAINED_EMAIL]
    basics = courses[0]

    # A past workshop with attendance and feedback, so the trainer's pages have something to show.
    past = TrainingSession.objects.filter(course=basics, starts_at__lt=now).first()
    if past is None:
        past = TrainingSession.objects.create(
            course=basics,
            starts_at=_at(_next_weekday(today - dt.timedelta(days=21), 1), 10, 0),
            location="Room 4, 2 Marsham Street",
            trainer=trainer,
            capacity=12,
        )
        for person, (rating, comment) in zip(people[1:4], FEEDBACK, strict=False):
            booking = Booking.objects.create(session=past, user=person, status=Booking.Status.ATTENDED)
            Feedback.objects.create(booking=booking, rating=rating, comment=comment)

    for index, person in enumerate(people):
        for number, course in enumerate(courses):
            if (person.email, course.title) == EXEMPTION[:2]:
                continue
            if Certification.objects.filter(user=person, course=course).exists():
                continue
            if (person.email, course.title) in EXPIRING_SOON:
                certified_at = now - relativedelta(months=course.validity_months) + dt.timedelta(days=18)
            else:
                # Spread certification dates over the past year so expiry dates vary.
                certified_at = now - relativedelta(months=(index + number) % 10, days=3)
            certification = Certification.objects.create(
                user=person, course=course, certified_at=certified_at, expires_at=course.expiry_from(certified_at)
            )
            CertificationAward.objects.create(
                certification=certification,
                awarded_at=certified_at,
                expires_at=certification.expires_at,
                awarded_by=trainer,
            )

    email, title, reason = EXEMPTION
    exempt_user = User.objects.get(email=email)
    if not Exemption.objects.filter(user=exempt_user).exists():
        Exemption.objects.create(
            user=exempt_user,
            course=Course.objects.get(title=title),
            reason=reason,
            expires_at=now + dt.timedelta(days=28),
            granted_by=User.objects.get(email="admin@dovecote.example"),
        )

    untrained = User.objects.get(email=UNTRAINED_EMAIL)
    if not OneToOneSession.objects.filter(trainee=untrained).exists():
        OneToOneSession.objects.create(
            trainee=untrained,
            trainer=trainer,
            course=basics,
            topic="Getting started before Twitter basics",
            notes="Walked through the approval workflow. Booked on the next Twitter basics workshop.",
            held_at=now - dt.timedelta(days=2),
            follow_up_on=today + dt.timedelta(days=14),
        )
        upcoming = TrainingSession.objects.upcoming(now).filter(course=basics).first()
        if upcoming is not None:
            Booking.objects.get_or_create(session=upcoming, user=untrained, defaults={"status": Booking.Status.BOOKED})
