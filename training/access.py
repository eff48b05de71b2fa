"""Access helpers: the only way training views load objects.

Everyone signed in sees the catalogue and upcoming sessions and manages their own bookings; trainers and
admins manage courses, sessions, attendance and certification; leads see their own teams' matrix.
Someone else's booking or one-to-one is a 404; a page for another role is a 403 (Refused, from training.rules).
"""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.access import is_lead, team_for_user
from accounts.models import Team, User
from core.permissions import Refused, decide, ensure
from training.models import Booking, Course, Exemption, OneToOneSession, TrainingSession


def is_trainer(user: User) -> bool:
    """Trainers and admins run training (training.manage_sessions and its siblings in training.rules)."""
    return decide(user, "training.manage_sessions").allowed


def require_trainer(user: User, perm: str = "training.manage_sessions") -> None:
    ensure(user, perm)


def require_admin(user: User) -> None:
    ensure(user, "training.grant_exemption")


def courses_for_user(user: User) -> QuerySet[Course]:
    qs = Course.objects.all()
    return qs if is_trainer(user) else qs.filter(is_active=True)


def course_for_user(user: User, pk: int) -> Course:
    return get_object_or_404(courses_for_user(user), pk=pk)


def course_for_trainer(user: User, pk: int) -> Course:
    ensure(user, "training.manage_courses")
    return get_object_or_404(Course, pk=pk)


def sessions_for_user(user: User) -> QuerySet[TrainingSession]:
    qs = TrainingSession.objects.select_related("course", "trainer")
    return qs if is_trainer(user) else qs.filter(course__is_active=True)


def session_for_user(user: User, pk: int) -> TrainingSession:
    return get_object_or_404(sessions_for_user(user), pk=pk)


def session_for_trainer(user: User, pk: int) -> TrainingSession:
    ensure(user, "training.manage_sessions")
    return get_object_or_404(TrainingSession.objects.select_related("course", "trainer"), pk=pk)


def booking_for_user(user: User, pk: int) -> Booking:
    """Your own booking; trainers and admins reach anyone's."""
    qs = Booking.objects.select_related("session__course", "user")
    if not is_trainer(user):
        qs = qs.filter(user=user)
    return get_object_or_404(qs, pk=pk)


def one_to_ones_for_user(user: User) -> QuerySet[OneToOneSession]:
    qs = OneToOneSession.objects.select_related("trainee", "trainer", "course")
    return qs if is_trainer(user) else qs.filter(trainee=user)


def one_to_one_for_user(user: User, pk: int) -> OneToOneSession:
    return get_object_or_404(one_to_ones_for_user(user), pk=pk)


def exemption_for_admin(user: User, pk: int) -> Exemption:
    ensure(user, "training.grant_exemption")
    return get_object_or_404(Exemption.objects.select_related("user", "course"), pk=pk)


def team_for_lead(user: User, pk: int) -> Team:
    """Not your team: 404. Your team but not its lead: 403."""
    team = team_for_user(user, pk)
    if not is_lead(user, team.pk):
        raise Refused("Only the team's leads and admins can see its training matrix.")
    return team
