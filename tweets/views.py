import difflib
import re
from datetime import datetime
from itertools import pairwise

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import teams_for_user
from accounts.models import User, person_name
from core.formats import clip, when
from core.pagination import page_of
from core.params import row_id
from core.paths import path_with_pk
from core.permissions import Refused, decide, ensure
from core.tables import rendered_rows
from training.policy import Action
from training.policy import check as training_check
from tweets import access, hints, rules, selectors, services
from tweets.forms import CommentForm, DraftForm, FreezeForm, LiftForm, ReasonForm, RescheduleForm
from tweets.models import Draft, DraftRevision, PublishingFreeze
from twitter_api.text import MAX_WEIGHTED_LENGTH, validate_post_text

S = Draft.State
PAGE_SIZE = 50

# What a row of the approval queue shows, read as plain values: a draft, its account, author and revision as
# model instances cost more than the page's queries.
APPROVAL_QUEUE_ROWS = Draft.objects.order_by("updated_at", "id").values(
    "pk",
    "purpose",
    "scheduled_at",
    "current_revision__posts",
    "account__handle",
    "account__kind",
    "account__approvals_required",
    "account__replies_need_approval",
    "author__first_name",
    "author__last_name",
    "author__email",
)


def _post_rows(posts: list[str]) -> list[dict]:
    rows = []
    for index, text in enumerate(posts or [""]):
        check = validate_post_text(text) if text else None
        rows.append(
            {
                "index": index,
                "text": text,
                "length": check.weighted_length if check else 0,
                "max": MAX_WEIGHTED_LENGTH,
                "hints": hints.accessibility_hints(text),
            }
        )
    return rows


# --- Lists ------------------------------------------------------------------------------------------


@login_required
def draft_list(request: HttpRequest) -> HttpResponse:
    base = selectors.drafts_for_user(request.user)
    counts = dict(base.order_by().values_list("state").annotate(n=Count("id")))
    state = request.GET.get("state", "")
    mine = request.GET.get("mine") == "1"
    drafts = base
    if state in S.values:
        drafts = drafts.filter(state=state)
    if mine:
        drafts = drafts.filter(author=request.user)
    page = page_of(drafts.order_by("-updated_at", "-id"), request.GET.get("page"), per_page=PAGE_SIZE)
    tabs = [{"value": value, "label": label, "count": counts.get(value, 0)} for value, label in S.choices]
    return render(
        request,
        "tweets/draft_list.html",
        {"page": page, "tabs": tabs, "state": state, "mine": mine, "total": sum(counts.values())},
    )


@login_required
def approval_queue(request: HttpRequest) -> HttpResponse:
    drafts = selectors.drafts_awaiting_approval_by(request.user).order_by("updated_at", "id")
    # Oldest first, a page at a time: a busy team can have hundreds waiting. The page's rows are then loaded
    # by id alone, so the filters above are not planned twice.
    page = page_of(drafts, request.GET.get("page"), per_page=PAGE_SIZE, rows=APPROVAL_QUEUE_ROWS)
    progress = selectors.queue_progress(page.object_list)
    # Each row's text worked out here, so the template only looks up keys (much faster than method calls).
    rows = []
    for draft in page.object_list:
        approvers, needed = progress[draft["pk"]]
        rows.append(
            {
                "url": path_with_pk("tweets:draft_detail", draft["pk"]),
                "text": clip((draft["current_revision__posts"] or [""])[0], 90),
                "account": f"@{draft['account__handle']}",
                "author": person_name(draft["author__first_name"], draft["author__last_name"], draft["author__email"]),
                "approvals": f"{len(approvers)} of {needed}",
                "approved_by_me": request.user.pk in approvers,
                "publish_at": when(draft["scheduled_at"], "j M Y H:i") if draft["scheduled_at"] else "When approved",
            }
        )
    return render(
        request,
        "tweets/approval_queue.html",
        {"rows": rows, "rows_html": rendered_rows("tweets/_approval_rows.html", rows), "page": page},
    )


@login_required
def scheduled(request: HttpRequest) -> HttpResponse:
    drafts = (
        selectors.drafts_for_user(request.user)
        .filter(state__in=[S.SCHEDULED, S.APPROVED, S.HELD, S.PUBLISHING], scheduled_at__isnull=False)
        .order_by("scheduled_at", "id")
    )
    if request.GET.get("include") != "past":
        drafts = drafts.filter(scheduled_at__gte=timezone.now() - timezone.timedelta(days=1))
    account_id = row_id(request.GET.get("account"))
    one_account = account_id is not None
    if one_account:  # among the drafts you may see, so another team's account shows nothing
        drafts = drafts.filter(account_id=account_id)
    drafts = list(drafts[:500])
    account = drafts[0].account if one_account and drafts else None
    days = []
    for draft in drafts:
        day = timezone.localtime(draft.scheduled_at).date()
        if not days or days[-1]["day"] != day:
            days.append({"day": day, "drafts": []})
        days[-1]["drafts"].append(draft)
    return render(request, "tweets/scheduled.html", {"days": days, "account": account})


@login_required
def published(request: HttpRequest) -> HttpResponse:
    drafts = selectors.drafts_for_user(request.user).filter(state=S.PUBLISHED).order_by("-published_at", "-id")
    page = page_of(drafts, request.GET.get("page"), per_page=PAGE_SIZE)
    return render(request, "tweets/published.html", {"page": page})


# --- Compose and edit ---------------------------------------------------------------------------------


def _compose(request, *, form, draft=None, status=200, error=""):
    posts = form.data.getlist("posts") if form.is_bound else (draft.posts if draft else [""])
    if form.is_bound and request.POST.get("add_post"):
        posts = [*posts, ""]
    blocked = []
    for account in form.fields["account"].queryset:
        decision = training_check(request.user, account, Action.DRAFT)
        if not decision.allowed:
            blocked.append({"account": account, "message": decision.message, "sessions": decision.next_sessions})
    return render(
        request,
        "tweets/compose.html",
        {
            "form": form,
            "draft": draft,
            "post_rows": _post_rows(posts),
            "blocked": blocked,
            "error": error,
            "forward_voids_approvals": draft is not None and services.forward_voids_approvals(request.user, draft),
        },
        status=status,
    )


def _save_draft(request, form, draft=None):
    """Run the create/edit service, then submit when asked. Returns the draft or an error message."""
    data = form.cleaned_data
    try:
        if draft is None:
            draft = services.draft_create(
                author=request.user,
                account=data["account"],
                posts=data["posts"],
                scheduled_at=data["scheduled_at"],
                in_reply_to_post_id=data["in_reply_to_post_id"],
                request=request,
            )
        else:
            draft = services.draft_edit(
                draft=draft,
                by=request.user,
                posts=data["posts"],
                scheduled_at=data["scheduled_at"],
                in_reply_to_post_id=data["in_reply_to_post_id"],
                request=request,
            )
        if request.POST.get("action") == "submit" and draft.state in services.ALLOWED_FROM["submit"]:
            draft = services.draft_submit(draft=draft, by=request.user, request=request)
    except Refused as exc:
        return draft, exc.reason, 403
    except services.DraftError as exc:
        return draft, exc.message, 400
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error("posts", message)
        return draft, "", 400
    return draft, None, 200


NOBODY_CAN_APPROVE = " But nobody can approve it yet: the page says who could once trained."


def _submitted_message(draft: Draft) -> str:
    message = "Draft submitted for approval."
    short = draft.state == S.SUBMITTED and selectors.approval_reach(draft).short
    return message + NOBODY_CAN_APPROVE if short else message


def _saved_message(draft: Draft, was: str | None = None) -> str:
    if draft.state == S.SUBMITTED and selectors.approval_reach(draft).short:
        return "Draft submitted." + NOBODY_CAN_APPROVE
    if draft.state == S.SUBMITTED and was in (S.APPROVED, S.SCHEDULED, S.HELD):
        return (
            "It was approved, so it has gone back to the approvers, who have been emailed. "
            "Nothing is published until they approve it again."
        )
    if draft.state == S.SUBMITTED:
        return "Draft submitted. The approvers have been emailed."
    if draft.state == S.SCHEDULED:
        return f"No approval needed: scheduled for {timezone.localtime(draft.scheduled_at):%-d %B %Y %H:%M}."
    if draft.state in (S.APPROVED, S.PUBLISHING, S.PUBLISHED):
        return "No approval needed: it is being published now."
    return "Draft saved."


@login_required
def draft_create(request: HttpRequest) -> HttpResponse:
    accounts = selectors.writable_accounts(request.user)
    if request.method != "POST":
        initial = {}
        if request.GET.get("account"):
            initial["account"] = request.GET["account"]
        if request.GET.get("reply_to"):
            initial["in_reply_to_post_id"] = request.GET["reply_to"]
        return _compose(request, form=DraftForm(accounts=accounts, initial=initial))
    form = DraftForm(request.POST, accounts=accounts)
    if request.POST.get("add_post") or not form.is_valid():
        return _compose(request, form=form, status=200 if request.POST.get("add_post") else 400)
    draft, error, status = _save_draft(request, form)
    if error is not None:
        return _compose(request, form=form, draft=draft, status=status, error=error)
    messages.success(request, _saved_message(draft))
    return redirect("tweets:draft_detail", pk=draft.pk)


@login_required
def draft_edit(request: HttpRequest, pk: int) -> HttpResponse:
    draft = access.draft_for_user(request.user, pk)
    refusal = rules.first_refusal(request.user, "tweets.edit_draft", draft)
    if refusal is not None and refusal.name == "writer":
        raise Refused(refusal.why)  # not theirs to write at all; training and state the page explains
    accounts = selectors.writable_accounts(request.user)
    initial = {
        "account": draft.account_id,
        "scheduled_at": draft.scheduled_at,
        "in_reply_to_post_id": draft.in_reply_to_post_id,
    }
    if request.method != "POST":
        form = DraftForm(accounts=accounts, editing=True, initial=initial)
        return _compose(request, form=form, draft=draft)
    form = DraftForm(request.POST, accounts=accounts, editing=True, initial=initial)
    if request.POST.get("add_post") or not form.is_valid():
        return _compose(request, form=form, draft=draft, status=200 if request.POST.get("add_post") else 400)
    was = draft.state
    draft, error, status = _save_draft(request, form, draft)
    if error is not None:
        return _compose(request, form=form, draft=draft, status=status, error=error)
    messages.success(request, _saved_message(draft, was))
    return redirect("tweets:draft_detail", pk=draft.pk)


# --- Draft page ---------------------------------------------------------------------------------------

_TOKENS = re.compile(r"\s+|[^\s]+")


def revision_diff(old: DraftRevision, new: DraftRevision) -> list[dict]:
    """Word-level differences between two revisions, as segments for the template."""
    a, b = _TOKENS.findall(old.text), _TOKENS.findall(new.text)
    segments = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append({"op": "same", "text": "".join(a[i1:i2])})
            continue
        if op in ("delete", "replace"):
            segments.append({"op": "del", "text": "".join(a[i1:i2])})
        if op in ("insert", "replace"):
            segments.append({"op": "ins", "text": "".join(b[j1:j2])})
    return segments


def draft_permissions(user: User, draft: Draft) -> dict[str, bool]:
    """What `user` may do with `draft` now (tweets.rules): the buttons its pages show."""
    return {key: decide(user, perm, draft).allowed for key, perm in DRAFT_BUTTONS.items()}


# The buttons of a draft's page and the permission each needs.
DRAFT_BUTTONS = {
    "edit": "tweets.edit_draft",
    "submit": "tweets.submit_draft",
    "withdraw": "tweets.withdraw_draft",
    "approve": "tweets.approve_draft",
    "review": "tweets.request_changes",
    "reschedule": "tweets.reschedule_draft",
    "publish_now": "tweets.publish_now",
    "essential": "tweets.publish_essential",
    "retry": "tweets.retry_draft",
}


def _approve_block(user: User, draft: Draft) -> str:
    """Why an approver of this draft cannot approve it yet because of their training (else empty)."""
    refusal = rules.first_refusal(user, "tweets.approve_draft", draft)
    return refusal.why if refusal is not None and refusal.name == "trained" else ""


def _detail_context(request: HttpRequest, draft: Draft, **extra) -> dict:
    user = request.user
    now = timezone.now()
    revisions = list(draft.revisions.select_related("created_by").order_by("number"))
    diffs = [{"old": old, "new": new, "segments": revision_diff(old, new)} for old, new in pairwise(revisions)]
    approvals = selectors.approvals_on_page(draft, at=now)
    counted = {a.approver_id for a in approvals if a.counts}
    freeze = draft.freeze_in_force = selectors.freeze_for(draft.account)  # read once, for the rules too
    approvals_required = selectors.approvals_required(draft)
    context = {
        "draft": draft,
        "held": _held_context(draft) if draft.state == S.HELD else None,
        "post_rows": _post_rows(draft.posts),
        "revisions": revisions,
        "diffs": diffs,
        "approvals": approvals,
        "approval_count": len(counted),
        "approvals_required": approvals_required,
        # What the approve form says the approver saw, and what approving it does.
        "seen": {
            "revision": draft.current_revision_id,
            "scheduled_at": draft.scheduled_at.isoformat() if draft.scheduled_at else "",
        },
        "approve_publishes_now": freeze is None
        and selectors.approval_publishes_now(
            needed=approvals_required, counted=len(counted), scheduled_at=draft.scheduled_at, at=now
        ),
        "comments": draft.comments.select_related("author", "revision"),
        "transitions": draft.transitions.select_related("actor"),
        "attempts": draft.attempts.all() if draft.state in (S.PUBLISHING, S.FAILED, S.PUBLISHED, S.SCHEDULED) else [],
        "freeze": freeze,
        "can": draft_permissions(user, draft),
        "forward_voids_approvals": services.forward_voids_approvals(user, draft),
        "approve_block": _approve_block(user, draft),
        "comment_form": CommentForm(),
        "reason_form": ReasonForm(),
        "reschedule_form": RescheduleForm(initial={"scheduled_at": draft.scheduled_at}),
    }
    if draft.state == S.SUBMITTED:
        context["reach"] = _reach_on_page(draft)
    context.update(extra)
    return context


def _held_context(draft: Draft) -> dict:
    """Why a held post is held (which freeze, its reason, who started it, since when) and what happens next."""
    since = (
        draft.transitions.filter(to_state=S.HELD).order_by("-created_at", "-id").values_list("created_at", flat=True)
    ).first()
    freeze = (
        PublishingFreeze.objects.select_related("started_by", "lifted_by", "team", "account")
        .filter(pk=draft.held_by_id)
        .first()
    )
    return {"freeze": freeze, "since": since, "outlook": selectors.held_outlook(draft)}


def _reach_on_page(draft: Draft) -> dict | None:
    """When the draft cannot get the approvals it needs: who can approve now, and who could once trained (with
    the courses each lacks). None when it can."""
    reach = selectors.approval_reach(draft)
    if not reach.short:
        return None
    once_trained = []
    for person in reach.untrained:
        decision = training_check(User(pk=person.user_id), draft.account, Action.APPROVE)
        courses = [course.title for course in decision.missing_courses]
        once_trained.append({"name": person.name, "courses": courses})
    return {
        "needed": reach.needed,
        "able": [person.name for person in reach.able],
        "once_trained": once_trained,
        "team": draft.account.approver_team or draft.account.team,
    }


@login_required
def draft_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draft = access.draft_for_user(request.user, pk)
    return render(request, "tweets/draft_detail.html", _detail_context(request, draft))


def _act(request: HttpRequest, pk: int, action, success) -> HttpResponse:
    """Load the draft through the access helper, call one service, and redirect or show why not. `success` is the
    message, or makes it from what the service returned."""
    draft = access.draft_for_user(request.user, pk)
    try:
        result = action(draft)
    except services.DraftChanged as exc:
        draft.refresh_from_db()
        context = _detail_context(request, draft, error=exc.message, changed=_what_changed(exc))
        return render(request, "tweets/draft_detail.html", context, status=409)
    except Refused as exc:
        context = _detail_context(request, draft, error=exc.reason)
        return render(request, "tweets/draft_detail.html", context, status=403)
    except services.DraftError as exc:
        draft.refresh_from_db()
        return render(
            request, "tweets/draft_detail.html", _detail_context(request, draft, error=exc.message), status=400
        )
    messages.success(request, success(result) if callable(success) else success)
    return redirect("tweets:draft_detail", pk=pk)


@login_required
@require_POST
def draft_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda d: services.draft_submit(draft=d, by=request.user, request=request),
        _submitted_message,
    )


@login_required
@require_POST
def draft_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _act(
        request,
        pk,
        lambda d: services.draft_withdraw(draft=d, by=request.user, reason=reason, request=request),
        "Draft withdrawn. It will not be published.",
    )


def _what_changed(exc: services.DraftChanged) -> dict:
    """Between what the person saw and the draft now: the text (word by word), the reply and the time."""
    seen, current, draft = exc.seen, exc.current, exc.draft
    return {
        "seen": seen,
        "current": current,
        "segments": revision_diff(seen, current) if seen.pk != current.pk else [],
        "reply_to": (seen.in_reply_to_post_id, current.in_reply_to_post_id)
        if seen.in_reply_to_post_id != current.in_reply_to_post_id
        else None,
        "time": (exc.seen_scheduled_at, draft.scheduled_at) if exc.seen_scheduled_at != draft.scheduled_at else None,
    }


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
    note = request.POST.get("note", "")
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
        return "Approved. It is being published now: this page shows when X has it."
    return f"Approved. It is {draft.get_state_display().lower()}."


@login_required
@require_POST
def draft_request_changes(request: HttpRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _act(
        request,
        pk,
        lambda d: services.draft_request_changes(draft=d, by=request.user, reason=reason, request=request),
        "Sent back to the author for changes.",
    )


@login_required
@require_POST
def draft_reject(request: HttpRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _act(
        request,
        pk,
        lambda d: services.draft_reject(draft=d, by=request.user, reason=reason, request=request),
        "Draft rejected.",
    )


@login_required
@require_POST
def draft_comment(request: HttpRequest, pk: int) -> HttpResponse:
    body = request.POST.get("body", "")
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
        lambda d: services.draft_publish_now(draft=d, by=request.user, request=request),
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
            lambda d: services.draft_publish_essential(draft=d, by=request.user, reason=reason, request=request),
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
            freeze = services.freeze_start(
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
    return {"draft": draft, "outlook": outlook, "can": can, "can_any": any(can.values())}


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
        services.freeze_lift(freeze=freeze, by=request.user, note=form.cleaned_data.get("note", ""), request=request)
    except services.DraftError as exc:
        messages.error(request, exc.message)
        return redirect("tweets:freeze_detail", pk=pk)
    messages.success(request, "Freeze lifted. Decide below what to do with each held post.")
    return redirect("tweets:freeze_detail", pk=pk)
