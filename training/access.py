"""Access helpers: the only way training views load objects.

Everyone signed in sees the catalogue and upcoming sessions and manages their own bookings; trainers and
admins manage courses, sessions, attendance and certification; leads see their own teams' matrix.
Someone else's booking or one-to-one is a 404; a page for another role is a 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.access import is_lead, team_for_user
from accounts.models import Team, User
from training.models import Booking, Course, Exemption, OneToOneSession, TrainingSession


def is_trainer(user: User) -> bool:
    return user.is_active and (user.is_trainer or user.is_admin)


def require_trainer(user: User) -> None:
    if not is_trainer(user):
        raise PermissionDenied("Only trainers and admins can do that.")


def require_admin(user: User) -> None:
    if not user.is_admin:
        raise PermissionDenied("Only admins can do that.")


def courses_for_user(user: User) -> QuerySet[Course]:
    qs = Course.objects.all()
    return qs if is_trainer(user) else qs.filter(is_active=True)


def course_for_user(user: User, pk: int) -> Course:
    return get_object_or_404(courses_for_user(user), pk=pk)


def course_for_trainer(user: User, pk: int) -> Course:
    require_trainer(user)
    return get_object_or_404(Course, pk=pk)


def sessions_for_user(user: User) -> QuerySet[TrainingSession]:
    qs = TrainingSession.objects.select_related("course", "trainer")
    return qs if is_trainer(user) else qs.filter(course__is_active=True)


def session_for_user(user: User, pk: int) -> TrainingSession:
    return get_object_or_404(sessions_for_user(user), pk=pk)


def session_for_trainer(user: User, pk: int) -> TrainingSession:
    require_trainer(user)
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
    require_admin(user)
    return get_object_or_404(Exemption.objects.select_related("user", "course"), pk=pk)


def team_for_lead(user: User, pk: int) -> Team:
    """Not your team: 404. Your team but not its lead: 403."""
    team = team_for_user(user, pk)
    if not is_lead(user, team.pk):
        raise PermissionDenied("Only the team's leads and admins can see its training matrix.")
    return team
