"""Publishing freezes: the list, starting one, its page (with the posts it holds) and lifting it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import teams_for_user
from core.permissions import Refused, decide, ensure
from tweets import access, freezes, selectors, services
from tweets.forms import FreezeForm, LiftForm, RescheduleForm
from tweets.models import Draft, PublishingFreeze

# --- Freezes ------------------------------------------------------------------------------------------


def _freeze_form(request, data=None):
    return FreezeForm(data, teams=teams_for_user(request.user), accounts=selectors.writable_accounts(request.user))


@login_required
def freeze_list(request: HttpRequest) -> HttpResponse:
    freezes = access.freezes_for_user(request.user)
    return render(
        request,
        "tweets/freeze_list.html",
        {
            "active": list(freezes.active()),
            "past": list(freezes.filter(lifted_at__isnull=False)[:50]),
            "can_start": decide(request.user, "tweets.start_freeze").allowed,
        },
    )


@login_required
def freeze_start(request: HttpRequest) -> HttpResponse:
    ensure(request.user, "tweets.start_freeze")  # a lead of some team: which accounts, the service decides
    form = _freeze_form(request, request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            freeze = freezes.freeze_start(
                by=request.user,
                scope=data["scope"],
                team=data["team"],
                account=data["account"],
                reason=data["reason"],
                request=request,
            )
        except Refused as exc:
            return render(request, "tweets/freeze_start.html", {"form": form, "error": exc.reason}, status=403)
        except services.DraftError as exc:
            error = exc.message
        else:
            messages.success(request, f"Publishing to {freeze.scope_label} is frozen. Due posts will be held.")
            return redirect("tweets:freeze_detail", pk=freeze.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "tweets/freeze_start.html", {"form": form, "error": error}, status=status)


def _held_row(user, draft: Draft, outlook: selectors.HeldOutlook) -> dict:
    """A held post on its freeze's page: what happens to it next, and what this viewer may do about it."""
    waiting = outlook.waiting_for_decision
    draft.freeze_in_force = outlook.holding  # what the rules would ask again for each row
    can = {
        "publish_now": waiting and decide(user, "tweets.publish_now", draft).allowed,
        "essential": not waiting and decide(user, "tweets.publish_essential", draft).allowed,
        "reschedule": waiting and decide(user, "tweets.reschedule_draft", draft).allowed,
        "cancel": waiting and decide(user, "tweets.withdraw_draft", draft).allowed,
    }
    # Each row's form has its own ids, so its labels and hints point at its own boxes.
    reschedule_form = RescheduleForm(auto_id=f"id_%s_{draft.pk}") if can["reschedule"] else None
    return {
        "draft": draft,
        "outlook": outlook,
        "can": can,
        "can_any": any(can.values()),
        "reschedule_form": reschedule_form,
    }


@login_required
def freeze_detail(request: HttpRequest, pk: int) -> HttpResponse:
    freeze = access.freeze_for_user(request.user, pk)
    held = (
        selectors.drafts_for_user(request.user)
        .filter(pk__in=selectors.freeze_held_posts(freeze).values("pk"))
        .select_related("account__team")
        .order_by("scheduled_at", "id")
    )
    active = list(PublishingFreeze.objects.active().order_by("started_at"))
    can_manage = decide(request.user, "tweets.lift_freeze", freeze).allowed
    return render(
        request,
        "tweets/freeze_detail.html",
        {
            "freeze": freeze,
            "held": [_held_row(request.user, d, selectors.held_outlook(d, active=active)) for d in held],
            "can_manage": can_manage,
            "lift_form": LiftForm(),
        },
    )


@login_required
@require_POST
def freeze_lift(request: HttpRequest, pk: int) -> HttpResponse:
    freeze = access.freeze_for_user(request.user, pk)
    form = LiftForm(request.POST)
    form.is_valid()
    try:
        freezes.freeze_lift(freeze=freeze, by=request.user, note=form.cleaned_data.get("note", ""), request=request)
    except services.DraftError as exc:
        messages.error(request, exc.message)
        return redirect("tweets:freeze_detail", pk=pk)
    messages.success(request, "Freeze lifted. Decide below what to do with each held post.")
    return redirect("tweets:freeze_detail", pk=pk)
