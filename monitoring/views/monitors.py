from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Avg, Count, Exists, Q
from django.db.models.functions import TruncHour
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import teams_for_user
from accounts.models import TwitterAccount
from core.permissions import decide, ensure
from monitoring import budget, network_ingest, services
from monitoring.access import (
    monitor_for_user,
    monitors_for_user,
    watchlist_entry_for_user,
    watchlist_for_user,
    watchlists_for_user,
)
from monitoring.forms import MonitorForm, WatchlistEntryForm, WatchlistForm
from monitoring.models import MentionMatch
from monitoring.preview import query_preview
from networks import BLUESKY, MASTODON
from twitter_api.query import QuerySyntaxError

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


def _chart_tables(chart_data: list[dict]) -> dict[int, list[tuple]]:
    """Each chart's figures as table rows (hour, posts, sentiment), for reading without JavaScript or a canvas."""
    return {s["id"]: list(zip(s["labels"], s["volume"], s["sentiment"], strict=True)) for s in chart_data}


@login_required
def monitor_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    monitors = list(
        monitors_for_user(request.user).annotate(
            week_volume=Count("matches", filter=Q(matches__mention__posted_at__gte=now - timedelta(days=7))),
            week_sentiment=Avg(
                "matches__mention__sentiment", filter=Q(matches__mention__posted_at__gte=now - timedelta(days=7))
            ),
            # Whether the department has accounts on Bluesky and on Mastodon, read with the monitors (no query more).
            on_bluesky=Exists(_network_accounts(BLUESKY)),
            on_mastodon=Exists(_network_accounts(MASTODON)),
        )
    )
    spikes = {}
    from monitoring.models import SpikeAlert
    from monitoring.spikes import SPIKE_QUIET

    for alert in SpikeAlert.objects.filter(monitor__in=[m.pk for m in monitors], created_at__gte=now - SPIKE_QUIET):
        spikes[alert.monitor_id] = alert
    chart_data = _chart_data(monitors, now)
    tables = _chart_tables(chart_data)
    # Bluesky and Mastodon take plain words or a hashtag: what each monitor is searched for there, when the
    # department has accounts there (monitoring.network_ingest).
    first = monitors[0] if monitors else None
    networks = " and ".join(
        label
        for label, on in (("Bluesky", first and first.on_bluesky), ("Mastodon", first and first.on_mastodon))
        if on
    )
    for monitor in monitors:
        monitor.spike = spikes.get(monitor.pk)
        monitor.chart_rows = tables.get(monitor.pk, [])
        monitor.network_terms = _network_terms(monitor.query) if networks else []
    return render(
        request,
        "monitoring/monitor_list.html",
        {
            "monitors": monitors,
            "chart_data": chart_data,
            "can_create": decide(request.user, "monitoring.manage_monitors").allowed,
            "budget": budget.budget_state(),
            "networks": networks,
        },
    )


def _network_accounts(network: str):
    return TwitterAccount.objects.filter(
        network=network, status=TwitterAccount.Status.ACTIVE, credentials_revoked_at__isnull=True
    )


def _network_terms(query: str) -> list[str]:
    try:
        return network_ingest.search_terms(query)
    except QuerySyntaxError:
        return []


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
