"""An approver opens the calendar from the navigation, finds a scheduled post and, with the keyboard alone, moves it
to the next day; the calendar shows it there (every page checked by axe)."""

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import TwitterAccount
from tests.conftest import enrol_totp
from tests.factories import TwitterAccountFactory
from tests.tweets.factories import DraftFactory
from tweets import services


def _days() -> tuple:
    """Two days in a row in the same month, from the day after tomorrow."""
    first = timezone.localdate() + timedelta(days=2)
    if (first + timedelta(days=1)).month != first.month:
        first += timedelta(days=1)
    return first, first + timedelta(days=1)


@pytest.mark.django_db(transaction=True)
def test_an_approver_moves_a_post_to_the_next_day_by_keyboard(journeys, team, approver):
    secret = enrol_totp(approver)
    account = TwitterAccountFactory(team=team, kind=TwitterAccount.Kind.PERSONAL, handle="DeptLibraries")
    day, next_day = _days()
    due = timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=10))
    draft = services.draft_create(
        author=approver, account=account, text="The library reopens after the works.", scheduled_at=due
    )
    draft = services.draft_submit(draft=draft, by=approver)  # a personal account: no approval needed
    assert draft.state == draft.State.SCHEDULED

    journey = journeys.start("approver")
    page = journey.sign_in(approver.email, totp_secret=secret)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Calendar").click()
    journey.check()
    if day.month != timezone.localdate().month:
        page.get_by_role("link", name="Next month").click()
        journey.check()
    cell = page.locator(f"#day-{day:%Y-%m-%d}")
    assert "The library reopens after the works." in cell.inner_text()

    link = page.get_by_role("link", name=re.compile(r"^Reschedule the @DeptLibraries post at 10:00"))
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/drafts/calendar/{draft.pk}/reschedule/"))
    journey.check()
    when = page.get_by_role("group", name="New publishing time")
    when.get_by_label("Day").focus()
    for value in (str(next_day.day), str(next_day.month), str(next_day.year), "11:45"):
        page.keyboard.press("Control+A")
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the focus is on the Reschedule button
    page.wait_for_url(re.compile(r"/drafts/calendar/\?"))
    journey.check()

    assert "Rescheduled" in page.get_by_role("alert").inner_text()
    moved = page.locator(f"#day-{next_day:%Y-%m-%d}").inner_text()
    assert "The library reopens after the works." in moved and "11:45 @DeptLibraries" in moved
    assert "The library reopens after the works." not in page.locator(f"#day-{day:%Y-%m-%d}").inner_text()
    draft.refresh_from_db()
    assert timezone.localtime(draft.scheduled_at).date() == next_day


@pytest.mark.django_db(transaction=True)
def test_the_calendar_at_375px_lists_each_day_without_scrolling_sideways(journeys, team, account, member):
    soon = timezone.now() + timedelta(minutes=1)  # today's page shows it
    DraftFactory(account=account, author=member, state="scheduled", scheduled_at=soon, text="Bins are late this week.")
    journey = journeys.start("member")
    journey.page.set_viewport_size({"width": 375, "height": 800})
    journey.sign_in(member.email)
    for path in ("/drafts/calendar/", "/drafts/calendar/?view=week", "/drafts/calendar/day/"):
        page = journey.goto(path)
        assert page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") == 0
    assert page.get_by_role("link", name="Bins are late this week.").is_visible()
