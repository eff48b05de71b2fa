"""Reads that need care: what each person must hold, and the team training matrix, in a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from accounts.models import Membership, Team, TwitterAccount, User
from training.models import Action, Booking, Certification, Course, CourseRequirement, Exemption

EXPIRING_WITHIN = timedelta(days=30)


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
    from training.policy import ACTION_PHRASES, KIND_PHRASES

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


class Standing:
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
            Standing.CURRENT: "Current",
            Standing.EXPIRING: "Expiring soon",
            Standing.MISSING: "Missing",
            Standing.EXEMPT: "Exempt",
            Standing.NOT_REQUIRED: "Not required",
        }[self.standing]

    @property
    def tag_class(self) -> str:
        return {
            Standing.CURRENT: "govuk-tag--green",
            Standing.EXPIRING: "govuk-tag--yellow",
            Standing.MISSING: "govuk-tag--red",
            Standing.EXEMPT: "govuk-tag--blue",
            Standing.NOT_REQUIRED: "govuk-tag--grey",
        }[self.standing]


@dataclass
class MatrixRow:
    membership: Membership
    cells: list[Cell]

    @property
    def trained_to_standard(self) -> bool:
        return all(c.standing != Standing.MISSING for c in self.cells)


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
    user_ids = [m.user_id for m in memberships]
    certifications = {
        (c.user_id, c.course_id): c
        for c in Certification.objects.filter(user_id__in=user_ids, course_id__in=list(courses))
    }
    exemptions = defaultdict(list)
    for e in (
        Exemption.objects.current(at)
        .filter(user_id__in=user_ids)
        .filter(Q(course__isnull=True) | Q(course_id__in=list(courses)))
    ):
        exemptions[e.user_id].append(e)

    ordered_courses = sorted(courses.values(), key=lambda c: c.title)
    rows = []
    for membership in memberships:
        cells = []
        for course in ordered_courses:
            certification = certifications.get((membership.user_id, course.pk))
            exemption = next((e for e in exemptions[membership.user_id] if e.covers(course.pk)), None)
            if course.pk not in needed_by_role[membership.role]:
                standing = Standing.NOT_REQUIRED
                if certification is not None and certification.is_current(at):
                    standing = Standing.CURRENT
            elif certification is not None and certification.is_current(at):
                standing = Standing.EXPIRING if certification.expires_at - at <= EXPIRING_WITHIN else Standing.CURRENT
            elif exemption is not None:
                standing = Standing.EXEMPT
            else:
                standing = Standing.MISSING
            cells.append(Cell(course=course, standing=standing, certification=certification, exemption=exemption))
        rows.append(MatrixRow(membership=membership, cells=cells))
    return TeamMatrix(team=team, courses=ordered_courses, rows=rows)
