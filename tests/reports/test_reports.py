"""The weekly report: figures on constructed data, access by role, CSV, charts without inline scripts."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Membership
from monitoring.models import InboxItem, InboxItemEvent, MentionMatch
from reports import weekly, weekly_export
from tests.conftest import enrol_totp
from tests.factories import MembershipFactory, TwitterAccountFactory
from tests.monitoring.factories import InboxItemFactory, MentionFactory, MonitorFactory
from tests.training.helpers import certify, require_course
from tests.tweets.factories import DraftFactory
from tweets.models import Approval, Draft, DraftTransition

NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
WEEK = date(2026, 11, 9)  # Monday; in November UK time is UTC
MONDAY = datetime(2026, 11, 9, 10, 0, tzinfo=UTC)
S = Draft.State
MIN = 60


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def other_account(other_team, outsider):
    return TwitterAccountFactory(team=other_team, responsible_person=outsider, handle="CustomerHelp")


@pytest.fixture
def other_lead(other_team):
    user = MembershipFactory(team=other_team, role=Membership.Role.LEAD).user
    enrol_totp(user)
    return user


def _backdate_memberships():
    """Fixture memberships start a day before the test's clock; the reported week is earlier than that."""
    Membership.objects.update(started_at=NOW - timedelta(days=365))


def _replied_item(team, created, delay_minutes, due_minutes=60):
    item = InboxItemFactory(
        team=team, status=InboxItem.Status.REPLIED, created_at=created, due_at=created + timedelta(minutes=due_minutes)
    )
    InboxItemEvent.objects.create(
        item=item, action="replied (published)", from_status="in_progress", to_status="replied",
        created_at=created + timedelta(minutes=delay_minutes),
    )  # fmt: skip
    return item


def _approved(draft, submitted, approved, *, with_approval=True):
    DraftTransition.objects.create(draft=draft, from_state=S.DRAFT, to_state=S.SUBMITTED, created_at=submitted)
    if with_approval:
        Approval.objects.create(
            draft=draft, revision=draft.current_revision, approver=draft.account.responsible_person, created_at=approved
        )
    DraftTransition.objects.create(draft=draft, from_state=S.SUBMITTED, to_state=S.APPROVED, created_at=approved)


@pytest.fixture
def week_data(team, other_team, account, other_account, lead, approver, member, outsider):
    """A week of activity for `team`, some for `other_team`, and some outside the week."""
    # Inbox: five replies after 10, 20, 30, 40 and 100 minutes (due within 60), one open, one closed, one passed on.
    for k, delay in enumerate([10, 20, 30, 40, 100]):
        _replied_item(team, MONDAY + timedelta(hours=k), delay)
    InboxItemFactory(team=team, status=InboxItem.Status.NEW, created_at=MONDAY, due_at=MONDAY + timedelta(hours=1))
    InboxItemFactory(team=team, status=InboxItem.Status.NO_ACTION, created_at=MONDAY)
    passed = InboxItemFactory(team=team, status=InboxItem.Status.ESCALATED, created_at=MONDAY)
    InboxItemFactory(team=other_team, mention=passed.mention, escalated_from=passed, created_at=MONDAY)
    InboxItemFactory(team=other_team, created_at=MONDAY)
    _replied_item(team, MONDAY - timedelta(days=7), 5)  # the week before

    # Monitors.
    monitor = MonitorFactory(team=team, name="Passports")
    other_monitor = MonitorFactory(team=other_team, name="Complaints")
    for when, m in [(MONDAY, monitor)] * 3 + [(MONDAY - timedelta(days=8), monitor)] + [(MONDAY, other_monitor)] * 2:
        MentionMatch.objects.create(mention=MentionFactory(posted_at=when), monitor=m, matched_at=when)

    # Published posts.
    for when, acc in [(MONDAY, account), (MONDAY + timedelta(days=2), account), (MONDAY, other_account)]:
        DraftFactory(account=acc, state=S.PUBLISHED, published_at=when)
    DraftFactory(account=account, state=S.PUBLISHED, published_at=MONDAY + timedelta(days=7))  # next week

    # Approvals: one hour, three hours, and a resubmission approved one hour after the second submission.
    _approved(DraftFactory(account=account), MONDAY, MONDAY + timedelta(hours=1))
    _approved(DraftFactory(account=account), MONDAY, MONDAY + timedelta(hours=3))
    resubmitted = DraftFactory(account=account)
    DraftTransition.objects.create(draft=resubmitted, from_state=S.DRAFT, to_state=S.SUBMITTED, created_at=MONDAY)
    DraftTransition.objects.create(
        draft=resubmitted, from_state=S.SUBMITTED, to_state=S.CHANGES_REQUESTED, created_at=MONDAY + timedelta(hours=2)
    )
    _approved(resubmitted, MONDAY + timedelta(hours=5), MONDAY + timedelta(hours=6))
    # An account that needs no approval moves straight on: not an approval turnaround.
    _approved(DraftFactory(account=account), MONDAY, MONDAY, with_approval=False)
    _approved(DraftFactory(account=other_account), MONDAY, MONDAY + timedelta(hours=10))

    # Training: drafting for the account's kind needs one course; the lead and the member hold it.
    course = require_course(account.kind, "draft", title="Social media basics")
    certify(lead, course, at=NOW - timedelta(days=30))
    certify(member, course, at=NOW - timedelta(days=30))
    _backdate_memberships()


def test_it_computes_the_team_figures_for_the_week(team, week_data):
    report = weekly.weekly_report(team=team, week_start=WEEK)

    assert report.mentions_by_monitor == [{"monitor": "Passports", "team": team.name, "count": 3}]
    assert report.mentions_by_route == [{"team": team.name, "routed": 8, "escalated_in": 0}]
    assert report.items_received == 8
    assert report.items_escalated == 1
    assert report.first_response.count == 5
    assert report.first_response.median == pytest.approx(30 * MIN)
    assert report.first_response.p90 == pytest.approx(76 * MIN)  # 40 + 0.6 × (100 − 40)
    assert (report.items_answered_in_time, report.items_needing_answer) == (4, 6)
    assert report.answered_in_time_percent == 67
    assert report.posts_by_account == [{"handle": "DeptComms", "team": team.name, "count": 2}]
    assert report.approval_turnaround.count == 3
    assert report.approval_turnaround.median == pytest.approx(3600)
    assert report.approval_turnaround.p90 == pytest.approx(9360)  # 1 h + 0.8 × 2 h
    assert report.training == [{"team": team.name, "members": 3, "trained": 2, "percent": 67}]


def test_the_python_fallback_gives_the_same_percentiles_as_postgresql(team, week_data, monkeypatch):
    in_sql = weekly.weekly_report(team=team, week_start=WEEK)
    monkeypatch.setattr(weekly, "use_sql_percentiles", lambda: False)

    in_python = weekly.weekly_report(team=team, week_start=WEEK)

    assert in_python.first_response == in_sql.first_response
    assert in_python.approval_turnaround == in_sql.approval_turnaround
    assert in_python.items_answered_in_time == in_sql.items_answered_in_time


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [([], 0.5, None), ([5], 0.9, 5), ([1, 2, 3, 4], 0.5, 2.5), ([10, 20, 30, 40, 100], 0.9, 76)],
)
def test_percentile_cont_interpolates_like_postgresql(values, fraction, expected):
    assert weekly.percentile_cont(values, fraction) == expected


def test_the_department_report_covers_every_team(team, other_team, week_data):
    report = weekly.weekly_report(team=None, week_start=WEEK)

    assert {r["monitor"]: r["count"] for r in report.mentions_by_monitor} == {"Passports": 3, "Complaints": 2}
    assert {r["team"]: (r["routed"], r["escalated_in"]) for r in report.mentions_by_route} == {
        team.name: (8, 0),
        other_team.name: (1, 1),
    }
    assert report.posts_total == 3
    assert report.approval_turnaround.count == 4


def test_week_from_snaps_to_monday_and_defaults_to_the_last_complete_week():
    assert weekly.week_from("2026-11-12") == WEEK
    assert weekly.week_from(None) == WEEK
    assert weekly.week_from("not a date") == WEEK
    assert weekly.week_from("2027-01-01") == date(2026, 11, 16)  # no weeks from the future


def test_week_from_goes_back_no_further_than_the_first_week_of_x():
    for asked in ("0001-01-01", "0001-01-02", "1999-12-31", "2006-03-19"):
        assert weekly.week_from(asked) == weekly.EARLIEST_WEEK == date(2006, 3, 20)
    assert weekly.week_from("2006-03-29") == date(2006, 3, 27)


@pytest.mark.parametrize("week", ["0001-01-01", "0001-01-02", "9999-12-31"])
def test_a_week_out_of_range_shows_the_nearest_week_there_is(client, admin_user, team, week):
    client.force_login(admin_user)

    for name, args in [("index", []), ("team", [team.pk]), ("team_csv", [team.pk]), ("department", [])]:
        response = client.get(reverse(f"reports:{name}", args=args), {"week": week})
        assert response.status_code == 200, name
    page = client.get(reverse("reports:department"), {"week": week}).content.decode()
    assert ("Previous week" in page) is (week == "9999-12-31")


# --- Pages and access ---------------------------------------------------------------------------------


def test_a_lead_sees_their_teams_report_with_charts_and_no_inline_script(client, lead, team, week_data):
    client.force_login(lead)

    response = client.get(reverse("reports:team", args=[team.pk]), {"week": "2026-11-10"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "Median 30 min, 90th percentile 1 h 16 min (5 replies)" in content
    assert "67% (4 of 6 due)" in content
    assert 'id="report-chart-data" type="application/json"' in content
    assert "js/reports.js" in content and "vendor/js/chart.umd.min.js" in content
    assert "<script>" not in content


@pytest.mark.parametrize("who", ["outsider", "other_lead"])
def test_other_teams_get_not_found_for_a_teams_report(client, request, who, team, other_lead):
    client.force_login(request.getfixturevalue(who))

    assert client.get(reverse("reports:team", args=[team.pk])).status_code == 404
    assert client.get(reverse("reports:team_csv", args=[team.pk])).status_code == 404


@pytest.mark.parametrize("who", ["member", "approver"])
def test_the_teams_own_members_are_refused_its_report_with_who_may_see_it(client, request, who, team):
    client.force_login(request.getfixturevalue(who))

    page = client.get(reverse("reports:team", args=[team.pk]))
    assert page.status_code == 403
    assert "Only the team&#x27;s leads and admins can see its weekly report." in page.text
    assert client.get(reverse("reports:team_csv", args=[team.pk])).status_code == 403


def test_only_admins_see_the_department_report(client, lead, admin_user):
    client.force_login(lead)
    assert client.get(reverse("reports:department")).status_code == 403
    client.force_login(admin_user)
    assert client.get(reverse("reports:department")).status_code == 200


def test_the_report_index_lists_the_teams_a_lead_leads_and_refuses_members(client, lead, member, team, other_team):
    client.force_login(lead)
    content = client.get(reverse("reports:index")).content.decode()
    assert team.name in content and other_team.name not in content
    client.force_login(member)
    assert client.get(reverse("reports:index")).status_code == 403


def test_the_report_downloads_as_csv(client, lead, team, week_data):
    client.force_login(lead)

    response = client.get(reverse("reports:team_csv", args=[team.pk]), {"week": "2026-11-09"})

    assert response["Content-Type"].startswith("text/csv")
    assert "weekly-report-digital-comms-2026-11-09.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "item", "measure", "value"]
    assert ["time to first response", "median", "seconds", "1800"] in rows
    assert ["time to first response", "90th percentile", "seconds", "4560"] in rows
    assert ["approval turnaround", "90th percentile", "seconds", "9360"] in rows
    assert ["posts published", "'@DeptComms", "posts", "2"] in rows  # a leading @ would be read as a formula
    assert ["inbox", "answered within due time", "share", "0.667"] in rows
    assert ["training coverage", team.name, "trained to standard", "2"] in rows


def _report_queries(client, django_assert_num_queries, url, count):
    with django_assert_num_queries(count):
        assert client.get(url, {"week": "2026-11-09"}).status_code == 200


@pytest.mark.parametrize("size", [1, 6])
def test_the_report_page_uses_a_fixed_number_of_queries(
    client, django_assert_num_queries, size, team, account, lead, member
):
    monitor = MonitorFactory(team=team)
    for k in range(size):
        _replied_item(team, MONDAY + timedelta(hours=k), 10 + k)
        MentionMatch.objects.create(mention=MentionFactory(), monitor=MonitorFactory(team=team), matched_at=MONDAY)
        MentionMatch.objects.create(mention=MentionFactory(), monitor=monitor, matched_at=MONDAY)
        DraftFactory(account=TwitterAccountFactory(team=team), state=S.PUBLISHED, published_at=MONDAY)
        _approved(DraftFactory(account=account), MONDAY, MONDAY + timedelta(hours=k + 1))
        MembershipFactory(team=team)
    client.force_login(lead)

    # 19 with the header's count of unread notifications (cached after this first visit), the week's own posts'
    # figures from X (reports.analytics.for_week), the incidents banner (safety.banners) and the account events
    # banner (accounts.banners), each read once on this first visit
    _report_queries(client, django_assert_num_queries, reverse("reports:team", args=[team.pk]), 19)


# --- Weekly email ---------------------------------------------------------------------------------------


def test_the_weekly_job_emails_each_lead_once_a_week(
    settings, django_capture_on_commit_callbacks, team, other_team, lead, other_lead, week_data
):
    from reports.jobs import weekly_reports_enqueue
    from reports.models import WeeklyReportEmail

    settings.RQ_ASYNC = False
    mail.outbox = []
    MembershipFactory(team=other_team, user=lead, role=Membership.Role.LEAD)  # leads two teams
    _backdate_memberships()
    with time_machine.travel(datetime(2026, 11, 16, 7, 0, tzinfo=UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert weekly_reports_enqueue() == 2
        with django_capture_on_commit_callbacks(execute=True):
            weekly_reports_enqueue()  # the job runs twice: nobody gets a second email

    assert sorted(m.to[0] for m in mail.outbox) == sorted([lead.email, other_lead.email])
    to_lead = next(m for m in mail.outbox if m.to == [lead.email])
    assert "week starting 9 November 2026" in to_lead.subject
    assert team.name in to_lead.body and other_team.name in to_lead.body
    assert "Median" not in to_lead.body and "median 30 min" in to_lead.body
    assert sorted(name for name, _, _ in to_lead.attachments) == [
        "weekly-report-customer-service-2026-11-09.csv",
        "weekly-report-digital-comms-2026-11-09.csv",
    ]
    assert WeeklyReportEmail.objects.filter(week_start=WEEK, sent_at__isnull=False).count() == 2

    with time_machine.travel(datetime(2026, 11, 23, 7, 0, tzinfo=UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            weekly_reports_enqueue()
    assert len(mail.outbox) == 4  # the next week's reports go out


def test_a_failed_send_is_retried_by_the_next_run(settings, lead, team, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    from reports.models import WeeklyReportEmail

    def broken(self, *args, **kwargs):
        raise ConnectionError("mail server down")

    _backdate_memberships()
    mail.outbox = []
    monkeypatch.setattr(EmailMultiAlternatives, "send", broken)
    with pytest.raises(ConnectionError):
        weekly_export.report_email_send(user=lead, week_start=WEEK)
    assert not WeeklyReportEmail.objects.filter(sent_at__isnull=False).exists()

    monkeypatch.undo()
    assert weekly_export.report_email_send(user=lead, week_start=WEEK) is True
    assert weekly_export.report_email_send(user=lead, week_start=WEEK) is False
    assert len(mail.outbox) == 1


def test_a_recently_computed_report_comes_from_the_cache(client, lead, team, week_data, django_assert_max_num_queries):
    client.force_login(lead)
    url = reverse("reports:team", args=[team.pk])
    first = client.get(url, {"week": "2026-11-09"}).content

    with django_assert_max_num_queries(10):
        second = client.get(url, {"week": "2026-11-09"}).content

    assert b"Median 30 min" in first and b"Median 30 min" in second
