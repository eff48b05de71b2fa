"""Possible takeovers: the list (leads and admins), an incident's page with its evidence and the freeze it
started, and recording the outcome."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.permissions import Refused, decide
from safety import access, services
from safety.forms import OutcomeForm
from safety.models import Incident


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    if not decide(request.user, "safety.see_incidents").allowed:
        raise Http404  # a member of a team does not learn there are incidents
    incidents = access.incidents_for_user(request.user)
    return render(
        request,
        "safety/incident_list.html",
        {
            "open": list(incidents.filter(state=Incident.State.OPEN)),
            "resolved": list(incidents.exclude(state=Incident.State.OPEN)[:50]),
        },
    )


@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = access.incident_for_user(request.user, pk)
    can_resolve = incident.is_open and decide(request.user, "safety.resolve_incident", incident).allowed
    form = OutcomeForm(request.POST or None) if can_resolve else None
    error, status = "", 200
    if request.method == "POST":
        if form is None:
            error, status = "A lead has already recorded what happened.", 409
        elif form.is_valid():
            data = form.cleaned_data
            try:
                services.incident_resolve(incident=incident, by=request.user, request=request, **data)
            except Refused as exc:
                error, status = exc.reason, 403
            except services.IncidentError as exc:
                error, status = str(exc), 409
            else:
                messages.success(request, _said(incident.pk))
                return redirect(incident.get_absolute_url())
        else:
            status = 400
    return render(
        request,
        "safety/incident_detail.html",
        {"incident": incident, "form": form, "error": error},
        status=status,
    )


def _said(pk: int) -> str:
    incident = Incident.objects.select_related("freeze").get(pk=pk)
    if incident.state == Incident.State.LEGITIMATE:
        if incident.freeze_id and not incident.freeze.is_active:
            return "Recorded as legitimate. The freeze is lifted: held posts wait for a lead to release them."
        return "Recorded as legitimate."
    done = [
        "the post was deleted on X" if incident.post_deleted else "",
        "the account's credentials were revoked" if incident.credentials_revoked else "",
    ]
    said = " and ".join(d for d in done if d)
    return f"Recorded as compromised{': ' + said if said else ''}. The account stays frozen until a lead lifts it."
