"""Time it takes: handling time per item and time in hand per person per day, against the hour-a-day guidance."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from monitoring.models import InboxItem, InboxItemEvent
from reports import weekly, weekly_export
from reports.handling import UNASSIGNED, _union_seconds
from tests.monitoring.factories import InboxItemFactory

NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
WEEK = date(2026, 11, 9)  # Monday; in November UK time is UTC
MONDAY_9 = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield


def _handled(team, person, taken, minutes, *, finish="no_action", via="in_progress"):
    """An item taken on at `taken` by `person` and finished `minutes` later."""
    item = InboxItemFactory(team=team, status=finish, assigned_to=person, created_at=taken - timedelta(minutes=5))
    InboxItemEvent.objects.create(
        item=item, actor=person, action="claimed", from_status="new", to_status=via, created_at=taken
    )
    InboxItemEvent.objects.create(
        item=item, actor=person, action="closed", from_status="in_progress", to_status=finish,
        created_at=taken + timedelta(minutes=minutes),
    )  # fmt: skip
    return item


def test_handling_time_runs_from_taken_on_to_finished(team, member, lead):
    _handled(team, member, MONDAY_9, 10)
    _handled(team, member, MONDAY_9 + timedelta(hours=2), 30, finish=InboxItem.Status.REPLIED)
    _handled(team, lead, MONDAY_9 + timedelta(days=1), 50, finish=InboxItem.Status.ESCALATED)
    _handled(team, lead, MONDAY_9 - timedelta(days=3), 20)  # finished the week before: not counted
    InboxItemFactory(team=team, status=InboxItem.Status.NO_ACTION, created_at=MONDAY_9)  # closed, never taken on

    report = weekly.weekly_report(team=team, week_start=WEEK)

    assert report.handling_time.count == 3
    assert report.handling_time.median == pytest.approx(30 * 60)
    assert report.handling_time.p90 == pytest.approx(46 * 60)  # 30 + 0.8 × (50 − 30)
    rows = {p.person: p for p in report.handling.people}
    assert rows[str(member)].minutes_by_day == [40, 0, 0, 0, 0, 0, 0]
    assert rows[str(member)].items == 2
    assert rows[str(lead)].minutes_by_day == [0, 50, 0, 0, 0, 0, 0]
    assert not report.handling.drowning


def test_overlapping_items_count_once_and_a_day_over_an_hour_is_flagged(team, member):
    _handled(team, member, MONDAY_9, 60)
    _handled(team, member, MONDAY_9 + timedelta(minutes=30), 60)  # overlaps the first by 30 minutes
    _handled(team, member, MONDAY_9 + timedelta(days=2), 45)

    report = weekly.weekly_report(team=team, week_start=WEEK)

    (person,) = report.handling.people
    assert person.minutes_by_day == [90, 0, 45, 0, 0, 0, 0]
    assert person.days_over == 1
    assert report.handling.drowning
    assert report.handling.busiest_day_minutes == 90


def test_an_item_in_hand_over_midnight_counts_on_both_days(team, member):
    _handled(team, member, datetime(2026, 11, 10, 23, 30, tzinfo=UTC), 45)

    (person,) = weekly.weekly_report(team=team, week_start=WEEK).handling.people

    assert person.minutes_by_day == [0, 30, 15, 0, 0, 0, 0]


def test_an_item_finished_unassigned_is_shown_as_nobodys(team, member):
    item = _handled(team, member, MONDAY_9, 15)
    InboxItem.objects.filter(pk=item.pk).update(assigned_to=None)

    (person,) = weekly.weekly_report(team=team, week_start=WEEK).handling.people

    assert person.person == UNASSIGNED


def test_other_teams_items_are_not_in_a_teams_figures(team, other_team, member, outsider):
    _handled(other_team, outsider, MONDAY_9, 15)

    report = weekly.weekly_report(team=team, week_start=WEEK)

    assert report.handling_time.count == 0
    assert report.handling.people == []
    assert weekly.weekly_report(team=None, week_start=WEEK).handling_time.count == 1


def test_the_page_flags_a_drowning_team_and_the_csv_has_the_figures(client, team, lead, member):
    _handled(team, member, MONDAY_9, 75)
    client.force_login(lead)

    page = client.get(reverse("reports:team", args=[team.pk]), {"week": WEEK.isoformat()}).content.decode()

    assert "Time it takes" in page
    assert "under an hour a day" in page
    assert "Over the guidance on 1 day" in page
    assert '75<span class="govuk-visually-hidden"> minutes, over the guidance</span>' in page
    rows = list(csv.reader(io.StringIO(weekly_export.report_csv(weekly.weekly_report(team=team, week_start=WEEK)))))
    assert ["time it takes", "handling time median", "seconds", "4500"] in rows
    assert ["time it takes", "person-days over the guidance", "count", "1"] in rows
    assert ["time in hand", f"{member} 2026-11-09", "minutes", "75"] in rows


def test_a_calm_week_says_so(client, team, lead, member):
    _handled(team, member, MONDAY_9, 20)
    client.force_login(lead)

    page = client.get(reverse("reports:team", args=[team.pk]), {"week": WEEK.isoformat()}).content.decode()

    assert "within the government guidance of under an hour a day" in page
    assert "Over the guidance" not in page


def test_union_of_intervals():
    t = MONDAY_9
    m = timedelta(minutes=1)
    intervals = [(t, t + 10 * m), (t + 5 * m, t + 20 * m), (t + 30 * m, t + 40 * m)]
    assert _union_seconds(intervals, t, t + 60 * m) == 30 * 60
    assert _union_seconds(intervals, t + 15 * m, t + 35 * m) == 10 * 60
    assert _union_seconds([], t, t + m) == 0
