from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.access import account_for_user, accounts_for_user, team_for_user
from accounts.services import audit_record
from core import freshness
from core.cache import read_ahead
from core.params import row_id
from core.permissions import ensure
from reports import analytics, archive, dashboard, exports, weekly, weekly_export
from tweets.metrics_models import checkpoint_label

HOME_PANELS = {"my-work": "reports/_my_work.html", "monitors": "reports/_monitors.html"}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard; `?panel=my-work` returns just that panel for htmx to swap in place."""
    panel = request.GET.get("panel")
    if panel:
        if panel not in HOME_PANELS:
            raise Http404("There is no such dashboard panel.")
        now = timezone.now()
        if panel == "monitors":
            context = dashboard.monitors_context(request.user, now=now)
        else:
            context = dashboard.counts_context(request.user, now=now)
        return render(request, HOME_PANELS[panel], context)
    generations = freshness.generations()
    with read_ahead(dashboard.home_cache_keys(request.user, generations=generations)):
        return render(request, "reports/home.html", dashboard.home_context(request.user, generations=generations))


# --- Weekly reports ---------------------------------------------------------------------------------


@login_required
def report_index(request: HttpRequest) -> HttpResponse:
    ensure(request.user, "reports.see_weekly_reports")
    teams = weekly.teams_reportable_by(request.user)
    return render(request, "reports/index.html", {"teams": teams, "week": weekly.week_from(request.GET.get("week"))})


def _report_for(request: HttpRequest, team_pk: int | None) -> weekly.WeeklyReport:
    """Leads see their teams' reports, admins every team's and the department's (reports.see_weekly_report).
    Another team's report is a 404; one's own team's, for a member, a 403 with the reason."""
    team = None if team_pk is None else team_for_user(request.user, team_pk)
    ensure(request.user, "reports.see_weekly_report", team)
    return weekly.cached_weekly_report(team=team, week_start=weekly.week_from(request.GET.get("week")))


@login_required
def report_team(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_report(request, _report_for(request, pk))


@login_required
def report_department(request: HttpRequest) -> HttpResponse:
    return _render_report(request, _report_for(request, None))


def _render_report(request: HttpRequest, report: weekly.WeeklyReport) -> HttpResponse:
    return render(request, "reports/weekly.html", {"report": report, "chart_data": report.chart_data()})


@login_required
def report_team_csv(request: HttpRequest, pk: int) -> HttpResponse:
    return _report_csv(_report_for(request, pk))


@login_required
def report_department_csv(request: HttpRequest) -> HttpResponse:
    return _report_csv(_report_for(request, None))


def _report_csv(report: weekly.WeeklyReport) -> HttpResponse:
    response = HttpResponse(weekly_export.report_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report.filename}.csv"'
    return response


# --- Records export ---------------------------------------------------------------------------------


@login_required
def records_export(request: HttpRequest) -> HttpResponse:
    """Published posts of one account over a date range, with their full history, media and changes on X, as CSV,
    JSON or an archive package (a ZIP with the media files and a manifest of SHA-256s: reports.archive)."""
    ensure(request.user, "reports.export_records")
    accounts = exports.exportable_accounts(request.user)
    if "account" not in request.GET:
        return render(request, "reports/export.html", {"form": exports.ExportForm(accounts=accounts)})
    account_pk = row_id(request.GET.get("account"))
    if account_pk is not None:
        account = account_for_user(request.user, account_pk)  # not your team's account: 404
        ensure(request.user, "reports.export_records", account)
    form = exports.ExportForm(request.GET, accounts=accounts)
    if not form.is_valid():
        return render(request, "reports/export.html", {"form": form}, status=400)
    data = form.cleaned_data
    audit_record(
        action="records.exported",
        actor=request.user,
        obj=data["account"],
        team=data["account"].team,
        details={
            "from": data["start"].isoformat(),
            "to": data["end"].isoformat(),
            "format": data["format"],
            "private_messages": bool(data["include_private"]),
            "private_reason": data["private_reason"] if data["include_private"] else "",
        },
        request=request,
    )
    rows = exports.published_records(
        account=data["account"], start=data["start"], end=data["end"], include_private=data["include_private"]
    )
    name = f"records-{data['account'].handle}-{data['start']:%Y%m%d}-{data['end']:%Y%m%d}"
    if data["format"] == "zip":
        about = {
            "package": "Dovecote records export",
            "account": f"@{data['account'].handle}",
            "from": data["start"].isoformat(),
            "to": data["end"].isoformat(),
            "private_messages": bool(data["include_private"]),
            "exported_by": request.user.email,
        }
        response = StreamingHttpResponse(
            archive.package(
                lambda: exports.published_records(
                    account=data["account"],
                    start=data["start"],
                    end=data["end"],
                    include_private=data["include_private"],
                ),
                about=about,
            ),
            content_type="application/zip",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.zip"'
    elif data["format"] == "json":
        response = StreamingHttpResponse(exports.as_json(rows), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    else:
        response = StreamingHttpResponse(exports.as_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


# --- Own posts' figures -----------------------------------------------------------------------------


@login_required
def post_analytics(request: HttpRequest) -> HttpResponse:
    """How the posts of the accounts one can see did on X (their teams' accounts; admins every account): totals per
    week and per account, and each post's latest figures, for one account or all of them."""
    accounts = accounts_for_user(request.user).order_by("handle")
    choices = list(accounts)
    chosen = None
    account_pk = row_id(request.GET.get("account"))
    if account_pk is not None:
        chosen = account_for_user(request.user, account_pk)  # not your team's account: 404
        accounts = accounts.filter(pk=chosen.pk)
    asked = request.GET.get("week")
    week = weekly.week_from(asked) if asked else weekly.monday_of(timezone.localdate())
    figures = analytics.analytics_for(accounts, week_start=week)
    this_week = weekly.monday_of(timezone.localdate())
    return render(
        request,
        "reports/analytics.html",
        {
            "figures": figures,
            "chart_data": figures.chart_data(),
            "accounts": choices,
            "chosen": chosen,
            "previous_week": week - timedelta(days=7) if week > weekly.EARLIEST_WEEK else None,
            "next_week": week + timedelta(days=7) if week < this_week else None,
            "checkpoints": [checkpoint_label(h) for h in settings.POST_METRICS_CHECKPOINTS_HOURS],
        },
    )
