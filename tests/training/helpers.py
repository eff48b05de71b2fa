"""Helpers other apps' tests use to switch the training gate on and satisfy it.

course = require_course("press_office", "approve", title="Responding to journalists")
certify(approver, course)
"""

from django.utils import timezone

from training.models import Certification, Course, CourseRequirement


def require_course(kind: str, action: str, *, title: str = "Twitter basics", validity_months: int = 12) -> Course:
    """Make the course (by title) a requirement to do `action` for accounts of `kind`."""
    course, _ = Course.objects.get_or_create(title=title, defaults={"validity_months": validity_months})
    CourseRequirement.objects.get_or_create(course=course, account_kind=str(kind), action=str(action))
    return course


def certify(user, course: Course, *, at=None) -> Certification:
    """Certify the user in the course as of `at` (default now), valid for the course's validity period."""
    at = at or timezone.now()
    certification, _ = Certification.objects.update_or_create(
        user=user, course=course, defaults={"certified_at": at, "expires_at": course.expiry_from(at)}
    )
    return certification
