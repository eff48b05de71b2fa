"""The weekly report counts as missed only items past their due time (at the week's end, or now if earlier):
an open item that is not yet due is not a miss, on the page, in the CSV and in the Monday email."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Membership
from monitoring.models import InboxItem, InboxItemEvent
from reports import weekly, weekly_export
from tests.monitoring.factories import InboxItemFactory

NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)  # Wednesday of the week starting 16 November
WEEK = date(2026, 11, 9)
THIS_WEEK = date(2026, 11, 16)
MONDAY = datetime(2026, 11, 9, 10, 0, tzinfo=UTC)
WEEK_END = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield


def _item(team, created, due_minutes, *, replied_after=None):
    item = InboxItemFactory(
        team=team,
        status=InboxItem.Status.NEW if replied_after is None else InboxItem.Status.REPLIED,
        created_at=created,
        due_at=created + timedelta(minutes=due_minutes),
    )
    if replied_after is not None:
        InboxItemEvent.objects.create(
            item=item, action="replied (published)", from_status="in_progress", to_status="replied",
            created_at=created + timedelta(minutes=replied_after),
        )  # fmt: skip
    return item


@pytest.fixture
def week(team):
    """Answered in time; answered late; open and overdue; open and not due until after the week ended."""
    _item(team, MONDAY, 60, replied_after=10)
    _item(team, MONDAY + timedelta(hours=1), 60, replied_after=100)
    _item(team, MONDAY + timedelta(hours=2), 60)
    _item(team, WEEK_END - timedelta(hours=1), 180)  # arrived Sunday 23:00, due Monday 02:00
    Membership.objects.update(started_at=NOW - timedelta(days=365))


def test_an_open_item_not_due_when_the_week_ended_is_not_a_miss(team, week):
    report = weekly.weekly_report(team=team, week_start=WEEK)

    assert report.items_needing_answer == 4
    assert (report.items_answered_in_time, report.items_missed, report.items_not_yet_due) == (1, 2, 1)
    assert report.answered_in_time_percent == 33


def test_in_the_week_in_progress_only_items_already_due_are_misses(team):
    _item(team, datetime(2026, 11, 16, 10, 0, tzinfo=UTC), 60)  # overdue since Monday
    _item(team, NOW - timedelta(hours=1), 240)  # due at 12:00 today
    _item(team, NOW - timedelta(hours=2), 60, replied_after=30)

    report = weekly.weekly_report(team=team, week_start=THIS_WEEK)

    assert (report.items_answered_in_time, report.items_missed, report.items_not_yet_due) == (1, 1, 1)
    assert report.answered_in_time_percent == 50


def test_the_page_says_what_was_missed_and_what_was_not_yet_due(client, lead, team, week):
    client.force_login(lead)

    content = client.get(reverse("reports:team", args=[team.pk]), {"week": WEEK.isoformat()}).content.decode()

    assert "33% (1 of 3 due)" in content
    assert "(1 of 4)" not in content
    assert '<dd class="govuk-summary-list__value" id="missed">2</dd>' in content
    assert '<dd class="govuk-summary-list__value" id="not-yet-due">1</dd>' in content


def test_the_csv_counts_only_due_items_as_missed(client, lead, team, week):
    client.force_login(lead)

    response = client.get(reverse("reports:team_csv", args=[team.pk]), {"week": WEEK.isoformat()})

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert ["inbox", "answered within due time", "share", "0.333"] in rows
    assert ["inbox", "missed the due time", "count", "2"] in rows
    assert ["inbox", "not yet due at the end of the week", "count", "1"] in rows


def test_the_monday_email_counts_only_due_items_as_missed(lead, team, week):
    mail.outbox = []
    with time_machine.travel(datetime(2026, 11, 16, 7, 0, tzinfo=UTC), tick=False):
        assert weekly_export.report_email_send(user=lead, week_start=WEEK) is True

    (message,) = mail.outbox
    assert "Answered within due time: 33% (1 of 3 due)" in message.body
    assert "Missed the due time: 2" in message.body
    assert "Not yet due at the end of the week: 1" in message.body
    rows = list(csv.reader(io.StringIO(message.attachments[0][1])))
    assert ["inbox", "missed the due time", "count", "2"] in rows
