"""Saved searches: a person names the inbox search they are looking at, finds it listed on the inbox, and
deletes it. Each person sees and deletes only their own; one saved for a team they are not in is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.access import team_ids_for_user
from accounts.models import Team
from core.params import row_id
from monitoring.forms import FILTER_KEYS, SavedSearchForm
from monitoring.models import SavedSearch


def _kept_params(raw: str) -> tuple[int | None, str]:
    """The team a query string names, and the query string with only the inbox's own filter keys."""
    given = QueryDict(raw or "")
    kept = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        for value in given.getlist(key)[:1]:
            if value:
                kept[key] = value[:200]
    return row_id(given.get("team", "")), kept.urlencode()


def _inbox_url(team_id: int | None, params: str = "") -> str:
    url = reverse("monitoring:inbox")
    query = "&".join(part for part in (f"team={team_id}" if team_id else "", params) if part)
    return f"{url}?{query}" if query else url


@login_required
@require_POST
def saved_search_create(request: HttpRequest) -> HttpResponse:
    form = SavedSearchForm(request.POST)
    team_id, params = _kept_params(request.POST.get("params", ""))
    if team_id is None or (not request.user.is_admin and team_id not in team_ids_for_user(request.user)):
        raise Http404("You are not in that team.")
    team = get_object_or_404(Team, pk=team_id)
    if not form.is_valid():
        messages.error(request, "The search was not saved: " + " ".join(e for es in form.errors.values() for e in es))
        return redirect(_inbox_url(team_id, params))
    name = form.cleaned_data["name"]
    try:
        with transaction.atomic():
            SavedSearch.objects.create(owner=request.user, team=team, name=name, params=params)
    except IntegrityError:
        messages.error(request, f"You already have a search called “{name}” for {team}. Choose another name.")
    else:
        messages.success(request, f"Search “{name}” saved. It is listed above the inbox.")
    return redirect(_inbox_url(team_id, params))


@login_required
@require_POST
def saved_search_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(SavedSearch, pk=pk, owner=request.user)
    team_id = saved.team_id
    saved.delete()
    messages.success(request, f"Search “{saved.name}” deleted.")
    return redirect(_inbox_url(team_id))
