"""Saved replies: the team's library, writing one, its page (versions, approving, a new version) and archiving."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.permissions import Refused, decide
from tweets import access, saved_replies, selectors
from tweets.models import SavedReplyVersion
from tweets.saved_reply_forms import SavedReplyEditForm, SavedReplyForm, SavedReplyRejectForm
from tweets.views._common import post_row

V = SavedReplyVersion.State


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


@login_required
def saved_reply_list(request: HttpRequest) -> HttpResponse:
    library = list(access.saved_replies_for_user(request.user).filter(archived_at__isnull=True))
    versions: dict[int, list[SavedReplyVersion]] = {}
    for version in SavedReplyVersion.objects.filter(saved_reply__in=library).order_by("-number"):
        versions.setdefault(version.saved_reply_id, []).append(version)
    for saved_reply in library:
        found = versions.get(saved_reply.pk, [])
        saved_reply.in_use = next((v for v in found if v.state == V.APPROVED), None)
        saved_reply.waiting = next((v for v in found if v.state == V.SUBMITTED), None)
    return render(
        request,
        "tweets/saved_reply_list.html",
        {
            "library": library,
            "can_write": selectors.writable_accounts(request.user).exists(),
            "placeholders": saved_replies.PLACEHOLDERS,
        },
    )


@login_required
def saved_reply_create(request: HttpRequest) -> HttpResponse:
    accounts = selectors.writable_accounts(request.user)
    form = SavedReplyForm(request.POST or None, accounts=accounts)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved_reply = saved_replies.saved_reply_create(
                by=request.user, account=data["account"], title=data["title"], text=data["text"], request=request
            )
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, "Saved reply written. It can be used once it is approved.")
            return redirect(saved_reply.get_absolute_url())
    text = form["text"].value() or ""
    return render(
        request,
        "tweets/saved_reply_form.html",
        {
            "form": form,
            "errors": errors,
            "row": post_row(text),
            "text": text,
            "placeholders": saved_replies.PLACEHOLDERS,
        },
        status=400 if request.method == "POST" else 200,
    )


def _detail(request, saved_reply, *, edit_form=None, reject_form=None, errors=None, status=200) -> HttpResponse:
    versions = list(
        saved_reply.versions.select_related("created_by").prefetch_related("approvals__approver").order_by("-number")
    )
    for version in versions:
        version.may_approve = decide(request.user, "tweets.approve_saved_reply", version)
        version.may_reject = decide(request.user, "tweets.reject_saved_reply", version).allowed
    newest = versions[0] if versions else None
    text = (edit_form["text"].value() if edit_form is not None else None) or (newest.text if newest else "")
    return render(
        request,
        "tweets/saved_reply_detail.html",
        {
            "saved_reply": saved_reply,
            "versions": versions,
            "needed": saved_replies.approvals_for_saved_reply(saved_reply.account),
            "may_write": decide(request.user, "tweets.write_saved_reply", saved_reply.account).allowed,
            "edit_form": edit_form or SavedReplyEditForm(),
            "reject_form": reject_form or SavedReplyRejectForm(),
            "errors": errors or [],
            "text": text,
            "row": post_row(text, account=saved_reply.account),
            "placeholders": saved_replies.PLACEHOLDERS,
        },
        status=status,
    )


@login_required
def saved_reply_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, access.saved_reply_for_user(request.user, pk))


@login_required
@require_POST
def saved_reply_edit(request: HttpRequest, pk: int) -> HttpResponse:
    saved_reply = access.saved_reply_for_user(request.user, pk)
    form = SavedReplyEditForm(request.POST)
    if not form.is_valid():
        return _detail(request, saved_reply, edit_form=form, status=400)
    try:
        version = saved_replies.saved_reply_edit(
            by=request.user, saved_reply=saved_reply, text=form.cleaned_data["text"], request=request
        )
    except ValidationError as exc:
        return _detail(request, saved_reply, edit_form=form, errors=_errors(exc), status=400)
    messages.success(
        request, f"Version {version.number} written. It needs approval; until then the last approved version is used."
    )
    return redirect(saved_reply.get_absolute_url())


@login_required
@require_POST
def saved_reply_approve(request: HttpRequest, pk: int) -> HttpResponse:
    version = access.saved_reply_version_for_user(request.user, pk)
    version = saved_replies.saved_reply_approve(by=request.user, version=version, request=request)
    if version.state == V.APPROVED:
        messages.success(request, f"Version {version.number} is approved: the team can use it now.")
    else:
        messages.success(request, f"Approval recorded. Version {version.number} needs another approver.")
    return redirect(version.saved_reply.get_absolute_url())


@login_required
@require_POST
def saved_reply_reject(request: HttpRequest, pk: int) -> HttpResponse:
    version = access.saved_reply_version_for_user(request.user, pk)
    form = SavedReplyRejectForm(request.POST)
    if not form.is_valid():
        if not decide(request.user, "tweets.reject_saved_reply", version).allowed:
            raise Refused(decide(request.user, "tweets.reject_saved_reply", version).reason)
        return _detail(request, version.saved_reply, reject_form=form, status=400)
    saved_replies.saved_reply_reject(
        by=request.user, version=version, reason=form.cleaned_data["reason"], request=request
    )
    messages.success(request, f"Version {version.number} is rejected. Its writer can write a new version.")
    return redirect(version.saved_reply.get_absolute_url())


@login_required
@require_POST
def saved_reply_archive(request: HttpRequest, pk: int) -> HttpResponse:
    saved_reply = access.saved_reply_for_user(request.user, pk)
    saved_replies.saved_reply_archive(by=request.user, saved_reply=saved_reply, request=request)
    messages.success(request, f"“{saved_reply.title}” is archived: it is no longer offered when replying.")
    return redirect("tweets:saved_reply_list")
