"""The weekly report written out: as CSV (the download and the email's attachments), and by email to leads."""

from __future__ import annotations

import io
from datetime import date

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.access import led_team_ids
from accounts.models import Membership, Team, User
from core import csvcells
from reports import analytics
from reports.weekly import WeeklyReport, weekly_report

# --- CSV -----------------------------------------------------------------------------------------------


def report_csv(report: WeeklyReport) -> str:
    """One row per figure: section, item, measure, value (easy to filter in a spreadsheet)."""
    out = io.StringIO()
    writer = csvcells.writer(out)
    writer.writerow(["section", "item", "measure", "value"])
    writer.writerow(["report", report.scope_label, "week starting", report.week_start.isoformat()])
    for r in report.mentions_by_monitor:
        writer.writerow(["mentions by monitor", f"{r['monitor']} ({r['team']})", "mentions", r["count"]])
    for r in report.mentions_by_route:
        writer.writerow(["mentions by route", r["team"], "routed", r["routed"]])
        writer.writerow(["mentions by route", r["team"], "passed on from another team", r["escalated_in"]])
    writer.writerow(["inbox", "items received", "count", report.items_received])
    writer.writerow(["inbox", "items needing an answer", "count", report.items_needing_answer])
    writer.writerow(["inbox", "answered within due time", "count", report.items_answered_in_time])
    writer.writerow(["inbox", "missed the due time", "count", report.items_missed])
    writer.writerow(["inbox", "not yet due at the end of the week", "count", report.items_not_yet_due])
    share = report.answered_in_time_share
    writer.writerow(["inbox", "answered within due time", "share", "" if share is None else f"{share:.3f}"])
    writer.writerow(["inbox", "items passed on to another team", "count", report.items_escalated])
    fr = report.first_response
    writer.writerow(["time to first response", "replies", "count", fr.count])
    writer.writerow(["time to first response", "median", "seconds", _num(fr.median)])
    writer.writerow(["time to first response", "90th percentile", "seconds", _num(fr.p90)])
    ht = report.handling_time
    writer.writerow(["time it takes", "items finished after being taken on", "count", ht.count])
    writer.writerow(["time it takes", "handling time median", "seconds", _num(ht.median)])
    writer.writerow(["time it takes", "handling time 90th percentile", "seconds", _num(ht.p90)])
    writer.writerow(["time it takes", "guidance per person per day", "minutes", report.handling.guidance_minutes])
    writer.writerow(["time it takes", "person-days over the guidance", "count", report.handling.days_over])
    for person in report.handling.people:
        for day, minutes in zip(report.days, person.minutes_by_day, strict=True):
            writer.writerow(["time in hand", f"{person.person} {day.isoformat()}", "minutes", minutes])
    for r in report.posts_by_account:
        writer.writerow(["posts published", f"@{r['handle']}", "posts", r["count"]])
    for r in report.own_posts_by_account:
        writer.writerow(["own posts on x", f"@{r.handle}", "posts with figures", r.totals.posts])
        for name, value in zip(analytics.SHOWN, r.totals.figures, strict=True):
            writer.writerow(["own posts on x", f"@{r.handle}", name.replace("_", " "), "" if value is None else value])
    at = report.approval_turnaround
    writer.writerow(["approval turnaround", "approvals", "count", at.count])
    writer.writerow(["approval turnaround", "median", "seconds", _num(at.median)])
    writer.writerow(["approval turnaround", "90th percentile", "seconds", _num(at.p90)])
    for r in report.training:
        writer.writerow(["training coverage", r["team"], "members", r["members"]])
        writer.writerow(["training coverage", r["team"], "trained to standard", r["trained"]])
        writer.writerow(["training coverage", r["team"], "share", f"{r['trained'] / r['members']:.3f}"])
    return out.getvalue()


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


# --- Weekly email to leads -----------------------------------------------------------------------------


def lead_ids_to_email() -> list[int]:
    return sorted(set(Membership.objects.current_leads().values_list("user_id", flat=True)))


def report_email_send(*, user: User, week_start: date) -> bool:
    """Email a lead the week's report for each team they lead, once: True if this call sent it.

    The send row is locked while mailing, so two workers cannot both send; if mailing fails the row is
    rolled back and the next run tries again.
    """
    from reports.models import WeeklyReportEmail

    # Admins who lead no team get no email: the report goes to leads.
    teams = list(Team.objects.filter(pk__in=led_team_ids(user)).order_by("name"))
    if not teams or not user.is_active or not user.email:
        return False
    with transaction.atomic():
        row, _ = WeeklyReportEmail.objects.select_for_update().get_or_create(user=user, week_start=week_start)
        if row.sent_at is not None:
            return False
        built = [weekly_report(team=team, week_start=week_start) for team in teams]
        links = [
            settings.SITE_URL + reverse("reports:team", args=[r.team.pk]) + f"?week={week_start.isoformat()}"
            for r in built
        ]
        body = render_to_string(
            "reports/email/weekly.txt", {"user": user, "reports": list(zip(built, links, strict=True))}
        )
        message = EmailMultiAlternatives(
            subject=f"Dovecote weekly report: week starting {week_start.day} {week_start:%B %Y}",
            body=body,
            to=[user.email],
        )
        for r in built:
            message.attach(f"{r.filename}.csv", report_csv(r), "text/csv")
        message.send()
        row.sent_at = timezone.now()
        row.teams = [t.slug for t in teams]
        row.save(update_fields=["sent_at", "teams"])
    return True
