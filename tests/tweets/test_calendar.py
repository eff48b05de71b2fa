"""The calendar of posts (tweets/views/calendar.py, tweets/calendar.py): who sees what, the days in UK time across the
clock changes, freezes as blocked days, filters, a fixed number of queries, and rescheduling from it."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Membership
from tests.conftest import enrol_totp
from tests.factories import MembershipFactory, TwitterAccountFactory
from tests.tweets.factories import DraftFactory, FreezeFactory
from tweets.models import Draft, PublishingFreeze

pytestmark = pytest.mark.django_db
S = Draft.State
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # a Thursday


@pytest.fixture(autouse=True)
def _thursday_3_december():
    with time_machine.travel(NOW, tick=False):
        yield


def _at(text: str) -> datetime:
    """A UK wall-clock time ('2026-12-10 14:00') as an aware datetime."""
    return timezone.make_aware(datetime.strptime(text, "%Y-%m-%d %H:%M"))


def _calendar(client, **params) -> str:
    response = client.get(f"{reverse('tweets:calendar')}?{urlencode(params)}")
    assert response.status_code == 200
    return response.content.decode()


def _cell(page: str, day: str) -> str:
    """The HTML of one day's cell (its id is day-YYYY-MM-DD), up to the next cell."""
    match = re.search(rf'id="day-{day}">(.*?)</td>', page, re.S)
    assert match, f"no cell for {day}"
    return match.group(1)


def _scheduled(account, author, text, at, state=S.SCHEDULED):
    return DraftFactory(account=account, author=author, state=state, text=text, scheduled_at=at, publish_due_at=at)


def _published(account, author, text, at):
    return DraftFactory(
        account=account, author=author, state=S.PUBLISHED, text=text, published_at=at, published_post_id="19000001"
    )


@pytest.fixture
def posts(team, other_team, account, member):
    theirs = TwitterAccountFactory(team=other_team, handle="CustomerHelp")
    stranger = MembershipFactory(team=other_team).user
    return {
        "ours": _scheduled(account, member, "Ferry timetable changes next week", _at("2026-12-10 14:00")),
        "published": _published(account, member, "Bridge works finished on time", _at("2026-12-01 09:30")),
        "theirs": _scheduled(theirs, stranger, "Refund forms are now online", _at("2026-12-10 15:00")),
        "their_account": theirs,
    }


# --- Who sees what ------------------------------------------------------------------------------------------------


def test_a_member_sees_their_teams_posts_on_their_days_and_nothing_of_other_teams(client, member, posts):
    client.force_login(member)
    page = _calendar(client)
    assert "December 2026" in page
    assert "Ferry timetable changes next week" in _cell(page, "2026-12-10")
    assert "14:00 @DeptComms" in _cell(page, "2026-12-10")
    assert "Bridge works finished on time" in _cell(page, "2026-12-01")
    assert "Published" in _cell(page, "2026-12-01")
    assert posts["ours"].get_absolute_url() in page
    assert "Refund forms are now online" not in page
    assert "CustomerHelp" not in page  # not even in the account filter


def test_an_outsider_sees_only_their_own_team(client, outsider, posts):
    client.force_login(outsider)
    page = _calendar(client)
    assert "Refund forms are now online" in _cell(page, "2026-12-10")  # their own team's
    assert "Ferry timetable changes next week" not in page
    assert "Bridge works finished on time" not in page


def test_an_admin_sees_every_team(client, admin_user, posts):
    client.force_login(admin_user)
    page = _calendar(client)
    day = _cell(page, "2026-12-10")
    assert "Ferry timetable changes next week" in day and "Refund forms are now online" in day


def test_the_approving_team_sees_the_posts_it_approves_but_may_not_reschedule_them(client, team, other_team, member):
    approving = MembershipFactory(team=other_team, role=Membership.Role.APPROVER).user
    enrol_totp(approving)
    account = TwitterAccountFactory(team=team, approver_team=other_team, handle="PressDesk")
    draft = _scheduled(account, member, "Press notice for Friday", _at("2026-12-11 08:00"))
    client.force_login(approving)
    page = _calendar(client)
    assert "Press notice for Friday" in _cell(page, "2026-12-11")
    assert reverse("tweets:calendar_reschedule", args=[draft.pk]) not in page
    response = client.post(
        reverse("tweets:calendar_reschedule", args=[draft.pk]),
        {
            "scheduled_at_day": "12",
            "scheduled_at_month": "12",
            "scheduled_at_year": "2026",
            "scheduled_at_time": "9:00",
        },
    )
    assert response.status_code == 403
    assert "Only members of" in response.content.decode()
    draft.refresh_from_db()
    assert draft.scheduled_at == _at("2026-12-11 08:00")


def test_drafts_not_yet_approved_and_withdrawn_posts_are_not_on_it(client, member, account):
    DraftFactory(account=account, author=member, state=S.SUBMITTED, text="Waiting for approval", scheduled_at=NOW)
    DraftFactory(account=account, author=member, state=S.WITHDRAWN, text="Withdrawn one", scheduled_at=NOW)
    _scheduled(account, member, "Held by the freeze", _at("2026-12-04 10:00"), state=S.HELD)
    client.force_login(member)
    page = _calendar(client)
    assert "Waiting for approval" not in page and "Withdrawn one" not in page
    assert "Held by a freeze" in _cell(page, "2026-12-04")


# --- Weeks, months and the clock changes -------------------------------------------------------------------------


def test_the_week_view_shows_monday_to_sunday_with_navigation(client, member, posts):
    client.force_login(member)
    page = _calendar(client, view="week", day="2026-12-10")
    assert "Week of Monday 7 December 2026" in page
    assert "Ferry timetable changes next week" in _cell(page, "2026-12-10")
    assert "Bridge works finished on time" not in page  # the week before
    assert "view=week&amp;day=2026-11-30" in page  # previous week
    assert "view=week&amp;day=2026-12-14" in page  # next week
    assert "view=week&amp;day=2026-12-03" in page  # today


def test_months_end_at_uk_midnight_across_the_clocks_going_back(client, member, account):
    # 00:30 on 1 November is GMT (UTC+0); 00:30 on 1 October is BST (30 September 23:30 UTC).
    _scheduled(account, member, "First thing in November", _at("2026-11-01 00:30"))
    _scheduled(account, member, "Last thing in October", _at("2026-10-31 23:30"))
    _scheduled(account, member, "First thing in October", _at("2026-10-01 00:30"))
    _scheduled(account, member, "The hour that happens twice", _at("2026-10-25 01:30"))
    client.force_login(member)
    october = _calendar(client, day="2026-10-15")
    assert "First thing in November" not in october
    assert "Last thing in October" in _cell(october, "2026-10-31")
    assert "First thing in October" in _cell(october, "2026-10-01")
    assert "00:30 @DeptComms" in _cell(october, "2026-10-01")
    assert "The hour that happens twice" in _cell(october, "2026-10-25")
    november = _calendar(client, day="2026-11-01")
    assert "First thing in November" in _cell(november, "2026-11-01")
    assert "Last thing in October" not in november


def test_weeks_end_at_uk_midnight_across_the_clocks_going_forward(client, member, account):
    # The clocks go forward on Sunday 29 March 2026: 23:30 that night is BST, 22:30 UTC.
    _scheduled(account, member, "Sunday night post", _at("2026-03-29 23:30"))
    _scheduled(account, member, "Monday small hours post", _at("2026-03-30 00:15"))
    client.force_login(member)
    week = _calendar(client, view="week", day="2026-03-26")
    assert "Sunday night post" in _cell(week, "2026-03-29")
    assert "23:30 @DeptComms" in _cell(week, "2026-03-29")
    assert "Monday small hours post" not in week
    following = _calendar(client, view="week", day="2026-03-30")
    assert "Monday small hours post" in _cell(following, "2026-03-30")
    assert "Sunday night post" not in following


# --- Freezes -----------------------------------------------------------------------------------------------------


def test_an_ongoing_freeze_blocks_its_days_from_its_start_on(client, member, team, account, lead):
    freeze = FreezeFactory(
        scope=PublishingFreeze.Scope.TEAM, team=team, reason="Pre-election period", started_at=_at("2026-12-02 16:00")
    )
    due = _scheduled(account, member, "Due while frozen", _at("2026-12-15 10:00"))
    client.force_login(member)
    page = _calendar(client)
    assert "Frozen" not in _cell(page, "2026-12-01")
    for day in ("2026-12-02", "2026-12-03", "2026-12-31"):
        assert "Pre-election period" in _cell(page, day)
        assert reverse("tweets:freeze_detail", args=[freeze.pk]) in _cell(page, day)
    assert "still in force" in page
    # The first day says which freeze and why; the days after say "Frozen", the rest for screen readers.
    assert '<a class="govuk-link" href="/drafts/freezes/' in _cell(page, "2026-12-02")
    assert 'hidden"> (Digital Communications&#x27;s accounts: Pre-election period)' in _cell(page, "2026-12-03")
    assert "Will be held" in _cell(page, "2026-12-15")
    assert due.get_absolute_url() in _cell(page, "2026-12-15")


def test_a_lifted_freeze_blocks_only_the_days_it_held(client, member, team, account):
    FreezeFactory(
        scope=PublishingFreeze.Scope.EVERYTHING,
        reason="National mourning",
        started_at=_at("2026-11-28 12:00"),
        lifted_at=_at("2026-12-02 09:00"),
    )
    client.force_login(member)
    page = _calendar(client)
    assert "National mourning" in _cell(page, "2026-12-01")
    assert "National mourning" in _cell(page, "2026-12-02")
    assert "National mourning" not in _cell(page, "2026-12-03")
    november = _calendar(client, day="2026-11-01")
    assert "National mourning" not in _cell(november, "2026-11-27")
    assert "National mourning" in _cell(november, "2026-11-28")


def test_another_teams_freeze_is_not_shown(client, member, other_team, posts):
    FreezeFactory(scope=PublishingFreeze.Scope.TEAM, team=other_team, reason="Their own incident")
    FreezeFactory(scope=PublishingFreeze.Scope.ACCOUNT, account=posts["their_account"], reason="Their account")
    client.force_login(member)
    page = _calendar(client)
    calendar = page.split("<main", 1)[1].split("</main>", 1)[0].split("<h1", 1)[1]  # not the site's banners
    assert "Their own incident" not in calendar and "Their account" not in calendar
    assert "Frozen" not in calendar


# --- Filters ------------------------------------------------------------------------------------------------------


def test_filters_by_account_and_by_team(client, admin_user, account, posts, other_team):
    client.force_login(admin_user)
    mine = _calendar(client, account=account.pk)
    assert "Ferry timetable changes next week" in mine and "Refund forms are now online" not in mine
    theirs = _calendar(client, team=other_team.pk)
    assert "Refund forms are now online" in theirs and "Ferry timetable changes next week" not in theirs
    # The links keep the filter.
    assert f"team={other_team.pk}" in re.search(r'href="([^"]*)" rel="next"', theirs).group(1)


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"view": "year"}, "shows a month"),
        ({"day": "2026-02-30"}, "shows today"),
        ({"day": "0001-01-01"}, "shows today"),
        ({"day": "\x00"}, "shows today"),
        ({"account": "banana"}, "every account you can see"),
        ({"team": "99999999999999999999999"}, "every team"),
    ],
)
def test_what_it_cannot_read_it_says_and_ignores(client, member, posts, params, says):
    client.force_login(member)
    page = _calendar(client, **params)
    assert says in page
    assert "Ferry timetable changes next week" in page


def test_another_teams_account_cannot_be_chosen(client, member, posts):
    client.force_login(member)
    page = _calendar(client, account=posts["their_account"].pk)
    assert "not one you can see" in page
    assert "Refund forms are now online" not in page


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(
        st.sampled_from(["view", "day", "account", "team", "page"]),
        st.one_of(st.text(max_size=30), st.integers(-(2**70), 2**70).map(str), st.dates().map(str)),
    )
)
def test_no_query_string_is_a_server_error(client, member, params):
    client.force_login(member)
    for name in ("tweets:calendar", "tweets:calendar_day"):
        response = client.get(reverse(name), params)
        assert response.status_code == 200, (name, params)


# --- Cost ---------------------------------------------------------------------------------------------------------


def _queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        _calendar(client, **params)
    return len(queries)


@pytest.mark.parametrize("view", ["month", "week"])
def test_the_same_number_of_queries_however_many_posts(client, team, member, account, view):
    other = TwitterAccountFactory(team=team)
    FreezeFactory(scope=PublishingFreeze.Scope.TEAM, team=team)
    _scheduled(account, member, "One", _at("2026-12-04 10:00"))
    client.force_login(member)
    _calendar(client, view=view)  # the session and caches warmed
    few = _queries(client, view=view)
    for day in range(1, 32):
        for hour in (8, 12, 16):
            _scheduled(
                other if hour == 12 else account, member, f"Post {day} {hour}", _at(f"2026-12-{day:02} {hour}:00")
            )
        _published(account, member, f"Sent {day}", _at(f"2026-12-{day:02} 07:00"))
    assert _queries(client, view=view) == few


def test_a_month_of_a_thousand_posts_shows_a_few_a_day_and_how_many_more(client, team, member, account):
    at = _at("2026-12-01 06:00")
    Draft.objects.bulk_create(
        Draft(account=account, author=member, state=S.SCHEDULED, scheduled_at=at + timedelta(minutes=43 * n))
        for n in range(1000)
    )
    client.force_login(member)
    page = _calendar(client)
    assert page.count('class="dovecote-calendar__post"') == 31 * 3  # the last at 01:57 on the 31st
    assert "and 30 more" in _cell(page, "2026-12-02")  # 1440 / 43 = 33 a day
    day = client.get(reverse("tweets:calendar_day"), {"day": "2026-12-02"})
    assert day.status_code == 200
    assert "33 posts" in day.content.decode()
    assert day.content.decode().count('id="calendar-post-') == 33


# --- Rescheduling -------------------------------------------------------------------------------------------------


def _boxes(text: str) -> dict:
    moment = datetime.strptime(text, "%Y-%m-%d %H:%M")
    return {
        "scheduled_at_day": str(moment.day),
        "scheduled_at_month": str(moment.month),
        "scheduled_at_year": str(moment.year),
        "scheduled_at_time": f"{moment:%H:%M}",
    }


def test_a_member_reschedules_from_the_week_and_returns_to_it(client, member, posts):
    draft = posts["ours"]
    client.force_login(member)
    page = _calendar(client, view="week", day="2026-12-10")
    link = re.search(r'href="([^"]*)">Reschedule<span', page).group(1).replace("&amp;", "&")
    assert link.startswith(reverse("tweets:calendar_reschedule", args=[draft.pk]))
    form = client.get(link)
    assert form.status_code == 200
    assert 'name="scheduled_at_day" value="10"' in form.content.decode()
    response = client.post(link.split("?")[0], {**_boxes("2026-12-11 09:15"), "view": "week", "day": "2026-12-10"})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('tweets:calendar')}?view=week&day=2026-12-10"
    draft.refresh_from_db()
    assert draft.scheduled_at == _at("2026-12-11 09:15") and draft.state == S.SCHEDULED
    page = client.get(response["Location"]).content.decode()
    assert "Rescheduled" in page and "Friday 11 December 2026 at 09:15" in page
    assert "Ferry timetable changes next week" in _cell(page, "2026-12-11")
    assert "Ferry timetable changes next week" not in _cell(page, "2026-12-10")


def test_moving_a_post_while_its_account_is_frozen_says_it_will_be_held(client, member, team, posts):
    FreezeFactory(scope=PublishingFreeze.Scope.TEAM, team=team, reason="Security incident")
    client.force_login(member)
    url = reverse("tweets:calendar_reschedule", args=[posts["ours"].pk])
    assert "it will be held when it is due" in client.get(url).content.decode()
    response = client.post(url, _boxes("2026-12-12 10:00"), follow=True)
    assert "so it will be held when it is due" in response.content.decode()
    assert "Security incident" in response.content.decode()


@pytest.mark.parametrize(
    ("boxes", "error"),
    [
        ({**_boxes("2026-12-12 10:00"), "scheduled_at_month": "13"}, "Enter a real date"),
        (_boxes("2026-12-01 10:00"), "Choose a time in the future"),
        ({**_boxes("2027-03-28 01:30")}, "does not exist in London"),
        ({**_boxes("2026-12-12 10:00"), "scheduled_at_time": "teatime"}, "Enter a time like 14:30"),
    ],
)
def test_a_time_it_cannot_take_is_shown_in_place_with_an_error_summary(client, member, posts, boxes, error):
    client.force_login(member)
    url = reverse("tweets:calendar_reschedule", args=[posts["ours"].pk])
    response = client.post(url, {**boxes, "view": "month", "day": "2026-12-03"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in body and error in body
    assert 'href="#id_scheduled_at_0"' in body
    posts["ours"].refresh_from_db()
    assert posts["ours"].scheduled_at == _at("2026-12-10 14:00")


def test_a_published_post_cannot_be_rescheduled(client, member, posts):
    client.force_login(member)
    page = _calendar(client)
    assert reverse("tweets:calendar_reschedule", args=[posts["published"].pk]) not in page
    response = client.post(
        reverse("tweets:calendar_reschedule", args=[posts["published"].pk]), _boxes("2026-12-12 10:00")
    )
    assert response.status_code == 403


def test_an_outsider_cannot_reach_the_reschedule_page(client, outsider, posts):
    client.force_login(outsider)
    url = reverse("tweets:calendar_reschedule", args=[posts["ours"].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, _boxes("2026-12-12 10:00")).status_code == 404


def test_the_calendar_is_in_the_navigation(client, member):
    client.force_login(member)
    page = client.get(reverse("tweets:calendar")).content.decode()
    assert re.search(r'<a class="govuk-service-navigation__link" href="/drafts/calendar/" aria-current="true">', page)
    drafts = client.get(reverse("tweets:draft_list")).content.decode()
    assert 'href="/drafts/calendar/"' in drafts
    assert 'href="/drafts/calendar/" aria-current' not in drafts


def test_someone_with_no_accounts_sees_an_empty_calendar_without_freezes(client, db):
    nobody = MembershipFactory(team=TwitterAccountFactory().team).user
    nobody.memberships.all().delete()
    FreezeFactory(scope=PublishingFreeze.Scope.EVERYTHING, reason="Everything stops")
    client.force_login(nobody)
    page = _calendar(client)
    assert "calendar-freezes" not in page and "Frozen" not in page.split("<h1", 1)[1]


@pytest.mark.parametrize(
    ("utc", "view", "title", "today"),
    [
        # 23:30 UTC on 24 October is 00:30 BST on Sunday 25 October, the night the clocks go back.
        (datetime(2026, 10, 24, 23, 30, tzinfo=UTC), "week", "Week of Monday 19 October 2026", "Sunday 25 October"),
        # 23:30 UTC on 31 March is 00:30 BST on 1 April: the calendar opens on April.
        (datetime(2026, 3, 31, 23, 30, tzinfo=UTC), "month", "April 2026", "Wednesday 1 April"),
        # 23:30 UTC on 31 October is 23:30 GMT, still October.
        (datetime(2026, 10, 31, 23, 30, tzinfo=UTC), "month", "October 2026", "Saturday 31 October"),
    ],
)
def test_today_is_the_uk_day_not_the_utc_day(client, team, utc, view, title, today):
    with time_machine.travel(utc, tick=False):
        member = MembershipFactory(team=team).user  # a member from now on
        account = TwitterAccountFactory(team=team, handle="DeptNight")
        _scheduled(account, member, "Just after midnight", timezone.now() + timedelta(minutes=15))
        client.force_login(member)
        page = _calendar(client, view=view)
        assert title in page
        assert f"{today} (today)" in page
        cell = _cell(page, timezone.localdate().isoformat())
        assert "Just after midnight" in cell
        assert f"{timezone.localtime(utc + timedelta(minutes=15)):%H:%M} @DeptNight" in cell  # UK time
