"""Writing a draft: the compose page, for a new draft and for editing one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.permissions import Refused, decide, ensure
from networks.base import NETWORKS
from training.policy import Action
from training.policy import check as training_check
from tweets import access, announcements, costs, media_forms, rules, selectors, services
from tweets.forms import DraftForm
from tweets.media_preview import preview
from tweets.models import Draft
from tweets.views._common import NOBODY_CAN_APPROVE, S, _post_rows, post_row
from twitter_api import prices as price_list
from twitter_api.replies import verdict_for

# --- Compose and edit ---------------------------------------------------------------------------------


NO_ACCOUNTS = (
    "You are not a member of a team with an X account, so there is no account you can write for. "
    "Ask a team lead to add you to their team."
)


def _refusal(user, account) -> dict | None:
    """Why `user` may not write for `account` (the one answer, core.permissions), with the training sessions
    they could book when training is what is missing; None when they may."""
    decision = decide(user, "tweets.create_draft", account)
    if decision.allowed:
        return None
    training = training_check(user, account, Action.DRAFT)
    return {
        "account": account,
        "message": decision.reason,
        "training": not training.allowed,
        "sessions": [] if training.allowed else training.next_sessions,
    }


def _chosen(form, accounts, draft=None):
    """The account the page is about: the draft's, the one chosen in the form, or the only one there is."""
    if draft is not None:
        return draft.account
    key = form["account"].value()
    if key not in (None, ""):
        return next((a for a in accounts if str(a.pk) == str(key)), None)
    return accounts[0] if len(accounts) == 1 else None


def gate_context(user, accounts, chosen=None) -> dict:
    """What the compose page says before any typing: whether this person may write for the chosen account and,
    if not, why and what to do (tweets.create_draft's reason: not a writer, or training missing and the next
    session); with no account chosen yet, each account they may not write for."""
    if not accounts:
        return {"gate": {"chosen": None, "blocked": [], "no_accounts": NO_ACCOUNTS}}
    if chosen is not None:
        refusal = _refusal(user, chosen)
        return {"gate": {"chosen": chosen, "blocked": [refusal] if refusal else [], "no_accounts": ""}}
    blocked = [r for r in (_refusal(user, a) for a in accounts) if r is not None]
    return {"gate": {"chosen": None, "blocked": blocked, "no_accounts": ""}}


def _compose(request, *, form, draft=None, status=200, error="", media=None):
    posts = form.data.getlist("posts") if form.is_bound else (draft.posts if draft else [""])
    if form.is_bound and request.POST.get("add_post"):
        posts = [*posts, ""]
    if media is None:
        media = media_forms.from_draft(draft) if draft else media_forms.MediaForm()
    accounts = list(form.fields["account"].queryset)
    chosen = _chosen(form, accounts, draft)
    post_rows = _post_rows(posts, account=chosen)
    for row in post_rows:
        row["media"] = media.slots(row["index"])
        row["media_errors"] = media.post_errors.get(row["index"], [])
    gate = gate_context(request.user, accounts, chosen)
    return render(
        request,
        "tweets/compose.html",
        {
            "form": form,
            "draft": draft,
            "post_rows": post_rows,
            "media_errors": media.errors,
            "preview": _preview(form, draft, posts, media),
            **_cost_context(form, posts, draft, media),
            **gate,
            "error": error,
            "forward_voids_approvals": draft is not None and services.forward_voids_approvals(request.user, draft),
            "reply_verdict": _reply_verdict(form, draft),
            "also": _also_rows(form, chosen) if draft is None else [],
            # What X charges is X's (the box follows the account in the browser too: static/js/tweets.js).
            "cost_free_now": chosen is not None and chosen.network != "x",
        },
        status=status,
    )


def _also_rows(form, chosen) -> list[dict]:
    """The 'Also post this from' checkboxes: each other account this person may write for, whether ticked, and its
    own text box (empty: the same text) counted by its network's rule."""
    if "also" not in form.fields:
        return []
    ticked = {str(key) for key in form.data.getlist("also")} if form.is_bound else set()
    rows = []
    for key, account in form.also_accounts.items():
        if chosen is not None and chosen.pk == account.pk:
            continue  # posted from anyway (the browser hides it too when the account is changed)
        text = form.variant_text(account)
        rows.append(
            {
                "account": account,
                "key": key,
                "name": announcements.account_name(account),
                "checked": key in ticked,
                "text": text,
                "row": post_row(text, account=account),
                "errors": form.variant_errors.get(account.pk, []),
            }
        )
    return rows


def _cost_context(form, posts: list[str], draft, media) -> dict:
    """What X will charge for the posts as typed (the reply field and each image's alt text as the form holds
    them), at the current prices."""
    if form.is_bound:
        reply_to = form.data.get("in_reply_to_post_id", "")
    else:
        reply_to = form.initial.get("in_reply_to_post_id") or (draft.in_reply_to_post_id if draft else "")
    alt_texts = [
        sum(1 for slot in media.slots(index) if slot.file.is_visual and slot.alt_text.strip())
        for index in range(len(posts))
    ]
    prices = price_list.current()
    return {
        "cost": costs.cost_of(posts, is_reply=bool(str(reply_to or "").strip()), alt_texts=alt_texts, prices=prices),
        "cost_prices": prices.as_dict(),
        "cost_alt_texts": ",".join(map(str, alt_texts)),
    }


def _reply_verdict(form, draft=None):
    """Whether X will accept the reply being written (twitter_api.replies), from the form's account and reply-to
    post as far as they can be read; None when it is not a reply."""
    if form.is_bound:
        account_id, reply_to = form.data.get("account"), form.data.get("in_reply_to_post_id")
    else:
        account_id = form.initial.get("account") or (draft.account_id if draft else None)
        reply_to = form.initial.get("in_reply_to_post_id")
    try:
        reply_to = services.clean_reply_to(reply_to)
    except ValidationError:
        return None
    readable = (str(account_id or "").isascii() and str(account_id or "").isdigit()) and len(str(account_id)) < 10
    account = form.fields["account"].queryset.filter(pk=account_id).first() if readable else None
    if account is None and draft is not None:
        account = draft.account
    return verdict_for(account, reply_to) if reply_to and account is not None else None


def _preview(form, draft, posts, media) -> dict:
    """The preview of what the form holds now (tweets.media_preview)."""
    account = draft.account if draft else None
    if account is None and form.is_bound:
        account = next((a for a in form.fields["account"].queryset if str(a.pk) == form.data.get("account")), None)
    reply_to = (
        form.data.get("in_reply_to_post_id", "") if form.is_bound else (draft.in_reply_to_post_id if draft else "")
    )
    try:
        reply_to = services.clean_reply_to(reply_to)
    except ValidationError:
        reply_to = ""
    return preview(account=account, posts=posts, media=media.preview_items(), in_reply_to_post_id=reply_to)


def _media_step(request, form, draft=None):
    """The form's media, and the page to show again instead of saving (a file just attached, or a problem with
    the media), else None."""
    count = len(form.data.getlist("posts")) if form.is_bound else 1
    media = media_forms.from_request(request, posts=count, draft=draft)
    chosen = _chosen(form, list(form.fields["account"].queryset), draft)
    network = chosen.network if chosen is not None else None
    if request.POST.get("add_media") or request.POST.get("preview") or request.POST.get("add_post"):
        media.advise(network=network)
        return media, _compose(request, form=form, draft=draft, media=media, status=200)
    if not media.check(network=network):
        form.is_valid()
        return media, _compose(request, form=form, draft=draft, media=media, status=400)
    return media, None


def _save_draft(request, form, draft=None, media=None):
    """Run the create (one draft per account ticked: tweets.announcements) or edit service, then submit when
    asked. Returns the draft (the main account's), an error message or None, the status, and the drafts made."""
    data = form.cleaned_data
    attachments = media.attachments() if media is not None else None
    made = []
    try:
        if draft is None:
            made = announcements.announcement_create(
                author=request.user,
                parts=form.parts,
                scheduled_at=data["scheduled_at"],
                in_reply_to_post_id=data["in_reply_to_post_id"],
                media=attachments,
                request=request,
            )
            draft = made[0]
        else:
            draft = services.draft_edit(
                draft=draft,
                by=request.user,
                posts=data["posts"],
                scheduled_at=data["scheduled_at"],
                in_reply_to_post_id=data["in_reply_to_post_id"],
                media=attachments if attachments is not None else services.UNSET,
                request=request,
            )
        if request.POST.get("action") == "submit" and len(made) > 1:
            made = _submit_all(request, made)
            draft = made[0]
        elif request.POST.get("action") == "submit" and draft.state in services.ALLOWED_FROM["submit"]:
            draft = services.draft_submit(draft=draft, by=request.user, request=request)
    except services.ReplyWillBeRefused as exc:
        messages.warning(request, exc.message)  # saved, not submitted: the draft's page says what to do instead
    except Refused as exc:
        return draft, exc.reason, 403, made
    except services.DraftError as exc:
        return draft, exc.message, 400, made
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error("posts", message)
        return draft, "", 400, made
    return draft, None, 200, made


def _submit_all(request, drafts: list[Draft]) -> list[Draft]:
    """Submit each draft of an announcement just made; the ones that cannot be are saved and said."""
    outcome = announcements.announcement_submit(by=request.user, draft=drafts[0], request=request)
    for each, reason in outcome.not_submitted:
        messages.warning(
            request, f"The draft for {announcements.account_name(each.account)} was saved but not submitted: {reason}"
        )
    submitted = {d.pk: d for d in outcome.submitted}
    return [submitted.get(d.pk, d) for d in drafts]


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


def _announcement_message(drafts: list[Draft]) -> str:
    names = ", ".join(announcements.account_name(d.account) for d in drafts)
    submitted = sum(1 for d in drafts if d.state != S.DRAFT)
    if submitted:
        return f"{len(drafts)} drafts saved, one for each account ({names}); {submitted} submitted for approval."
    return f"{len(drafts)} drafts saved, one for each account: {names}. Each is approved on its own."


def also_accounts(user, accounts) -> list:
    """The accounts this person may write for (tweets.create_draft), by network then handle: the ones offered
    under 'Also post this from'."""
    allowed = [a for a in accounts if decide(user, "tweets.create_draft", a).allowed]
    return sorted(allowed, key=lambda a: (NETWORK_ORDER.get(a.network, 9), a.handle.lower()))


NETWORK_ORDER = {network: index for index, network in enumerate(NETWORKS)}


def _refuse_forged_also(user, keys: list[str], accounts, allowed) -> None:
    """An account ticked that the page never offered: 404 when it is not this person's to see, 403 (with the
    reason) when they see it but may not write for it. Anything that is not an id is left to the form."""
    offered = {str(a.pk) for a in allowed}
    for key in keys:
        if not isinstance(key, str) or not (key.isascii() and key.isdigit()) or len(key) > 12 or key in offered:
            continue
        account = next((a for a in accounts if str(a.pk) == key), None)
        if account is None:
            raise Http404("No such account.")
        ensure(user, "tweets.create_draft", account)
        raise Refused("That account cannot be chosen here.")


@login_required
@require_GET
def compose_gate(request: HttpRequest) -> HttpResponse:
    """The compose page's notice for the account just chosen (htmx swaps it in as the account changes)."""
    accounts = list(selectors.writable_accounts(request.user))
    key = request.GET.get("account", "")
    chosen = next((a for a in accounts if str(a.pk) == key), None)
    return render(request, "tweets/_compose_gate.html", gate_context(request.user, accounts, chosen))


@login_required
def draft_create(request: HttpRequest) -> HttpResponse:
    accounts = selectors.writable_accounts(request.user)
    others = also_accounts(request.user, list(accounts))
    if request.method != "POST":
        initial = {}
        if request.GET.get("account"):
            initial["account"] = request.GET["account"]
        if request.GET.get("reply_to"):
            initial["in_reply_to_post_id"] = request.GET["reply_to"]
        return _compose(request, form=DraftForm(accounts=accounts, initial=initial, also_accounts=others))
    _refuse_forged_also(request.user, request.POST.getlist("also"), list(accounts), others)
    form = DraftForm(request.POST, accounts=accounts, also_accounts=others)
    media, page = _media_step(request, form)
    if page is not None:
        return page
    if request.POST.get("add_post") or not form.is_valid():
        return _compose(request, form=form, status=200 if request.POST.get("add_post") else 400, media=media)
    draft, error, status, made = _save_draft(request, form, media=media)
    if error is not None:
        return _compose(request, form=form, draft=draft, status=status, error=error, media=media)
    if len(made) > 1:
        messages.success(request, _announcement_message(made))
    else:
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
        form = DraftForm(accounts=accounts, editing=True, initial=initial, account=draft.account)
        return _compose(request, form=form, draft=draft)
    form = DraftForm(request.POST, accounts=accounts, editing=True, initial=initial, account=draft.account)
    media, page = _media_step(request, form, draft)
    if page is not None:
        return page
    if request.POST.get("add_post") or not form.is_valid():
        status = 200 if request.POST.get("add_post") else 400
        return _compose(request, form=form, draft=draft, status=status, media=media)
    was = draft.state
    draft, error, status, _ = _save_draft(request, form, draft, media=media)
    if error is not None:
        return _compose(request, form=form, draft=draft, status=status, error=error, media=media)
    messages.success(request, _saved_message(draft, was))
    return redirect("tweets:draft_detail", pk=draft.pk)
