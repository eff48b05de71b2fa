from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache.utils import make_template_fragment_key
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_POST

from accounts.access import team_ids_for_user, teams_for_user, teams_key
from accounts.models import Team, TwitterAccount
from core import banners, freshness
from core.cache import read_ahead
from core.pagination import page_counted_up_to
from core.params import posted_text, row_id, row_ids
from core.paths import path_with_pk
from core.tables import rendered_rows
from monitoring import services
from monitoring.access import item_for_user, items_for_user, monitors_for_user, monitors_matching, watchlists_for_user
from monitoring.conversation import conversation_for
from monitoring.forms import (
    AssignForm,
    BulkActionForm,
    EscalateForm,
    InboxFilterForm,
    NoteForm,
    ReplyForm,
    SavedSearchForm,
)
from monitoring.models import InboxItem, InboxItemEvent, InboxNote, MentionMatch, SavedSearch, WatchlistEntry
from monitoring.replies import item_verdicts
from monitoring.rows import INBOX_ROWS, inbox_rows
from monitoring.search import items_matching, search_terms
from monitoring.views.reply import filled_reply_form, reply_box_context, saved_reply_choices
from networks import X

PAGE_SIZE = 50
# The most items a list counts: past it the inbox says "more than 1,000" (a search stops there, not at the millionth).
COUNTED_UP_TO = 1_000


# --- Inbox ------------------------------------------------------------------------------------------


def _inbox_teams_key(user) -> str:
    return f"dovecote:inbox-teams:kept:{teams_key(user)}"


def _inbox_team(request: HttpRequest) -> tuple[Team | None, list[Team]]:
    # The teams are the user's own (their roles), read from the cache until a team or membership changes.
    teams = freshness.kept(_inbox_teams_key(request.user), ["teams"], lambda: list(teams_for_user(request.user)))
    wanted = request.GET.get("team") or request.POST.get("team")
    if wanted:
        team = next((t for t in teams if str(t.pk) == wanted), None)
        if team is None:
            raise Http404("You are not in that team.")
        return team, teams
    mine = team_ids_for_user(request.user)
    team = next((t for t in teams if t.pk in mine), teams[0] if teams else None)
    return team, teams


def _filtered(items, form: InboxFilterForm):
    """The items the form's filters and search words find (the open ones if the form is not valid)."""
    data = form.cleaned_data if form.is_valid() else {"status": "open"}
    status = data.get("status", "open")
    few = status in ("open", *InboxItem.OPEN_STATUSES) or bool(data.get("overdue"))  # a team's open items are few
    items = items_matching(items, data.get("q", ""), few=few)
    if status == "open":
        items = items.filter(status__in=InboxItem.OPEN_STATUSES)
    elif status:
        items = items.filter(status=status)
    if data.get("priority"):
        items = items.filter(priority=data["priority"])
    if data.get("monitor"):
        items = items.filter(mention_id__in=MentionMatch.objects.filter(monitor=data["monitor"]).values("mention_id"))
    if data.get("tag"):
        items = items.filter(tags__name=data["tag"].strip().lower())
    sentiment = data.get("sentiment")
    if sentiment == "negative":
        items = items.filter(mention__sentiment__lte=-0.05)
    elif sentiment == "positive":
        items = items.filter(mention__sentiment__gte=0.05)
    elif sentiment == "neutral":
        items = items.filter(mention__sentiment__gt=-0.05, mention__sentiment__lt=0.05)
    if data.get("watchlist"):
        usernames = WatchlistEntry.objects.filter(watchlist=data["watchlist"]).values("username")
        items = items.alias(author_lc=Lower("mention__author_username")).filter(author_lc__in=usernames)
    if data.get("overdue"):
        items = items.filter(status__in=InboxItem.OPEN_STATUSES, due_at__lt=timezone.now())
    if data.get("mine"):
        items = items.filter(assigned_to=form.user)
    return items


def inbox_found(request: HttpRequest, params, team: Team | None) -> tuple[InboxFilterForm, object]:
    """The filter form read from `params` and the user's items in `team` it finds, earliest due first: the
    inbox lists them, and a bulk action acts on every one of them."""
    form = InboxFilterForm(
        params or {"status": "open"},
        monitors=monitors_for_user(request.user).filter(team=team) if team else None,
        watchlists=watchlists_for_user(request.user),
    )
    form.user = request.user
    items = items_for_user(request.user).filter(team=team) if team else InboxItem.objects.none()
    return form, _filtered(items, form).order_by("due_at", "id")


def _last_bulk(user, team) -> dict:
    """The person's last bulk action, if it was on this team's inbox and is not undone: the inbox offers undo."""
    from monitoring.bulk import last_bulk_action
    from monitoring.views.bulk import summary

    last = last_bulk_action(user) if team else None
    if last is None or last.team_id != team.pk or last.undone_at:
        return {"last_bulk": None}
    return {"last_bulk": last, "last_bulk_summary": summary(last)}


def _with_team(query, team) -> str:
    query = query.copy()
    if team:
        query["team"] = str(team.pk)
    return query.urlencode()


def _saved_searches(user, team) -> list[SavedSearch]:
    """The person's saved searches of the team's inbox, from the cache until one is saved or deleted."""
    key = _saved_searches_key(user, team)
    return freshness.kept(key, ["saved-searches"], lambda: list(SavedSearch.objects.filter(owner=user, team=team)))


def _saved_searches_key(user, team) -> str:
    return f"dovecote:saved-searches:kept:{user.pk}:{team.pk}"


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    # Every cache entry the page reads, in two round trips: the data's generations with my teams, then (once the
    # team is known) the cached parts of the page, my saved searches and the site banners.
    with read_ahead([*freshness.keys(freshness.TOPICS), _inbox_teams_key(request.user)]):
        generations = freshness.generations()
        team, teams = _inbox_team(request)
        with read_ahead(_page_cache_keys(request, team, generations)):
            return _inbox_page(request, team, teams, generations)


def _filters_key(request: HttpRequest, team: Team | None, generations: dict[str, str]) -> list:
    """What the filter form's cached copy is kept per: team, set of teams, filters asked for, and generation of
    monitors."""
    query = request.GET.copy()
    query.pop("page", None)
    return [team.pk if team else None, teams_key(request.user), query.urlencode(), generations["monitors"]]


def _bulk_key(team: Team | None, generations: dict[str, str]) -> list:
    return [team.pk if team else None, generations["teams"], generations["inbox-tags"]]


def _page_cache_keys(request: HttpRequest, team: Team | None, generations: dict[str, str]) -> list[str]:
    keys = [
        make_template_fragment_key("inbox-filters", [_filters_key(request, team, generations)]),
        *banners.cache_keys(request.user),
    ]
    if team:
        keys += [make_template_fragment_key("inbox-bulk", [_bulk_key(team, generations)])]
        keys += [_saved_searches_key(request.user, team)]
    return keys


def _inbox_page(request: HttpRequest, team: Team | None, teams: list[Team], generations: dict[str, str]):
    form, items = inbox_found(request, request.GET, team)
    terms = search_terms(form.cleaned_data.get("q", "")) if form.is_valid() else []
    # The page's rows are loaded by id alone, so the filters above are not planned twice; the items found are
    # counted up to COUNTED_UP_TO only.
    page = page_counted_up_to(items, request.GET.get("page"), per_page=PAGE_SIZE, up_to=COUNTED_UP_TO, rows=INBOX_ROWS)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "monitoring/inbox.html",
        {
            "team": team,
            "teams": teams,
            "form": form,
            "page": page,
            "rows_html": rendered_rows("monitoring/_inbox_rows.html", inbox_rows(page.object_list, terms)),
            "query": query.urlencode(),
            "searching": bool(terms),
            "saved_searches": _saved_searches(request.user, team) if team else [],
            "saved_form": SavedSearchForm(initial={"params": _with_team(query, team)}),
            # Only its choices are shown, rendered from the cache (bulk_key): built only when that misses.
            "bulk_form": SimpleLazyObject(lambda: BulkActionForm(team=team)),
            "bulk_key": _bulk_key(team, generations),
            **_last_bulk(request.user, team),
            # The filter form is rendered from the cache (its choices are the team's monitors and my watchlists,
            # which are only read when it misses).
            "filters_key": _filters_key(request, team, generations),
            "filters_seconds": freshness.PANEL_SECONDS,
        },
    )


def _reply_message(draft) -> str:
    S = draft.State
    if draft.state == S.DRAFT:
        return "Reply draft saved. Open it to check it and submit it for approval."
    if draft.state == S.SUBMITTED:
        return "Reply submitted for approval. The approvers have been emailed."
    if draft.state in (S.APPROVED, S.PUBLISHING, S.PUBLISHED):
        return "Reply approved and being published now."
    return f"Reply saved: it is {draft.get_state_display().lower()}."


@login_required
@require_POST
def inbox_bulk_close(request: HttpRequest) -> HttpResponse:
    ids = sorted(row_ids(request.POST.getlist("items")))
    if not ids:
        messages.error(request, "Nothing was closed: tick the items to close first.")
    else:
        items = items_for_user(request.user).filter(pk__in=ids)
        closed = services.items_bulk_close(items=items, by=request.user, request=request)
        messages.success(request, f"Closed {closed} item{'s' if closed != 1 else ''} with no action.")
    team = request.POST.get("team", "")
    inbox_url = reverse("monitoring:inbox")
    return redirect(f"{inbox_url}?team={team}" if row_id(team) is not None else inbox_url)


def _neighbours(user, item) -> dict:
    """The open items either side of this one in its team's inbox, in the list's order (due first): for j and k."""
    open_items = items_for_user(user).filter(team_id=item.team_id, status__in=InboxItem.OPEN_STATUSES)
    after = Q(due_at__gt=item.due_at) | Q(due_at=item.due_at, id__gt=item.pk)
    before = Q(due_at__lt=item.due_at) | Q(due_at=item.due_at, id__lt=item.pk)
    following = open_items.filter(after).order_by("due_at", "id").values_list("pk", flat=True).first()
    preceding = open_items.filter(before).order_by("-due_at", "-id").values_list("pk", flat=True).first()
    return {
        "next_url": path_with_pk("monitoring:item_detail", following) if following else "",
        "previous_url": path_with_pk("monitoring:item_detail", preceding) if preceding else "",
    }


def item_lineage(item: InboxItem) -> list[int]:
    """The item and the items it was passed on from, newest first: a receiving team sees their notes and history."""
    lineage = [item.pk]
    earlier = item.escalated_from_id
    while earlier and earlier not in lineage and len(lineage) < 20:
        lineage.append(earlier)
        earlier = InboxItem.objects.filter(pk=earlier).values_list("escalated_from_id", flat=True).first()
    return lineage


def _item_context(request, item, **forms) -> dict:
    mention = item.mention
    lineage = item_lineage(item)
    accounts = TwitterAccount.objects.filter(status=TwitterAccount.Status.ACTIVE)
    if mention.is_direct_message:
        accounts = accounts.filter(pk=item.account_id)  # a direct message is answered by the account it was sent to
    else:
        # A post is answered on its own network.
        accounts = accounts.filter(network=mention.network or X)
        if not request.user.is_admin:
            accounts = accounts.filter(team=item.team)
    choices = list(accounts.values_list("pk", flat=True))  # a team's accounts are few
    # The account mentioned if the team may reply as it, else the team's only account: no empty first choice.
    account = item.account_id if item.account_id in choices else (choices[0] if len(choices) == 1 else None)
    reply_form = forms.get("reply_form") or ReplyForm(
        accounts=accounts,
        saved_versions=saved_reply_choices(accounts),
        initial={"account": account, "text": "" if mention.is_direct_message else f"@{mention.author_username} "},
    )
    return {
        "item": item,
        "mention": mention,
        **_neighbours(request.user, item),
        "reply_accounts": bool(choices),
        "monitors": list(monitors_matching(request.user, mention)),
        "tags": list(item.tags.all()),
        "notes": InboxNote.objects.filter(item_id__in=lineage).select_related("author", "item__team"),
        "events": InboxItemEvent.objects.filter(item_id__in=lineage).select_related("actor", "item__team"),
        "passed_on": len(lineage) > 1,
        "conversation": conversation_for(item),
        "related": items_for_user(request.user).filter(mention=mention).exclude(pk=item.pk).select_related("team"),
        "assign_form": forms.get("assign_form")
        or AssignForm(team=item.team, initial={"assignee": item.assigned_to_id}),
        "escalate_form": forms.get("escalate_form") or EscalateForm(exclude_team=item.team),
        "note_form": forms.get("note_form") or NoteForm(),
        "reply_form": reply_form,
        # Whether X will accept a reply from each account the team may reply as (twitter_api.replies).
        "reply_verdicts": item_verdicts(mention, accounts.order_by("handle")),
        "reply": reply_box_context(item, reply_form, errors=forms.get("reply_errors")),
        "training_message": forms.get("training_message", ""),
        "now": timezone.now(),
    }


@login_required
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = item_for_user(request.user, pk)
    return render(request, "monitoring/item_detail.html", _item_context(request, item))


def _transition(request, pk, action, success) -> HttpResponse:
    item = item_for_user(request.user, pk)
    try:
        action(item)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect("monitoring:item_detail", pk=item.pk)


@login_required
@require_POST
def item_claim(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(
        request,
        pk,
        lambda item: services.item_claim(item=item, by=request.user, request=request),
        "You are working on this item.",
    )


@login_required
@require_POST
def item_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(
        request,
        pk,
        lambda item: services.item_close(
            item=item, by=request.user, note=posted_text(request.POST, "note"), request=request
        ),
        "Closed with no action.",
    )


@login_required
@require_POST
def item_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(
        request, pk, lambda item: services.item_reopen(item=item, by=request.user, request=request), "Reopened."
    )


@login_required
@require_POST
def item_assign(request: HttpRequest, pk: int) -> HttpResponse:
    item = item_for_user(request.user, pk)
    form = AssignForm(request.POST, team=item.team)
    if not form.is_valid():
        return render(
            request, "monitoring/item_detail.html", _item_context(request, item, assign_form=form), status=400
        )
    assignee = form.cleaned_data["assignee"]
    return _transition(
        request,
        pk,
        lambda item: services.item_assign(item=item, by=request.user, assignee=assignee, request=request),
        f"Assigned to {assignee}." if assignee else "Nobody is assigned now.",
    )


@login_required
@require_POST
def item_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    item = item_for_user(request.user, pk)
    form = EscalateForm(request.POST, exclude_team=item.team)
    if not form.is_valid():
        return render(
            request, "monitoring/item_detail.html", _item_context(request, item, escalate_form=form), status=400
        )
    team = form.cleaned_data["team"]
    return _transition(
        request,
        pk,
        lambda item: services.item_escalate(
            item=item, by=request.user, to_team=team, note=form.cleaned_data["note"], request=request
        ),
        f"Passed to {team} with your note.",
    )


@login_required
@require_POST
def item_note(request: HttpRequest, pk: int) -> HttpResponse:
    item = item_for_user(request.user, pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return render(request, "monitoring/item_detail.html", _item_context(request, item, note_form=form), status=400)
    return _transition(
        request,
        pk,
        lambda item: services.item_note_add(item=item, by=request.user, text=form.cleaned_data["text"]),
        "Note added.",
    )


@login_required
@require_POST
def item_reply(request: HttpRequest, pk: int) -> HttpResponse:
    from training.policy import TrainingRequired

    item = item_for_user(request.user, pk)
    context = _item_context(request, item)
    accounts = context["reply_form"].fields["account"].queryset
    if "use_saved" in request.POST:  # without scripts: fill the chosen saved reply into the box
        form, errors = filled_reply_form(item, request.POST, accounts=accounts)
        return render(
            request,
            "monitoring/item_detail.html",
            _item_context(request, item, reply_form=form, reply_errors=errors),
            status=400 if errors else 200,
        )
    form = ReplyForm(request.POST, accounts=accounts, saved_versions=saved_reply_choices(accounts))
    if not form.is_valid():
        return render(request, "monitoring/item_detail.html", _item_context(request, item, reply_form=form), status=400)
    try:
        draft = services.item_reply(
            item=item,
            by=request.user,
            account=form.cleaned_data["account"],
            text=form.cleaned_data["text"],
            saved_reply_version=form.cleaned_data.get("saved_reply"),
            send="send" in request.POST,
            request=request,
        )
    except TrainingRequired as exc:
        return render(
            request,
            "monitoring/item_detail.html",
            _item_context(request, item, reply_form=form, training_message=exc.message),
            status=403,
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("monitoring:item_detail", pk=item.pk)
    if getattr(draft, "not_submitted_because", ""):
        messages.warning(request, draft.not_submitted_because)
    else:
        messages.success(request, _reply_message(draft))
    if request.POST.get("back_to") == "inbox":  # sent from the box in the inbox list: back to the list
        return redirect(f"{reverse('monitoring:inbox')}?team={item.team_id}")
    return redirect("monitoring:item_detail", pk=item.pk)
