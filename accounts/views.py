from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import oauth2, services
from accounts.access import (
    account_for_user,
    audit_events_for_user,
    is_lead,
    membership_for_user,
    require_lead,
    team_for_user,
    teams_for_user,
)
from accounts.forms import AuditFilterForm, CredentialsForm, CreditsRestoredForm, MembershipRoleForm, TeamInviteForm
from accounts.models import ActivityGrant, Membership
from core.permissions import decide, ensure
from twitter_api.models import CreditsBlock


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    teams = teams_for_user(request.user).prefetch_related("accounts")
    return render(request, "accounts/team_list.html", {"teams": teams})


@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = team_for_user(request.user, pk)
    memberships = Membership.objects.current().filter(team=team).select_related("user")
    return render(
        request,
        "accounts/team_detail.html",
        {
            "team": team,
            "memberships": memberships,
            "accounts": team.accounts.all(),
            "is_lead": is_lead(request.user, team.pk),
            "can_invite": decide(request.user, "accounts.invite_to_team", team).allowed,
        },
    )


@login_required
def team_invite(request: HttpRequest, pk: int) -> HttpResponse:
    team = team_for_user(request.user, pk)
    ensure(request.user, "accounts.invite_to_team", team)
    form = TeamInviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.team_invite(by=request.user, team=team, request=request, **form.cleaned_data)
        except services.InvitationError as exc:
            form.add_error("email", str(exc))
        else:
            new = not membership.user.has_usable_password() and membership.user.last_login is None
            messages.success(
                request,
                f"{membership.user} is now {membership.get_role_display().lower()} in {team}."
                + (f" An invitation to choose a password is on its way to {membership.user.email}." if new else ""),
            )
            return redirect("accounts:team_detail", pk=team.pk)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "accounts/team_invite.html", {"team": team, "form": form}, status=status)


def _account_context(request: HttpRequest, account, **extra) -> dict:
    return {
        "account": account,
        "form": CredentialsForm(network=account.network),
        "is_lead": is_lead(request.user, account.team_id),
        "grant": ActivityGrant.objects.select_related("authorised_by").filter(account=account).first(),
        "authorise_activity": decide(request.user, "accounts.authorise_activity", account),
        **extra,
    }


@login_required
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_for_user(request.user, pk)
    return render(request, "accounts/account_detail.html", _account_context(request, account))


@login_required
@require_POST
def account_credentials(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_for_user(request.user, pk)
    require_lead(request.user, account.team_id)
    form = CredentialsForm(request.POST, network=account.network)
    if form.is_valid():
        try:
            services.account_set_credentials(actor=request.user, account=account, request=request, **form.cleaned_data)
        except services.CredentialsRefused as exc:
            account.refresh_from_db()
            form.add_error("access_token", exc.message)
    if not form.is_valid():
        return render(
            request, "accounts/account_detail.html", _account_context(request, account, form=form), status=400
        )
    messages.success(
        request, f"New credentials saved for {account} on {account.network_label}. They will not be shown again."
    )
    return redirect("accounts:account_detail", pk=account.pk)


@login_required
@require_POST
def account_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_for_user(request.user, pk)
    require_lead(request.user, account.team_id)
    services.account_revoke_credentials(actor=request.user, account=account, request=request)
    messages.success(request, f"Credentials for {account} revoked. Nothing can be posted until new ones are entered.")
    return redirect("accounts:account_detail", pk=account.pk)


# --- Account events: authorising X's Activity API with OAuth 2.0 (accounts.oauth2) ----------------------------


@login_required
def account_activity_authorise(request: HttpRequest, pk: int) -> HttpResponse:
    """Off to X's authorise page. A link, not a form: the page's CSP lets forms go only to Dovecote, and starting
    changes nothing but the person's own session (the callback checks the state it keeps)."""
    account = account_for_user(request.user, pk)
    url = oauth2.activity_authorisation_start(
        by=request.user,
        account=account,
        redirect_uri=request.build_absolute_uri(reverse("accounts:activity_callback")),
        session=request.session,
    )
    return redirect(url)


@login_required
def account_activity_callback(request: HttpRequest) -> HttpResponse:
    """Where X sends the person back: with a code (authorised), or an error (cancelled, or a bad request)."""
    pending = oauth2.pending_take(request.session, request.GET.get("state", ""))
    if pending is None:
        return render(request, "accounts/activity_callback_problem.html", status=400)
    account = account_for_user(request.user, pending["account_id"])
    error, code = request.GET.get("error", ""), request.GET.get("code", "")
    if error == "access_denied":
        messages.info(request, f"Cancelled on X: account events for {account} were not authorised.")
    elif error or not code:
        messages.error(request, "X did not authorise account events (it sent no code back). Try again.")
    else:
        try:
            oauth2.activity_grant_create(
                by=request.user,
                account=account,
                code=code,
                code_verifier=pending["verifier"],
                redirect_uri=pending["redirect_uri"],
                request=request,
            )
        except oauth2.ActivityGrantError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Authorised: X will push {account}'s mentions and account events.")
    return redirect("accounts:account_detail", pk=account.pk)


@login_required
@require_POST
def account_activity_disconnect(request: HttpRequest, pk: int) -> HttpResponse:
    account = account_for_user(request.user, pk)
    told = oauth2.activity_grant_revoke(by=request.user, account=account, request=request)
    if told is None:
        messages.info(request, f"Account events for {account} were not authorised, so there was nothing to disconnect.")
    elif told:
        messages.success(
            request, f"Disconnected: X no longer sends {account}'s account events, and the tokens are deleted."
        )
    else:
        messages.warning(
            request,
            f"Dovecote deleted its tokens for {account}, but X did not confirm it cancelled them. To be sure, remove "
            "Dovecote from the account's connected apps in X's settings.",
        )
    return redirect("accounts:account_detail", pk=account.pk)


@login_required
def membership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_for_user(request.user, pk)
    can_manage = is_lead(request.user, membership.team_id)
    change = decide(request.user, "accounts.change_role", membership)
    end = decide(request.user, "accounts.end_membership", membership)
    if request.method == "POST":
        ensure(request.user, "accounts.change_role", membership)
        form = MembershipRoleForm(request.POST)
        if form.is_valid():
            services.membership_change_role(
                actor=request.user, membership=membership, role=form.cleaned_data["role"], request=request
            )
            messages.success(request, f"{membership.user} is now {membership.get_role_display().lower()}.")
            return redirect("accounts:team_detail", pk=membership.team_id)
    else:
        form = MembershipRoleForm(initial={"role": membership.role})
    return render(
        request,
        "accounts/membership_detail.html",
        {"membership": membership, "form": form, "can_manage": can_manage, "change": change, "end": end},
    )


@login_required
@require_POST
def membership_end(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_for_user(request.user, pk)
    ensure(request.user, "accounts.end_membership", membership)
    services.membership_end(actor=request.user, membership=membership, request=request)
    messages.success(request, f"{membership.user} no longer has access through {membership.team}.")
    return redirect("accounts:team_detail", pk=membership.team_id)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    return _render_audit(request, audit_events_for_user(request.user), team=None)


@login_required
def team_audit_log(request: HttpRequest, pk: int) -> HttpResponse:
    team = team_for_user(request.user, pk)
    ensure(request.user, "accounts.see_audit", team)
    return _render_audit(request, audit_events_for_user(request.user).filter(team=team), team=team)


def _render_audit(request: HttpRequest, events, *, team) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            events = events.filter(action__icontains=data["action"])
        if data["actor"]:
            events = events.filter(actor_label__icontains=data["actor"])
        if data["date_from"]:
            events = events.filter(created_at__date__gte=data["date_from"])
        if data["date_to"]:
            events = events.filter(created_at__date__lte=data["date_to"])
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()  # the filters, kept when moving between pages
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_log.html",
        {"page": page, "form": form, "team": team, "can_see_any": is_lead(request.user), "query": query.urlencode()},
    )


@login_required
def x_credits(request: HttpRequest) -> HttpResponse:
    """Admins: whether X is refusing for money, and saying credits are restored (what waited then goes out)."""
    ensure(request.user, "accounts.restore_x_credits")
    form = CreditsRestoredForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        blocks = services.x_credits_restore(by=request.user, note=form.cleaned_data["note"], request=request)
        if blocks:
            messages.success(request, "Recorded: X credits are restored. Waiting posts go out and monitoring resumes.")
        else:
            messages.info(request, "Nothing was blocked, so nothing changed.")
        return redirect("accounts:x_credits")
    blocks = CreditsBlock.objects.select_related("restored_by")
    return render(
        request,
        "accounts/x_credits.html",
        {"form": form, "open": [b for b in blocks.open()], "past": blocks.filter(restored_at__isnull=False)[:20]},
        status=400 if form.is_bound else 200,
    )
