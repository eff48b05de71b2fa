"""Training pages: the course catalogue, the requirement matrix, and a lead's team matrix."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.access import teams_led_by
from accounts.models import TwitterAccount
from training import services
from training.access import (
    course_for_trainer,
    course_for_user,
    courses_for_user,
    is_trainer,
    require_trainer,
    sessions_for_user,
    team_for_lead,
)
from training.forms import (
    CourseForm,
    RequirementMatrixForm,
)
from training.models import (
    Action,
    CourseRequirement,
)
from training.selectors import team_matrix
from training.views.common import _ctx

# --- Catalogue and requirements -----------------------------------------------------------------------


@login_required
def course_list(request: HttpRequest) -> HttpResponse:
    courses = courses_for_user(request.user).prefetch_related(
        Prefetch("requirements", queryset=CourseRequirement.objects.order_by("account_kind", "action"))
    )
    return render(request, "training/course_list.html", _ctx(request, courses=courses))


@login_required
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    course = course_for_user(request.user, pk)
    sessions = sessions_for_user(request.user).filter(course=course).upcoming().with_places().order_by("starts_at")[:20]
    return render(request, "training/course_detail.html", _ctx(request, course=course, sessions=sessions))


@login_required
def course_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_trainer(request.user)
    course = course_for_trainer(request.user, pk) if pk else None
    form = CourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        course = services.course_save(actor=request.user, course=form.save(commit=False), request=request)
        messages.success(request, f"'{course}' saved.")
        return redirect("training:course_detail", pk=course.pk)
    return render(request, "training/course_form.html", _ctx(request, form=form, course=course))


@login_required
def requirement_matrix(request: HttpRequest) -> HttpResponse:
    courses = courses_for_user(request.user)
    current = set(CourseRequirement.objects.values_list("course_id", "account_kind", "action"))
    can_edit = is_trainer(request.user)
    if request.method == "POST":
        require_trainer(request.user)
    form = RequirementMatrixForm(request.POST or None, courses=courses, current=current)
    if request.method == "POST" and form.is_valid():
        result = services.requirements_set(actor=request.user, cells=form.cells(), request=request)
        messages.success(request, f"Requirements saved: {result['added']} added, {result['removed']} removed.")
        return redirect("training:requirements")
    return render(
        request,
        "training/requirements.html",
        _ctx(request, form=form, can_edit=can_edit, kinds=TwitterAccount.Kind, actions=Action),
    )


# --- Team matrix ---------------------------------------------------------------------------------------


@login_required
def team_matrix_index(request: HttpRequest) -> HttpResponse:
    teams = list(teams_led_by(request.user))
    if len(teams) == 1:
        return redirect("training:team_matrix", pk=teams[0].pk)
    if not teams:
        messages.info(request, "The team training matrix is for team leads. Ask your lead how your team is doing.")
        return redirect("training:my_training")
    return render(request, "training/team_matrix_index.html", _ctx(request, teams=teams))


@login_required
def team_matrix_view(request: HttpRequest, pk: int) -> HttpResponse:
    team = team_for_lead(request.user, pk)
    return render(request, "training/team_matrix.html", _ctx(request, matrix=team_matrix(team)))
