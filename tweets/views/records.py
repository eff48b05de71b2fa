"""An account's records page: its retention period and legal hold (changed there by admins) and what happened to
its published posts on X after publishing (tweets.records)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import services as account_services
from accounts.access import account_for_user
from accounts.forms import LegalHoldForm, RetentionForm
from core.pagination import page_of
from core.permissions import decide, ensure
from tweets.models import PostOnX

ROWS = PostOnX.objects.select_related("draft")
PLACE = {"label": "Why the account's records must be kept", "hint": "For example, the case, inquiry or FOI request."}
LIFT = {"label": "Why the hold is lifted", "hint": "For example, the case is closed. Deletion then resumes."}


def _render(request: HttpRequest, account, *, status: int = 200, **forms) -> HttpResponse:
    user = request.user
    changes = PostOnX.objects.filter(draft__account=account).order_by("-seen_at", "-id")
    hold_form = forms.get("hold_form") or LegalHoldForm(prefix="hold", **(LIFT if account.on_legal_hold else PLACE))
    return render(
        request,
        "tweets/account_records.html",
        {
            "account": account,
            "page": page_of(changes, request.GET.get("page"), per_page=50, rows=ROWS),
            "can_hold": decide(user, "accounts.set_legal_hold", account).allowed,
            "can_retain": decide(user, "accounts.change_retention", account).allowed,
            "retention_form": forms.get("retention_form")
            or RetentionForm(prefix="retention", initial={"years": account.retention_years}),
            "hold_form": hold_form,
        },
        status=status,
    )


@login_required
def account_records(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, account_for_user(request.user, pk))


@login_required
@require_POST
def account_retention(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_for_user(request.user, pk)
    ensure(request.user, "accounts.change_retention", account)
    form = RetentionForm(request.POST, prefix="retention")
    if not form.is_valid():
        return _render(request, account, retention_form=form, status=400)
    years = form.cleaned_data["years"]
    account_services.account_retention_change(by=request.user, account=account, years=years, request=request)
    messages.success(request, f"{account}'s records are now kept for {years} year{'s' if years != 1 else ''}.")
    return redirect("tweets:account_records", pk=account.pk)


@login_required
@require_POST
def account_legal_hold(request: HttpRequest, pk: int) -> HttpResponse:
    """Place the hold, or lift it when it is in force (one form: what it does is what the page said)."""
    account = account_for_user(request.user, pk)
    ensure(request.user, "accounts.set_legal_hold", account)
    held = account.on_legal_hold
    form = LegalHoldForm(request.POST, prefix="hold", **(LIFT if held else PLACE))
    if not form.is_valid():
        return _render(request, account, hold_form=form, status=400)
    change = account_services.account_legal_hold_lift if held else account_services.account_legal_hold_set
    change(by=request.user, account=account, reason=form.cleaned_data["reason"], request=request)
    if held:
        messages.success(request, f"The legal hold on {account} is lifted. Its retention period applies again.")
    else:
        messages.success(request, f"{account} is on legal hold: nothing of its records will be deleted.")
    return redirect("tweets:account_records", pk=account.pk)
