"""The training gate: may this user draft, approve or reply for this account, and if not, why not.

`check` reads the requirement matrix for the account's kind and the action, the user's standing in those
courses (training.selectors.standing: certifications and exemptions, two queries), and (only when something is
missing) the next session of each missing course with free places: at most four queries whatever the data.
With nothing required, everyone may act. Admins are held to the same standard; only an exemption lets someone
act untrained. `trained_for` is the same check in SQL, for many people at once.
"""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import TwitterAccount, User
from core.permissions import Refused, ensure
from training.models import Action, Certification, Course, CourseRequirement, Exemption, TrainingSession
from training.selectors import ACTION_PHRASES, KIND_PHRASES, standing

__all__ = ["Action", "Decision", "TrainingRequired", "check", "ensure_allowed", "describe_session", "trained_for"]

# Enough upcoming sessions to find the next one with places for each missing course.
UPCOMING_SCAN_LIMIT = 200


@dataclass
class Decision:
    allowed: bool
    message: str = ""
    missing_courses: list[Course] = field(default_factory=list)
    next_sessions: list[TrainingSession] = field(default_factory=list)
    expired: dict[int, Certification] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.allowed


class TrainingRequired(Refused):
    """The refusal of a training gate (training.draft/approve/reply in training.rules): the reason is the
    decision's message, and the decision (missing courses, next sessions) comes with it."""

    def __init__(self, decision: Decision):
        super().__init__(decision.message)
        self.decision = decision


def check(user: User, account: TwitterAccount, action: str, *, at=None) -> Decision:
    at = at or timezone.now()
    action = Action(action)
    requirements = list(
        CourseRequirement.objects.filter(account_kind=account.kind, action=action)
        .select_related("course")
        .order_by("course__title")
    )
    if not requirements:
        return Decision(allowed=True)
    courses = [r.course for r in requirements]
    mine = standing(user, at=at, course_ids=[c.pk for c in courses])
    missing = mine.missing(courses)
    if not missing:
        return Decision(allowed=True)
    expired = {c.pk: mine.expired[c.pk] for c in missing if c.pk in mine.expired}

    next_sessions = next_sessions_with_places([c.pk for c in missing], at=at)
    decision = Decision(
        allowed=False, missing_courses=missing, next_sessions=list(next_sessions.values()), expired=expired
    )
    decision.message = refusal_message(account=account, action=action, decision=decision, next_sessions=next_sessions)
    return decision


def ensure_allowed(user: User, account: TwitterAccount, action: str) -> None:
    """Raise TrainingRequired unless the gate (training.<action>, decided by check) lets the user act."""
    ensure(user, f"training.{Action(action).value}", account)


def next_sessions_with_places(course_ids: list[int], *, at=None) -> dict[int, TrainingSession]:
    """The soonest upcoming session with a free place for each course (one query)."""
    sessions = (
        TrainingSession.objects.upcoming(at)
        .filter(course_id__in=course_ids)
        .with_places()
        .filter(places_left__gt=0)
        .select_related("course")
        .order_by("starts_at", "pk")[:UPCOMING_SCAN_LIMIT]
    )
    found: dict[int, TrainingSession] = {}
    for session in sessions:
        found.setdefault(session.course_id, session)
    return found


def describe_session(session: TrainingSession) -> str:
    """'Tue 1 Dec 2026, 10:00, Room 4 (3 places left)', in UK time."""
    local = timezone.localtime(session.starts_at)
    places = getattr(session, "places_left", None)
    text = f"{local:%a} {local.day} {local:%b %Y, %H:%M}, {session.place}"
    if places is not None:
        text += f" ({places} place{'s' if places != 1 else ''} left)"
    return text


def _course_list(courses: list[Course]) -> str:
    names = [f"'{c.title}'" for c in courses]
    if len(names) == 1:
        return f"the {names[0]} course"
    return "the " + ", ".join(names[:-1]) + f" and {names[-1]} courses"


def refusal_message(*, account, action, decision: Decision, next_sessions: dict[int, TrainingSession]) -> str:
    action_phrase = ACTION_PHRASES[Action(action)]
    kind_phrase = KIND_PHRASES.get(account.kind, "this kind of account")
    parts = [f"You need {_course_list(decision.missing_courses)} before you can {action_phrase} for {kind_phrase}."]
    for course in decision.missing_courses:
        expired = decision.expired.get(course.pk)
        if expired is not None:
            parts.append(
                f"Your '{course.title}' certification expired on {timezone.localtime(expired.expires_at):%-d %b %Y}."
            )
    multiple = len(decision.missing_courses) > 1
    for course in decision.missing_courses:
        label = f"Next '{course.title}' session" if multiple else "Next session"
        session = next_sessions.get(course.pk)
        if session is None:
            parts.append(f"{label}: none with free places yet. Ask a trainer to arrange one.")
        else:
            parts.append(f"{label}: {describe_session(session)}.")
    return " ".join(parts)


def trained_for(kind: str, action: str, *, user_field: str = "user_id", at=None) -> Exists:
    """`check(user, <an account of kind>, action).allowed` in SQL, for annotating or filtering rows that name a user
    in `user_field` (memberships, say): true when no course the kind and action require is missing, that is
    neither held current nor covered by a current exemption. The SQL twin of training.selectors.Standing.covers:
    the same querysets' `current(at)` are the definitions, and tests/training/test_standing.py holds them to
    the same answers."""
    at = at or timezone.now()
    user = OuterRef(OuterRef(user_field))
    missing = (
        CourseRequirement.objects.filter(account_kind=kind, action=action)
        .exclude(Exists(Certification.objects.current(at).filter(user_id=user, course_id=OuterRef("course_id"))))
        .exclude(
            Exists(
                Exemption.objects.current(at)
                .filter(user_id=user)
                .filter(Q(course__isnull=True) | Q(course_id=OuterRef("course_id")))
            )
        )
    )
    return ~Exists(missing)
