from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import Lower, TruncDate, TruncHour
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import team_ids_for_user, teams_for_user, teams_key
from accounts.models import Team, TwitterAccount
from core import freshness
from core.pagination import page_of
from core.params import row_id, row_ids
from core.permissions import decide, ensure
from core.tables import rendered_rows
from monitoring import budget, services
from monitoring.access import (
    can_add_rules,
    can_change_rule,
    item_for_user,
    items_for_user,
    monitor_for_user,
    monitors_for_user,
    monitors_matching,
    require_rule_adder,
    require_rule_change,
    rule_for_changing,
    rule_for_user,
    rules_for_user,
    usage_for_user,
    watchlist_entry_for_user,
    watchlist_for_user,
    watchlists_for_user,
)
from monitoring.forms import (
    AssignForm,
    EscalateForm,
    InboxFilterForm,
    MonitorForm,
    NoteForm,
    ReadBudgetForm,
    ReplyForm,
    RoutingRuleForm,
    RuleTestForm,
    WatchlistEntryForm,
    WatchlistForm,
)
from monitoring.models import InboxItem, MentionMatch, PollCursor, PollRun, WatchlistEntry
from monitoring.preview import query_preview, rule_test
from monitoring.rows import INBOX_ROWS, inbox_rows

PAGE_SIZE = 50


# --- Inbox ------------------------------------------------------------------------------------------


def _inbox_team(request: HttpRequest, generations: dict[str, str]) -> tuple[Team | None, list[Team]]:
    # The teams are the user's own (their roles), read from the cache until a team or membership changes.
    key = f"dovecote:inbox-teams:{teams_key(request.user)}:{generations['teams']}"
    teams = cache.get_or_set(key, lambda: list(teams_for_user(request.user)), freshness.PANEL_SECONDS)
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
    data = form.cleaned_data if form.is_valid() else {"status": "open"}
    status = data.get("status", "open")
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


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    generations = freshness.generations()
    team, teams = _inbox_team(request, generations)
    form = InboxFilterForm(
        request.GET or {"status": "open"},
        monitors=monitors_for_user(request.user).filter(team=team) if team else None,
        watchlists=watchlists_for_user(request.user),
    )
    form.user = request.user
    items = items_for_user(request.user).filter(team=team) if team else InboxItem.objects.none()
    items = _filtered(items, form).order_by("due_at", "id")
    # The page's rows are loaded by id alone, so the filters above are not planned twice.
    page = page_of(items, request.GET.get("page"), per_page=PAGE_SIZE, rows=INBOX_ROWS)
    query = request.GET.copy()
    query.pop("page", None)
    # The filter form is rendered from the cache (its choices are the team's monitors and my watchlists, which
    # are only read when it misses), per team, set of teams, filters asked for, and generation of monitors.
    filters_key = [
        team.pk if team else None,
        teams_key(request.user),
        query.urlencode(),
        generations["monitors"],
    ]
    return render(
        request,
        "monitoring/inbox.html",
        {
            "team": team,
            "teams": teams,
            "form": form,
            "page": page,
            "rows_html": rendered_rows("monitoring/_inbox_rows.html", inbox_rows(page.object_list)),
            "query": query.urlencode(),
            "filters_key": filters_key,
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


def _item_context(request, item, **forms) -> dict:
    mention = item.mention
    accounts = TwitterAccount.objects.filter(status=TwitterAccount.Status.ACTIVE)
    if not request.user.is_admin:
        accounts = accounts.filter(team=item.team)
    reply_form = forms.get("reply_form") or ReplyForm(
        accounts=accounts, initial={"account": item.account_id, "text": f"@{mention.author_username} "}
    )
    return {
        "item": item,
        "mention": mention,
        "reply_accounts": reply_form.fields["account"].queryset.exists(),
        "monitors": list(monitors_matching(request.user, mention)),
        "tags": list(item.tags.all()),
        "notes": item.notes.select_related("author"),
        "events": item.events.select_related("actor"),
        "related": items_for_user(request.user).filter(mention=mention).exclude(pk=item.pk).select_related("team"),
        "assign_form": forms.get("assign_form")
        or AssignForm(team=item.team, initial={"assignee": item.assigned_to_id}),
        "escalate_form": forms.get("escalate_form") or EscalateForm(exclude_team=item.team),
        "note_form": forms.get("note_form") or NoteForm(),
        "reply_form": reply_form,
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
            item=item, by=request.user, note=request.POST.get("note", ""), request=request
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
    form = ReplyForm(request.POST, accounts=context["reply_form"].fields["account"].queryset)
    if not form.is_valid():
        return render(request, "monitoring/item_detail.html", _item_context(request, item, reply_form=form), status=400)
    try:
        draft = services.item_reply(
            item=item,
            by=request.user,
            account=form.cleaned_data["account"],
            text=form.cleaned_data["text"],
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
    messages.success(request, _reply_message(draft))
    return redirect("monitoring:item_detail", pk=item.pk)


# --- Monitors and the monitoring page ---------------------------------------------------------------


def _chart_data(monitors, now) -> list[dict]:
    """Hourly volume and average sentiment per monitor over seven days, in one query."""
    start = (now - timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    rows = (
        MentionMatch.objects.filter(monitor__in=[m.pk for m in monitors], mention__posted_at__gte=start)
        .annotate(hour=TruncHour("mention__posted_at"))
        .values("monitor_id", "hour")
        .annotate(n=Count("id"), sentiment=Avg("mention__sentiment"))
        .order_by("monitor_id", "hour")
    )
    series: dict[int, dict] = {
        m.pk: {"id": m.pk, "name": m.name, "labels": [], "volume": [], "sentiment": []} for m in monitors
    }
    for row in rows:
        data = series[row["monitor_id"]]
        data["labels"].append(timezone.localtime(row["hour"]).strftime("%a %H:00"))
        data["volume"].append(row["n"])
        data["sentiment"].append(round(row["sentiment"] or 0, 3))
    return list(series.values())


@login_required
def monitor_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    monitors = list(
        monitors_for_user(request.user).annotate(
            week_volume=Count("matches", filter=Q(matches__mention__posted_at__gte=now - timedelta(days=7))),
            week_sentiment=Avg(
                "matches__mention__sentiment", filter=Q(matches__mention__posted_at__gte=now - timedelta(days=7))
            ),
        )
    )
    spikes = {}
    from monitoring.models import SpikeAlert
    from monitoring.spikes import SPIKE_QUIET

    for alert in SpikeAlert.objects.filter(monitor__in=[m.pk for m in monitors], created_at__gte=now - SPIKE_QUIET):
        spikes[alert.monitor_id] = alert
    for monitor in monitors:
        monitor.spike = spikes.get(monitor.pk)
    return render(
        request,
        "monitoring/monitor_list.html",
        {
            "monitors": monitors,
            "chart_data": _chart_data(monitors, now),
            "can_create": decide(request.user, "monitoring.manage_monitors").allowed,
            "budget": budget.budget_state(),
        },
    )


def _lead_teams(user):
    teams = teams_for_user(user)
    return [t for t in teams if decide(user, "monitoring.manage_monitors", t)]


@login_required
def monitor_create(request: HttpRequest) -> HttpResponse:
    ensure(request.user, "monitoring.manage_monitors")
    lead_teams = _lead_teams(request.user)
    form = MonitorForm(request.POST or None)
    preview = None
    team_id = request.POST.get("team") or (str(lead_teams[0].pk) if lead_teams else "")
    team = next((t for t in lead_teams if str(t.pk) == team_id), None)
    if team is None:
        raise Http404("You do not lead that team.")
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = query_preview(form.cleaned_data["query"])
        else:
            monitor = services.monitor_create(by=request.user, team=team, request=request, **form.cleaned_data)
            messages.success(request, f"Monitor “{monitor.name}” saved. It starts with posts from now on.")
            return redirect("monitoring:monitor_list")
    return render(
        request, "monitoring/monitor_form.html", {"form": form, "preview": preview, "teams": lead_teams, "team": team}
    )


@login_required
def monitor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    monitor = monitor_for_user(request.user, pk)
    can_edit = decide(request.user, "monitoring.manage_monitors", monitor.team_id).allowed
    form = MonitorForm(request.POST) if request.method == "POST" else MonitorForm(instance=monitor)
    preview = None
    if request.method == "POST":
        ensure(request.user, "monitoring.manage_monitors", monitor.team_id)
        if form.is_valid():
            if "preview" in request.POST:
                preview = query_preview(form.cleaned_data["query"])
            else:
                services.monitor_update(by=request.user, monitor=monitor, request=request, **form.cleaned_data)
                messages.success(request, f"Monitor “{form.cleaned_data['name']}” saved.")
                return redirect("monitoring:monitor_list")
    elif "preview" in request.GET:
        preview = query_preview(monitor.query)
    return render(
        request,
        "monitoring/monitor_form.html",
        {"form": form, "preview": preview, "monitor": monitor, "can_edit": can_edit, "team": monitor.team},
    )


# --- Watchlists -------------------------------------------------------------------------------------


@login_required
def watchlist_list(request: HttpRequest) -> HttpResponse:
    watchlists = watchlists_for_user(request.user).annotate(size=Count("entries"))
    lead_teams = list(_lead_teams(request.user))
    form = WatchlistForm(request.POST or None)
    if request.method == "POST":
        team = next((t for t in lead_teams if str(t.pk) == request.POST.get("team")), None)
        if team is None:
            raise Http404("Only the team's leads can add its watchlists.")
        if form.is_valid():
            watchlist = services.watchlist_create(by=request.user, team=team, request=request, **form.cleaned_data)
            return redirect("monitoring:watchlist_detail", pk=watchlist.pk)
    return render(
        request, "monitoring/watchlist_list.html", {"watchlists": watchlists, "form": form, "lead_teams": lead_teams}
    )


@login_required
def watchlist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    watchlist = watchlist_for_user(request.user, pk)
    can_edit = decide(request.user, "monitoring.manage_monitors", watchlist.team_id).allowed
    form = WatchlistEntryForm(request.POST or None)
    if request.method == "POST":
        ensure(request.user, "monitoring.manage_monitors", watchlist.team_id)
        if form.is_valid():
            entry = services.watchlist_add(by=request.user, watchlist=watchlist, request=request, **form.cleaned_data)
            messages.success(request, f"@{entry.username} added.")
            return redirect("monitoring:watchlist_detail", pk=watchlist.pk)
    return render(
        request,
        "monitoring/watchlist_detail.html",
        {"watchlist": watchlist, "entries": watchlist.entries.all(), "form": form, "can_edit": can_edit},
    )


@login_required
@require_POST
def watchlist_entry_remove(request: HttpRequest, pk: int) -> HttpResponse:
    entry = watchlist_entry_for_user(request.user, pk)
    ensure(request.user, "monitoring.manage_monitors", entry.watchlist.team_id)
    watchlist_id = entry.watchlist_id
    services.watchlist_remove(by=request.user, entry=entry, request=request)
    messages.success(request, f"@{entry.username} removed.")
    return redirect("monitoring:watchlist_detail", pk=watchlist_id)


# --- Routing rules ----------------------------------------------------------------------------------


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    test_form = RuleTestForm(request.GET if "text" in request.GET else None)
    result = rule_test(**test_form.cleaned_data) if test_form.is_valid() else None
    rules = list(rules_for_user(request.user))
    for rule in rules:
        rule.can_change = can_change_rule(request.user, rule)
    return render(
        request,
        "monitoring/rule_list.html",
        {
            "rules": rules,
            "can_add": can_add_rules(request.user),
            "test_form": test_form,
            "result": result,
        },
    )


@login_required
def rule_create(request: HttpRequest) -> HttpResponse:
    require_rule_adder(request.user)
    form = RoutingRuleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        rule = services.rule_create(by=request.user, request=request, **form.cleaned_data)
        messages.success(request, f"Rule “{rule.name}” added at the end of the list.")
        return redirect("monitoring:rule_list")
    return render(request, "monitoring/rule_form.html", {"form": form}, status=400 if form.is_bound else 200)


@login_required
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = rule_for_user(request.user, pk)
    can_change = can_change_rule(request.user, rule)
    if request.method == "POST":
        require_rule_change(request.user, rule)
        form = RoutingRuleForm(request.POST, user=request.user, rule=rule)
        if form.is_valid():
            services.rule_update(by=request.user, rule=rule, request=request, **form.cleaned_data)
            messages.success(request, f"Rule “{form.cleaned_data['name']}” saved.")
            return redirect("monitoring:rule_list")
    else:
        form = RoutingRuleForm(instance=rule, user=request.user, rule=rule)
    test_form = RuleTestForm(request.GET if "text" in request.GET else None)
    result = rule_test(rule_id=rule.pk, **test_form.cleaned_data) if test_form.is_valid() else None
    return render(
        request,
        "monitoring/rule_form.html",
        {"form": form, "rule": rule, "can_change": can_change, "test_form": test_form, "result": result},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def rule_move(request: HttpRequest, pk: int) -> HttpResponse:
    rule = rule_for_changing(request.user, pk)
    services.rule_move(by=request.user, rule=rule, direction=request.POST.get("direction", "up"), request=request)
    return redirect("monitoring:rule_list")


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = rule_for_changing(request.user, pk)
    services.rule_delete(by=request.user, rule=rule, request=request)
    messages.success(request, f"Rule “{rule.name}” deleted.")
    return redirect("monitoring:rule_list")


# --- Usage and budget -------------------------------------------------------------------------------


@login_required
def usage(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    state = budget.budget_state(now)
    month_start, month_end = budget.month_window(state.month)
    price = budget.settings.X_PRICE_PER_POST_READ
    by_day = list(
        budget.calls_in(state.month)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(calls=Count("id"), posts_read=Sum("posts_read"))
        .order_by("-day")
    )
    for row in by_day:
        row["cost"] = (row["posts_read"] or 0) * price
    by_source = list(
        usage_for_user(request.user)
        .filter(day__gte=state.month)
        .values("monitor_id", "monitor__name", "monitor__team__name", "account__handle")
        .annotate(calls=Sum("api_calls"), posts_read=Sum("posts_read"))
        .order_by("-posts_read")
    )
    for row in by_source:
        row["cost"] = (row["posts_read"] or 0) * price
    can_set = decide(request.user, "monitoring.set_budget").allowed
    form = ReadBudgetForm(initial={"posts_limit": state.limit})
    paused_cursors = PollCursor.objects.filter(is_active=True, paused_until__gt=now).count()
    posts_set_aside = (
        PollRun.objects.filter(started_at__gte=month_start, started_at__lt=month_end).aggregate(n=Sum("skipped"))["n"]
        or 0
    )
    return render(
        request,
        "monitoring/usage.html",
        {
            "budget": state,
            "by_day": by_day,
            "by_source": by_source,
            "form": form,
            "can_set": can_set,
            "price": price,
            "paused_cursors": paused_cursors,
            "posts_set_aside": posts_set_aside,
        },
    )


@login_required
@require_POST
def budget_set(request: HttpRequest) -> HttpResponse:
    ensure(request.user, "monitoring.set_budget")
    form = ReadBudgetForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["posts_limit"][0])
        return redirect("monitoring:usage")
    budget.budget_set(month=budget.month_start(), posts_limit=form.cleaned_data["posts_limit"], by=request.user)
    messages.success(request, f"This month's read budget is now {form.cleaned_data['posts_limit']:,} posts.")
    return redirect("monitoring:usage")
