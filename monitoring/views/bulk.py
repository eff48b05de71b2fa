"""Bulk work from the inbox: act on the items ticked or on every item the search and filters found, watch a large
action's progress, and undo one's last bulk action. The work itself is monitoring.bulk's."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.params import row_ids
from monitoring import bulk as bulk_work
from monitoring.forms import FILTER_KEYS, BulkActionForm
from monitoring.models import BulkAction
from monitoring.views.inbox import _inbox_team, inbox_found


def _filters(raw: str) -> QueryDict:
    given = QueryDict(raw or "")
    kept = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        value = given.get(key)
        if value:
            kept[key] = value[:200]
    return kept


def _back(team, filters: QueryDict) -> str:
    query = filters.copy()
    if team:
        query["team"] = str(team.pk)
    return f"{reverse('monitoring:inbox')}?{query.urlencode()}"


def summary(bulk: BulkAction) -> str:
    """What a bulk action did, in a sentence."""
    p = bulk.params
    items = f"{bulk.changed:,} item{'' if bulk.changed == 1 else 's'}"
    sentence = {
        BulkAction.Action.ASSIGN: f"Assigned {items} to {p.get('assignee_name') or 'nobody'}.",
        BulkAction.Action.TAG: f"Tagged {items} “{p.get('tag', '')}”.",
        BulkAction.Action.CLOSE: f"Closed {items} with no action.",
        BulkAction.Action.ESCALATE: f"Passed {items} on to {p.get('to_team_name', 'another team')}.",
    }[bulk.action]
    if bulk.skipped:
        sentence += (
            f" {bulk.skipped:,} skipped: you may not work on them, they were no longer open, or it was already done."
        )
    return sentence


@login_required
@require_POST
def inbox_bulk(request: HttpRequest) -> HttpResponse:
    team, _teams = _inbox_team(request)
    form = BulkActionForm(request.POST, team=team)
    filters = _filters(request.POST.get("filters", ""))
    if team is None:
        messages.error(request, "You are not in a team, so there is nothing to act on.")
        return redirect("monitoring:inbox")
    if not form.is_valid():
        errors = " ".join(e for field_errors in form.errors.values() for e in field_errors)
        messages.error(request, f"Nothing was changed. {errors}")
        return redirect(_back(team, filters))
    _form, found = inbox_found(request, filters, team)
    if form.cleaned_data["scope"] != "all":
        found = found.filter(pk__in=row_ids(request.POST.getlist("items")))
    item_ids = list(found.order_by().values_list("pk", flat=True))
    if not item_ids:
        messages.error(request, "Nothing was changed: tick the items first, or choose every item found.")
        return redirect(_back(team, filters))
    bulk = bulk_work.bulk_start(
        by=request.user,
        team=team,
        action=form.cleaned_data["action"],
        params=form.params(),
        item_ids=item_ids,
        request=request,
    )
    if not bulk.is_finished:
        return redirect("monitoring:bulk_progress", pk=bulk.pk)
    messages.success(request, summary(bulk))
    return redirect(_back(team, filters))


@login_required
def bulk_progress(request: HttpRequest, pk: int) -> HttpResponse:
    bulk = get_object_or_404(BulkAction.objects.select_related("team"), pk=pk, by=request.user)
    return render(request, "monitoring/bulk_progress.html", {"bulk": bulk, "summary": summary(bulk)})


@login_required
@require_POST
def bulk_undo(request: HttpRequest, pk: int) -> HttpResponse:
    bulk = get_object_or_404(BulkAction.objects.select_related("team"), pk=pk, by=request.user)
    try:
        restored, skipped = bulk_work.bulk_undo(bulk=bulk, by=request.user, request=request)
    except bulk_work.UndoRefused as exc:
        messages.error(request, str(exc))
    else:
        message = f"Undone: {restored:,} item{'s' if restored != 1 else ''} put back as they were."
        if skipped:
            message += f" {skipped:,} had been worked on since, so they were left as they are."
        messages.success(request, message)
    return redirect(f"{reverse('monitoring:inbox')}?team={bulk.team_id}")
