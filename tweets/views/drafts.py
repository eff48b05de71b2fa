"""A draft's page and the actions on it (submit, withdraw, approve, send back, reject, comment, reschedule, publish)."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.formats import when
from core.params import posted_text
from core.permissions import decide
from tweets import access, announcements, freezes, selectors, services
from tweets.forms import ReasonForm, RescheduleForm
from tweets.views._common import S, _act, _detail_context, _post_rows, _submitted_message


@login_required
def draft_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draft = access.draft_for_user(request.user, pk)
    return render(request, "tweets/draft_detail.html", _detail_context(request, draft))


@login_required
@require_POST
def draft_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda d: services.draft_submit(
            draft=d, by=request.user, request=request, despite_reply_rule=request.POST.get("despite_reply_rule") == "1"
        ),
        _submitted_message,
    )


@login_required
@require_POST
def announcement_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit for approval every draft of the announcement that this person may submit; say which were not."""
    draft = access.draft_for_user(request.user, pk)
    outcome = announcements.announcement_submit(by=request.user, draft=draft, request=request)
    not_submitted = "; ".join(f"{announcements.account_name(d.account)}: {why}" for d, why in outcome.not_submitted)
    if not outcome.submitted:
        error = "None of these drafts could be submitted. " + (not_submitted or "They have been submitted already.")
        draft.refresh_from_db()
        return render(request, "tweets/draft_detail.html", _detail_context(request, draft, error=error), status=403)
    names = ", ".join(announcements.account_name(d.account) for d in outcome.submitted)
    messages.success(request, f"Submitted for approval: {names}.")
    if not_submitted:
        messages.warning(request, f"Not submitted: {not_submitted}")
    return redirect("tweets:draft_detail", pk=pk)


@login_required
@require_POST
def draft_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    reason = posted_text(request.POST, "reason")
    return _act(
        request,
        pk,
        lambda d: services.draft_withdraw(draft=d, by=request.user, reason=reason, request=request),
        "Draft withdrawn. It will not be published.",
    )


def _time_seen(value: str | None):
    """The publishing time an approve form says the page showed: None for 'as soon as approved'; not sent (a page
    from before forms carried it) or unreadable, nothing to compare."""
    if value is None:
        return services.UNSET
    if value == "":
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return services.UNSET


@login_required
@require_POST
def draft_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve the version the page showed (its revision and time come with the form), or show what changed."""
    note = posted_text(request.POST, "note")
    revision = request.POST.get("revision", "")
    scheduled_at = _time_seen(request.POST.get("scheduled_at"))
    return _act(
        request,
        pk,
        lambda d: services.draft_approve(
            draft=d, by=request.user, revision=revision, scheduled_at=scheduled_at, note=note, request=request
        ),
        _approved_message,
    )


def _approved_message(approval) -> str:
    """What the approval did: counted towards more, scheduled the post, or sent it out now."""
    draft = approval.draft
    draft.refresh_from_db(fields=["state", "scheduled_at"])
    if draft.state == S.SUBMITTED:
        left = selectors.approvals_required(draft) - selectors.approval_count(draft)
        return f"Approved. It needs {left} more approval{'s' if left != 1 else ''} before it can go out."
    if draft.state == S.SCHEDULED and draft.scheduled_at:
        return f"Approved. It will publish {when(draft.scheduled_at, 'l j F Y, H:i')} (UK time)."
    if draft.state in (S.APPROVED, S.PUBLISHING, S.PUBLISHED):
        return f"Approved. It is being published now: this page shows when {draft.account.network_label} has it."
    return f"Approved. It is {draft.get_state_display().lower()}."


@login_required
@require_POST
def draft_request_changes(request: HttpRequest, pk: int) -> HttpResponse:
    reason = posted_text(request.POST, "reason")
    return _act(
        request,
        pk,
        lambda d: services.draft_request_changes(draft=d, by=request.user, reason=reason, request=request),
        "Sent back to the author for changes.",
    )


@login_required
@require_POST
def draft_reject(request: HttpRequest, pk: int) -> HttpResponse:
    reason = posted_text(request.POST, "reason")
    return _act(
        request,
        pk,
        lambda d: services.draft_reject(draft=d, by=request.user, reason=reason, request=request),
        "Draft rejected.",
    )


@login_required
@require_POST
def draft_comment(request: HttpRequest, pk: int) -> HttpResponse:
    body = posted_text(request.POST, "body")
    return _act(request, pk, lambda d: services.comment_create(draft=d, by=request.user, body=body), "Comment added.")


@login_required
@require_POST
def draft_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        draft = access.draft_for_user(request.user, pk)
        context = _detail_context(request, draft, error=" ".join(form.errors.get("scheduled_at", [])))
        return render(request, "tweets/draft_detail.html", context, status=400)
    when = form.cleaned_data["scheduled_at"]
    return _act(
        request,
        pk,
        lambda d: services.draft_reschedule(draft=d, by=request.user, scheduled_at=when, request=request),
        f"Rescheduled for {timezone.localtime(when):%-d %B %Y %H:%M}.",
    )


@login_required
@require_POST
def draft_publish_now(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda d: freezes.draft_publish_now(draft=d, by=request.user, request=request),
        "Released: it is being published now.",
    )


@login_required
def draft_essential(request: HttpRequest, pk: int) -> HttpResponse:
    draft = access.draft_for_user(request.user, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        return _act(
            request,
            pk,
            lambda d: freezes.draft_publish_essential(draft=d, by=request.user, reason=reason, request=request),
            "Published as an essential communication. This has been recorded in the audit trail.",
        )
    return render(
        request,
        "tweets/essential.html",
        {"draft": draft, "form": form, "freeze": selectors.freeze_for(draft.account)},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def draft_retry(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda d: services.draft_retry(draft=d, by=request.user, request=request),
        "Trying to publish it again.",
    )


@login_required
def draft_retract(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, with the post in view and a reason, then delete a published post from its network (a retracted record
    stays)."""
    draft = access.draft_for_user(request.user, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        return _act(
            request,
            pk,
            lambda d: services.draft_retract(draft=d, by=request.user, reason=reason, request=request),
            f"Retracted: it is deleted from {draft.account.network_label}. This page keeps what it said, and who"
            " retracted it, when and why.",
        )
    refusal = decide(request.user, "tweets.retract_draft", draft)
    status = 400 if form.is_bound else 200
    if not refusal.allowed:
        status = 403
    elif draft.state not in (S.PUBLISHED, S.RETRACTED):  # retracted: the page says so and by whom
        status = 409
    return render(
        request,
        "tweets/retract.html",
        {
            "draft": draft,
            "form": form,
            "post_rows": _post_rows(draft.posts, account=draft.account),
            "refusal": refusal.reason if not refusal.allowed else "",
        },
        status=status,
    )
