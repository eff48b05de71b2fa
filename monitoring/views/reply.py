"""Reply where you read: the reply box of an inbox item (on its page, and brought into the inbox list by htmx),
with the live weighted count and hints, and a saved reply filled in for the post's author."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import TwitterAccount
from core.params import row_id
from monitoring.access import item_for_user
from monitoring.forms import ReplyForm
from monitoring.models import InboxItem
from monitoring.services import mention_snapshot
from networks import X
from tweets.models import SavedReplyVersion
from tweets.saved_replies import filled_for, usable_versions
from tweets.selectors import approvals_needed
from tweets.views._common import post_row


def saved_reply_choices(accounts):
    """The saved replies a reply from these accounts may start from: each one's newest approved version."""
    ids = [version.pk for version in usable_versions(accounts)]
    return (
        SavedReplyVersion.objects.filter(pk__in=ids)
        .select_related("saved_reply", "saved_reply__account")
        .order_by("saved_reply__title", "saved_reply_id")
    )


def _policy(account: TwitterAccount) -> str:
    needed = approvals_needed(
        "reply", account_requires=account.required_approvals, replies_need_approval=account.replies_need_approval
    )
    if needed == 0:
        return f"Replies from {account} are published without approval."
    line = f"Replies from {account} need {needed} approval{'s' if needed != 1 else ''} before they are published"
    if account.saved_replies_skip_approval:
        return line + "; an approved saved reply sent unchanged needs none."
    return line + "."


def reply_box_context(item: InboxItem, form: ReplyForm, *, errors=None) -> dict:
    text = form["text"].value() or ""
    accounts = list(form.fields["account"].queryset)
    # The box counts as the post's network does (the accounts offered are all on it), the chosen account's limit.
    chosen = str(form["account"].value() or "")
    account = next((a for a in accounts if str(a.pk) == chosen), accounts[0] if accounts else None)
    return {
        "item": item,
        "form": form,
        "errors": errors or [],
        "text": text,
        "row": post_row(text, account=account),
        "has_saved_replies": form.fields["saved_reply"].queryset.exists(),
        "policies": [_policy(account) for account in accounts],
        "box_id": form.auto_id % "text",
    }


def _accounts_for_reply(user, item: InboxItem):
    # A post is answered on its own network (a direct message, on X).
    accounts = TwitterAccount.objects.filter(status=TwitterAccount.Status.ACTIVE, network=item.mention.network or X)
    return accounts if user.is_admin else accounts.filter(team=item.team)


def filled_reply_form(item: InboxItem, data, *, accounts, auto_id="reply_%s") -> tuple[ReplyForm, list[str]]:
    """An unbound reply form holding the chosen saved reply filled in for the item's post (and the account it is
    for), or the form as it was with the reason it could not be filled in."""
    choices = saved_reply_choices(accounts)
    version = choices.filter(pk=row_id(data.get("saved_reply"))).first()
    account = row_id(data.get("account"))
    if version is None:
        initial = {"account": account, "text": data.get("text", "")}
        form = ReplyForm(auto_id=auto_id, accounts=accounts, saved_versions=choices, initial=initial)
        return form, ["Choose one of your team's approved saved replies first."]
    try:
        text = filled_for(version, snapshot=mention_snapshot(item.mention))
    except ValidationError as exc:
        initial = {"account": account, "saved_reply": version.pk, "text": data.get("text", "")}
        return ReplyForm(auto_id=auto_id, accounts=accounts, saved_versions=choices, initial=initial), list(
            exc.messages
        )
    initial = {"account": version.saved_reply.account_id, "saved_reply": version.pk, "text": text}
    return ReplyForm(auto_id=auto_id, accounts=accounts, saved_versions=choices, initial=initial), []


@login_required
def item_reply_box(request: HttpRequest, pk: int) -> HttpResponse:
    """The reply box alone (htmx): empty, or with ?saved_reply=<id> filled in."""
    item = item_for_user(request.user, pk)
    accounts = _accounts_for_reply(request.user, item)
    inline = request.GET.get("inline") == "1"
    auto_id = f"reply{item.pk}_%s" if inline else "reply_%s"  # boxes in the inbox list each need their own ids
    if request.GET.get("saved_reply"):
        form, errors = filled_reply_form(item, request.GET, accounts=accounts, auto_id=auto_id)
    else:
        choices = list(accounts.values_list("pk", flat=True))
        account = item.account_id if item.account_id in choices else (choices[0] if len(choices) == 1 else None)
        initial = {"account": account, "text": f"@{item.mention.author_username} "}
        versions = saved_reply_choices(accounts)
        form, errors = ReplyForm(accounts=accounts, saved_versions=versions, initial=initial, auto_id=auto_id), []
    return render(
        request,
        "monitoring/_reply_box.html",
        {"reply": reply_box_context(item, form, errors=errors), "inline": inline},
    )
