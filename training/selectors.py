"""Reads that need care: a person's training standing, what each person must hold, and the team training matrix,
in a fixed number of queries.

`standing` is the one place that says whether a person holds a course at a moment: the gates
(training.policy.check), the team matrix, the my-training page and the dashboard's training panel all ask it.
"Current" itself is Certification.is_current (CertificationQuerySet.current in SQL, which
training.policy.trained_for uses); tests/training/test_standing.py checks the two agree.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from accounts.models import Membership, Team, TwitterAccount, User
from core import freshness
from training.models import Action, Booking, Certification, Course, CourseRequirement, Exemption

EXPIRING_WITHIN = timedelta(days=30)

ACTION_PHRASES = {
    Action.DRAFT: "draft posts",
    Action.APPROVE: "approve posts",
    Action.REPLY: "reply to mentions",
}

KIND_PHRASES = {
    TwitterAccount.Kind.CORPORATE: "corporate accounts",
    TwitterAccount.Kind.PRESS_OFFICE: "press office accounts",
    TwitterAccount.Kind.PERSONAL: "personal accounts",
}


# --- Standing ------------------------------------------------------------------------------------------


def _course_id(need) -> int:
    """A course id from a course id, a Course, or anything with a `course` (a Need, a requirement)."""
    if isinstance(need, int):
        return need
    if isinstance(need, Course):
        return need.pk
    return need.course.pk


@dataclass
class Standing:
    """A person's training at one moment (`at`): their certifications and their exemptions in force.

    A course is covered when the person holds a current certification in it (certified at or before `at`,
    expiring after it) or an exemption in force covers it (one for that course, or a blanket one for all
    training). A current certification is expiring when it ends within EXPIRING_WITHIN of `at`; it still counts.
    """

    at: datetime
    certifications: dict[int, Certification] = field(default_factory=dict)  # course id -> theirs, current or not
    exemptions: list[Exemption] = field(default_factory=list)  # in force at `at`

    @property
    def current(self) -> dict[int, Certification]:
        return {cid: c for cid, c in self.certifications.items() if c.is_current(self.at)}

    @property
    def expiring(self) -> list[Certification]:
        """Current certifications that end within EXPIRING_WITHIN, soonest first."""
        return sorted((c for c in self.current.values() if self._ends_soon(c)), key=lambda c: c.expires_at)

    @property
    def expired(self) -> dict[int, Certification]:
        return {cid: c for cid, c in self.certifications.items() if c.expires_at <= self.at}

    @property
    def exempt_from_all(self) -> bool:
        return any(e.course_id is None for e in self.exemptions)

    def _ends_soon(self, certification: Certification) -> bool:
        return certification.expires_at - self.at <= EXPIRING_WITHIN

    def holds(self, course_id: int) -> bool:
        certification = self.certifications.get(course_id)
        return certification is not None and certification.is_current(self.at)

    def is_expiring(self, course_id: int) -> bool:
        return self.holds(course_id) and self._ends_soon(self.certifications[course_id])

    def exemption_for(self, course_id: int) -> Exemption | None:
        """The exemption in force for the course: one for the course itself before a blanket one."""
        covering = [e for e in self.exemptions if e.covers(course_id)]
        return min(covering, key=lambda e: e.course_id is None, default=None)

    def covers(self, course_id: int) -> bool:
        return self.holds(course_id) or self.exemption_for(course_id) is not None

    def missing(self, needs: Iterable) -> list:
        """The needs (course ids, courses, or Needs) this standing does not cover, in their order."""
        return [need for need in needs if not self.covers(_course_id(need))]


def standings(user_ids: Iterable[int], *, at=None, course_ids: Iterable[int] | None = None) -> dict[int, Standing]:
    """User id -> Standing at `at` (default now), for every course or only `course_ids` (two queries)."""
    at = at or timezone.now()
    user_ids = list(user_ids)
    found = {user_id: Standing(at=at) for user_id in user_ids}
    certifications = Certification.objects.filter(user_id__in=user_ids).select_related("course").order_by()
    exemptions = Exemption.objects.current(at).filter(user_id__in=user_ids).select_related("course")
    if course_ids is not None:
        course_ids = list(course_ids)
        certifications = certifications.filter(course_id__in=course_ids)
        exemptions = exemptions.filter(Q(course__isnull=True) | Q(course_id__in=course_ids))
    for certification in certifications:
        found[certification.user_id].certifications[certification.course_id] = certification
    for exemption in exemptions:
        found[exemption.user_id].exemptions.append(exemption)
    return found


def standing(user: User, *, at=None, course_ids: Iterable[int] | None = None) -> Standing:
    """The user's Standing at `at` (default now), for every course or only `course_ids` (two queries)."""
    return standings([user.pk], at=at, course_ids=course_ids)[user.pk]


def actions_for_role(role: str) -> set[str]:
    """Members draft and reply; approvers and leads also approve."""
    actions = {Action.DRAFT.value, Action.REPLY.value}
    if role in (Membership.Role.APPROVER, Membership.Role.LEAD):
        actions.add(Action.APPROVE.value)
    return actions


def requirements_by_cell() -> dict[tuple[str, str], list[Course]]:
    """(account kind, action) -> the courses it requires, by title (one query)."""
    cells: dict[tuple[str, str], list[Course]] = defaultdict(list)
    for r in CourseRequirement.objects.select_related("course").order_by("course__title"):
        cells[(r.account_kind, r.action)].append(r.course)
    return cells


@dataclass
class Need:
    course: Course
    reasons: list[str] = field(default_factory=list)  # e.g. "approve posts for press office accounts"


def account_kinds_by_team(team_ids) -> dict[int, set[str]]:
    """Team id -> the kinds of X account it owns (one query)."""
    kinds = defaultdict(set)
    for team_id, kind in TwitterAccount.objects.filter(team_id__in=team_ids).order_by().values_list("team_id", "kind"):
        kinds[team_id].add(kind)
    return dict(kinds)


def required_courses_for_user(
    user: User, *, requirements: dict | None = None, kinds_by_team: dict | None = None
) -> list[Need]:
    """Courses the user needs for the accounts their teams own, given their role in each team (2 queries, fewer
    given `requirements` as requirements_by_cell returns them, or `kinds_by_team` as account_kinds_by_team does
    for the user's teams)."""
    memberships = list(user.current_roles().items())
    if kinds_by_team is None:
        kinds_by_team = account_kinds_by_team({team_id for team_id, _ in memberships})
    cells = set()
    for team_id, role in memberships:
        for kind in kinds_by_team.get(team_id, ()):
            for action in actions_for_role(role):
                cells.add((kind, action))
    needs: dict[int, Need] = {}
    if not cells:
        return []
    requirements = requirements_by_cell() if requirements is None else requirements
    for kind, action in sorted(cells):
        for course in requirements.get((kind, action), []):
            need = needs.setdefault(course.pk, Need(course=course))
            need.reasons.append(f"{ACTION_PHRASES[Action(action)]} for {KIND_PHRASES[kind]}")
    return sorted(needs.values(), key=lambda n: n.course.title)


def booking_on_course(user: User, course_id: int, *, at=None) -> Booking | None:
    """The user's place (or waiting-list spot) on a session of the course that has not started and is not
    cancelled, if they hold one: one such booking per course is enough (one query)."""
    return (
        Booking.objects.filter(
            user_id=user.pk,
            status__in=[Booking.Status.BOOKED, Booking.Status.WAITING],
            session__course_id=course_id,
            session__starts_at__gt=at or timezone.now(),
            session__cancelled_at__isnull=True,
        )
        .select_related("session__course")
        .order_by("session__starts_at")
        .first()
    )


# --- Team matrix -------------------------------------------------------------------------------------


class CellState:
    CURRENT = "current"
    EXPIRING = "expiring"
    MISSING = "missing"
    EXEMPT = "exempt"
    NOT_REQUIRED = "not_required"


@dataclass
class Cell:
    course: Course
    standing: str
    certification: Certification | None = None
    exemption: Exemption | None = None

    @property
    def label(self) -> str:
        return {
            CellState.CURRENT: "Current",
            CellState.EXPIRING: "Expiring soon",
            CellState.MISSING: "Missing",
            CellState.EXEMPT: "Exempt",
            CellState.NOT_REQUIRED: "Not required",
        }[self.standing]

    @property
    def tag_class(self) -> str:
        return {
            CellState.CURRENT: "govuk-tag--green",
            CellState.EXPIRING: "govuk-tag--yellow",
            CellState.MISSING: "govuk-tag--red",
            CellState.EXEMPT: "govuk-tag--blue",
            CellState.NOT_REQUIRED: "govuk-tag--grey",
        }[self.standing]


@dataclass
class MatrixRow:
    membership: Membership
    cells: list[Cell]

    @property
    def trained_to_standard(self) -> bool:
        return all(c.standing != CellState.MISSING for c in self.cells)


@dataclass
class TeamMatrix:
    team: Team
    courses: list[Course]
    rows: list[MatrixRow]

    @property
    def trained_count(self) -> int:
        return sum(1 for r in self.rows if r.trained_to_standard)

    @property
    def trained_share(self) -> float:
        return self.trained_count / len(self.rows) if self.rows else 1.0

    @property
    def trained_percent(self) -> int:
        return round(self.trained_share * 100)


def team_matrix(team: Team, *, at=None) -> TeamMatrix:
    """Members × courses the team's accounts require, each cell current / expiring / missing / exempt.

    A member is trained to standard when they hold (or are exempt from) every course their role needs;
    expiring certifications still count. Five queries whatever the team's size.
    """
    at = at or timezone.now()
    memberships = list(Membership.objects.current(at).filter(team=team).select_related("user").order_by("user__email"))
    kinds = set(TwitterAccount.objects.filter(team=team).values_list("kind", flat=True))
    requirements = requirements_by_cell()
    needed_by_role: dict[str, set[int]] = {}
    courses: dict[int, Course] = {}
    for role in Membership.Role.values:
        ids = set()
        for kind in kinds:
            for action in actions_for_role(role):
                for course in requirements.get((kind, action), []):
                    ids.add(course.pk)
                    courses[course.pk] = course
        needed_by_role[role] = ids
    by_user = standings([m.user_id for m in memberships], at=at, course_ids=list(courses))

    ordered_courses = sorted(courses.values(), key=lambda c: c.title)
    rows = []
    for membership in memberships:
        mine = by_user[membership.user_id]
        cells = []
        for course in ordered_courses:
            exemption = mine.exemption_for(course.pk)
            if mine.holds(course.pk):
                state = CellState.EXPIRING if mine.is_expiring(course.pk) else CellState.CURRENT
            elif course.pk not in needed_by_role[membership.role]:
                state = CellState.NOT_REQUIRED
            elif exemption is not None:
                state = CellState.EXEMPT
            else:
                state = CellState.MISSING
            certification = mine.certifications.get(course.pk)
            cells.append(Cell(course=course, standing=state, certification=certification, exemption=exemption))
        rows.append(MatrixRow(membership=membership, cells=cells))
    return TeamMatrix(team=team, courses=ordered_courses, rows=rows)


# --- The dashboard's training panel -------------------------------------------------------------------


@dataclass
class TrainingPanel:
    expiring: list[Certification]
    missing: list[dict]
    next_booking: Booking | None


def for_dashboard(user: User, *, now: datetime, generations: dict[str, str]) -> TrainingPanel:
    """Certifications expiring within 30 days, required courses I lack, my next booked session (three queries).

    What each kind of account requires, and which kinds of account my teams own, are the same for everyone in
    those teams: they come from the cache, for the training and teams data's generations (the panel itself is
    cached for those too)."""
    requirements = cache.get_or_set(
        f"dovecote:course-requirements:{generations['training']}", requirements_by_cell, freshness.PANEL_SECONDS
    )
    team_ids = sorted(user.current_roles())  # their memberships, admins' included (teams_key says "all" for them)
    kinds_by_team = cache.get_or_set(
        f"dovecote:account-kinds:{','.join(map(str, team_ids))}:{generations['teams']}",
        lambda: account_kinds_by_team(team_ids),
        freshness.PANEL_SECONDS,
    )
    needs = required_courses_for_user(user, requirements=requirements, kinds_by_team=kinds_by_team)
    mine = standing(user, at=now)
    next_booking = (
        Booking.objects.filter(
            user=user,
            status=Booking.Status.BOOKED,
            session__starts_at__gt=now,
            session__cancelled_at__isnull=True,
        )
        .select_related("session__course")
        .order_by("session__starts_at")
        .first()
    )
    return TrainingPanel(
        expiring=mine.expiring,
        missing=[{"course": need.course, "reasons": need.reasons} for need in mine.missing(needs)],
        next_booking=next_booking,
    )
