"""Live coverage of an event: planning it, writing its posts as it happens, and the approver's phone page where
each post is approved in one tap (tweets/coverage.py; approving is tweets.services.draft_approve, as anywhere)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Membership, User
from core.permissions import Refused, decide
from tweets import coverage as live
from tweets import selectors, services
from tweets.forms import CoverageForm, CoveragePostForm
from tweets.media import Attachment, media_store, revision_media
from tweets.models import Draft

S = Draft.State


def _approver_choices(accounts):
    """Approvers and leads of the teams that approve for these accounts (the service checks the one chosen)."""
    team_ids = {a.approving_team_id for a in accounts}
    return (
        User.objects.filter(
            memberships__in=Membership.objects.current().filter(
                team_id__in=team_ids, role__in=[Membership.Role.APPROVER, Membership.Role.LEAD]
            ),
            is_active=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "email")
    )


@login_required
def coverage_list(request: HttpRequest) -> HttpResponse:
    coverages = live.coverages_for_user(request.user).order_by("-starts_at", "-pk")[:50]
    can_plan = selectors.writable_accounts(request.user).exists()
    return render(request, "tweets/coverage_list.html", {"coverages": coverages, "can_plan": can_plan})


@login_required
def coverage_plan(request: HttpRequest) -> HttpResponse:
    accounts = selectors.writable_accounts(request.user)
    approvers = _approver_choices(list(accounts))
    form = CoverageForm(request.POST or None, accounts=accounts, approvers=approvers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            coverage = live.coverage_plan(by=request.user, request=request, **data)
        except live.CoverageError as exc:
            form.add_error("approver_on_duty" if "approve" in exc.message else None, exc.message)
        except Refused as exc:
            form.add_error("account", exc.reason)
        else:
            messages.success(request, f"Coverage planned. {coverage.approver_on_duty} is the approver on duty.")
            return redirect(coverage)
    status = 400 if request.method == "POST" else 200
    return render(request, "tweets/coverage_plan.html", {"form": form}, status=status)


def _posts_context(coverage) -> list[dict]:
    posts = live.coverage_posts(coverage)
    counted = selectors.counting_approvers([d.pk for d in posts])
    return [
        {
            "draft": draft,
            "text": draft.text,
            "photos": [item for items in revision_media(draft.current_revision) for item in items],
            "approvals": len(counted.get(draft.pk, ())),
            "required": selectors.approvals_required(draft),
        }
        for draft in posts
    ]


@login_required
def coverage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    coverage = live.coverage_for_user(request.user, pk)
    form = CoveragePostForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            media = None
            if data["photo"]:
                photo = media_store(upload=data["photo"], by=request.user)
                media = [[Attachment(photo.pk, alt_text=data["alt_text"].strip())]]
            live.coverage_post_add(coverage=coverage, by=request.user, text=data["text"], media=media, request=request)
        except Refused as exc:
            form.add_error("text", exc.reason)
        except services.DraftError as exc:
            form.add_error("text", exc.message)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("text", message)
        else:
            messages.success(request, f"Sent to {coverage.approver_on_duty} for approval.")
            return redirect(coverage)
    can_write = decide(request.user, "tweets.create_draft", coverage.account).allowed
    context = {"coverage": coverage, "posts": _posts_context(coverage), "form": form, "can_write": can_write}
    return render(request, "tweets/coverage_detail.html", context, status=400 if form.errors else 200)


@login_required
def coverage_approve_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The approver's phone page: the coverage's posts in order, each waiting one with its one-tap approval."""
    coverage = live.coverage_for_user(request.user, pk)
    posts = _posts_context(coverage)
    for post in posts:
        post["can_approve"] = decide(request.user, "tweets.approve_draft", post["draft"]).allowed
    return render(request, "tweets/coverage_approve.html", {"coverage": coverage, "posts": posts})


@login_required
@require_POST
def coverage_approve(request: HttpRequest, pk: int, draft_pk: int) -> HttpResponse:
    """One tap: approve the version the page showed, with the usual rules; it goes out once its turn comes."""
    coverage = live.coverage_for_user(request.user, pk)
    draft = get_object_or_404(Draft.objects.filter(Q(coverage=coverage)), pk=draft_pk)
    try:
        services.draft_approve(
            draft=draft, by=request.user, revision=request.POST.get("revision", ""), scheduled_at=None, request=request
        )
    except Refused as exc:
        messages.error(request, exc.reason)
        return redirect("tweets:coverage_approve_page", pk=coverage.pk)
    except (services.DraftChanged, services.DraftError) as exc:
        messages.error(request, f"{exc.message} Look at it again before approving.")
        return redirect("tweets:coverage_approve_page", pk=coverage.pk)
    draft.refresh_from_db()
    position = draft.coverage_position
    if draft.state == S.SUBMITTED:
        messages.success(request, f"Post {position} approved; it needs more approvals before it goes out.")
    else:
        messages.success(request, f"Post {position} approved: it goes out after the posts before it.")
    return redirect("tweets:coverage_approve_page", pk=coverage.pk)
