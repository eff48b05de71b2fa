"""A team's tags for its inbox items: its members see them, its leads (and admins) add and remove them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.access import team_ids_for_user
from accounts.models import Team
from accounts.services import audit_record
from core.params import row_id
from core.permissions import decide, ensure
from monitoring.forms import TeamTagForm
from monitoring.models import TeamTag


def _team_for(request: HttpRequest, value) -> Team:
    team_id = row_id(value or "")
    if team_id is None:
        mine = sorted(team_ids_for_user(request.user))
        if not mine:
            raise Http404("You are not in a team.")
        team_id = mine[0]
    if not request.user.is_admin and team_id not in team_ids_for_user(request.user):
        raise Http404("You are not in that team.")
    return get_object_or_404(Team, pk=team_id)


def _page(request, team, form, status=200) -> HttpResponse:
    return render(
        request,
        "monitoring/tags.html",
        {
            "team": team,
            "tags": TeamTag.objects.filter(team=team),
            "form": form,
            "can_manage": decide(request.user, "monitoring.manage_tags", team).allowed,
        },
        status=status,
    )


@login_required
def tag_list(request: HttpRequest) -> HttpResponse:
    team = _team_for(request, request.GET.get("team") or request.POST.get("team"))
    if request.method != "POST":
        return _page(request, team, TeamTagForm())
    ensure(request.user, "monitoring.manage_tags", team)
    form = TeamTagForm(request.POST)
    if not form.is_valid():
        return _page(request, team, form, status=400)
    name = form.cleaned_data["name"].strip().lower()
    try:
        with transaction.atomic():
            tag = TeamTag.objects.create(team=team, name=name, description=form.cleaned_data["description"])
            audit_record(action="monitoring.tag_added", actor=request.user, obj=tag, team=team, request=request)
    except IntegrityError:
        form.add_error("name", f"{team} already has the tag “{name}”.")
        return _page(request, team, form, status=400)
    messages.success(request, f"Tag “{name}” added. Your team can now add it to items in bulk.")
    return redirect(f"{reverse('monitoring:tag_list')}?team={team.pk}")


@login_required
@require_POST
def tag_delete(request: HttpRequest, pk: int) -> HttpResponse:
    tag = get_object_or_404(TeamTag.objects.select_related("team"), pk=pk)
    team = _team_for(request, str(tag.team_id))
    ensure(request.user, "monitoring.manage_tags", team)
    with transaction.atomic():
        audit_record(action="monitoring.tag_removed", actor=request.user, obj=tag, team=team, request=request)
        tag.delete()
    messages.success(request, f"Tag “{tag.name}” removed. Items that have it keep it.")
    return redirect(f"{reverse('monitoring:tag_list')}?team={team.pk}")
