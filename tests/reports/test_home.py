"""The dashboard home: each panel shows the right things for constructed data, only the user's teams."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Membership
from monitoring import dashboard
from monitoring.models import InboxItem, MentionMatch, MonitorHour, SpikeAlert
from tests.factories import MembershipFactory, TwitterAccountFactory
from tests.monitoring.factories import InboxItemFactory, MentionFactory, MonitorFactory
from tests.training.factories import BookingFactory, TrainingSessionFactory
from tests.training.helpers import certify, require_course
from tests.tweets.factories import DraftFactory, FreezeFactory
from tweets import services
from tweets.models import Approval, Draft
from twitter_api.models import ApiCall

NOW = datetime(2026, 11, 18, 10, 30, tzinfo=UTC)
S = Draft.State


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


def home(client, user, **params):
    client.force_login(user)
    return client.get(reverse("home"), params)


def test_it_shows_drafts_waiting_for_my_approval_oldest_first_with_their_age(
    client, approver, member, account, other_account, outsider
):
    newer = DraftFactory(account=account, author=member, state=S.SUBMITTED, updated_at=NOW - timedelta(hours=2))
    older = DraftFactory(account=account, author=member, state=S.SUBMITTED, updated_at=NOW - timedelta(days=2))
    already = DraftFactory(account=account, author=member, state=S.SUBMITTED, updated_at=NOW - timedelta(days=3))
    Approval.objects.create(draft=already, revision=already.current_revision, approver=approver)
    mine = DraftFactory(account=account, author=approver, state=S.SUBMITTED)
    elsewhere = DraftFactory(account=other_account, author=outsider, state=S.SUBMITTED)

    response = home(client, approver)

    drafts = response.context["approvals"].drafts
    assert [d.pk for d in drafts] == [older.pk, newer.pk]
    assert response.context["approvals"].total == 2
    assert drafts[0].waiting_for == timedelta(days=2)
    content = response.content.decode()
    assert "2\xa0days" in content
    assert f'action="/drafts/{older.pk}/approve/"' in content and f'href="/drafts/{older.pk}/"' in content
    assert f"@{account.handle}" in content and str(member) in content
    assert f"/drafts/{already.pk}/" not in content
    assert f"/drafts/{mine.pk}/" not in content
    assert f"/drafts/{elsewhere.pk}/" not in content


def test_a_draft_whose_approval_by_me_lapsed_waits_for_me_again(client, approver, member, account):
    lapsed = DraftFactory(account=account, author=member, state=S.SUBMITTED)
    Approval.objects.create(
        draft=lapsed,
        revision=lapsed.current_revision,
        approver=approver,
        created_at=NOW - account.approval_expiry - timedelta(minutes=1),
    )

    assert [d.pk for d in home(client, approver).context["approvals"].drafts] == [lapsed.pk]


def test_a_member_who_cannot_approve_sees_no_approval_panel(client, member, account):
    DraftFactory(account=account, author=member, state=S.SUBMITTED)

    response = home(client, member)

    assert response.context["approvals"].total == 0
    assert "Waiting for my approval" not in response.content.decode()


def test_it_counts_my_drafts_by_state(client, member, account):
    DraftFactory(account=account, author=member, state=S.DRAFT)
    DraftFactory(account=account, author=member, state=S.DRAFT)
    DraftFactory(account=account, author=member, state=S.CHANGES_REQUESTED)
    DraftFactory(account=account, state=S.DRAFT)  # someone else's

    response = home(client, member)

    assert response.context["my_drafts"] == [
        {"state": "draft", "label": "Draft", "count": 2},
        {"state": "changes_requested", "label": "Changes requested", "count": 1},
    ]


def test_my_drafts_by_state_come_from_the_cache_until_a_draft_changes(client, member, account, approver):
    draft = DraftFactory(account=account, author=member, state=S.DRAFT)
    assert home(client, member).context["my_drafts"] == [{"state": "draft", "label": "Draft", "count": 1}]

    submitted = services.draft_submit(draft=draft, by=member)  # a service: the drafts' generation moves on

    assert submitted.state == S.SUBMITTED
    assert home(client, member).context["my_drafts"] == [
        {"state": "submitted", "label": "Waiting for approval", "count": 1}
    ]

    # Proof that the counts are cached: a change made behind the services' back (no signal) is not seen.
    Draft.objects.filter(pk=draft.pk).update(state=S.DRAFT)
    assert home(client, member).context["my_drafts"][0]["state"] == "submitted"


def test_it_shows_my_inbox_items_overdue_ones_and_unassigned_items_in_my_teams_only(client, member, team, other_team):
    overdue = InboxItemFactory(team=team, assigned_to=member, status="in_progress", due_at=NOW - timedelta(hours=1))
    later = InboxItemFactory(team=team, assigned_to=member, status="in_progress", due_at=NOW + timedelta(hours=5))
    InboxItemFactory(team=team, assigned_to=member, status="replied", due_at=NOW - timedelta(hours=5))
    InboxItemFactory(team=team, due_at=NOW - timedelta(hours=1))
    InboxItemFactory(team=team, due_at=NOW + timedelta(hours=1))
    InboxItemFactory(team=other_team, due_at=NOW - timedelta(hours=1))

    response = home(client, member)

    inbox = response.context["inbox"]
    assert (inbox.mine_total, inbox.mine_overdue) == (2, 1)
    assert (inbox.unassigned_total, inbox.unassigned_overdue) == (2, 1)
    assert [r["team_id"] for r in inbox.teams] == [team.pk]
    assert [(item["pk"], item["overdue"]) for item in response.context["my_items"]] == [
        (overdue.pk, True),
        (later.pk, False),
    ]
    assert response.context["my_items"][0]["url"] == overdue.get_absolute_url()
    assert "Overdue" in response.content.decode()


def test_the_inbox_counts_add_up_per_team_for_someone_in_two_teams(member, team, other_team, approver):
    MembershipFactory(user=member, team=other_team)
    late, soon = NOW - timedelta(minutes=1), NOW + timedelta(minutes=1)
    for due in (late, late, soon):
        InboxItemFactory(team=team, due_at=due)
    InboxItemFactory(team=other_team, due_at=soon)
    InboxItemFactory(team=team, assigned_to=member, status="in_progress", due_at=late)
    InboxItemFactory(team=other_team, assigned_to=member, due_at=soon)
    InboxItemFactory(team=team, assigned_to=approver, due_at=late)  # someone else's
    InboxItemFactory(team=team, status="no_action", due_at=late)  # closed
    InboxItemFactory(due_at=late)  # a team I am not in

    panel = dashboard.inbox_counts(member, now=NOW)

    assert sorted(panel.teams, key=lambda row: row["team_id"]) == sorted(
        [
            {"team_id": team.pk, "team__name": team.name, "unassigned": 3, "unassigned_overdue": 2},
            {"team_id": other_team.pk, "team__name": other_team.name, "unassigned": 1, "unassigned_overdue": 0},
        ],
        key=lambda row: row["team_id"],
    )
    assert [row["team__name"] for row in panel.teams] == sorted([team.name, other_team.name])
    assert (panel.unassigned_total, panel.unassigned_overdue) == (4, 2)
    assert (panel.mine_total, panel.mine_overdue) == (2, 1)


def test_it_shows_the_next_seven_days_of_scheduled_posts_per_account_and_held_posts(
    client, member, account, other_account
):
    soon = DraftFactory(account=account, state=S.SCHEDULED, scheduled_at=NOW + timedelta(days=1), text="Soon post")
    DraftFactory(account=account, state=S.SCHEDULED, scheduled_at=NOW + timedelta(days=8), text="Far future post")
    DraftFactory(account=other_account, state=S.SCHEDULED, scheduled_at=NOW + timedelta(days=1), text="Not ours")
    freeze = FreezeFactory(reason="Pre-election period")
    held = DraftFactory(account=account, state=S.HELD, held_by=freeze, scheduled_at=NOW - timedelta(hours=1))

    response = home(client, member)

    schedule = response.context["schedule"]
    assert [(e.account, [d.pk for d in e.drafts], e.total) for e in schedule.accounts] == [(account, [soon.pk], 1)]
    assert [d.pk for d in schedule.held] == [held.pk]
    assert schedule.held_total == 1
    content = response.content.decode()
    assert "Soon post" in content
    assert "Far future post" not in content
    assert "Not ours" not in content
    assert "held by a publishing freeze" in content
    assert "Publishing freeze" in content  # the site-wide banner from tweets.banners


def test_it_draws_24_hourly_volumes_and_sentiment_for_my_teams_monitors_with_current_spikes(
    client, member, team, other_team
):
    monitor = MonitorFactory(team=team, name="Passports")
    hidden = MonitorFactory(team=other_team, name="Not my team's monitor")
    for hours_ago, sentiment in [(0, 0.5), (0, -0.1), (3, 0.2), (30, -0.8)]:
        when = NOW - timedelta(hours=hours_ago)
        mention = MentionFactory(posted_at=when, sentiment=sentiment)
        MentionMatch.objects.create(mention=mention, monitor=monitor, matched_at=when)
    MentionMatch.objects.create(mention=MentionFactory(), monitor=hidden, matched_at=NOW)
    SpikeAlert.objects.create(monitor=monitor, hour_start=NOW.replace(minute=0), count=40, baseline=4.0)

    response = home(client, member)

    panel = response.context["monitors"]
    assert [s.monitor for s in panel.series] == [monitor]
    series = panel.series[0]
    assert len(series.volume) == 24
    assert series.volume[-1] == 2 and series.volume[-4] == 1 and series.total == 3
    assert series.sentiment[-1] == 0.2
    assert series.average_sentiment == 0.2
    assert series.previous_sentiment == -0.8
    assert series.sentiment_change == "improving"
    assert len(series.volume_points.split()) == 24
    assert [s.monitor for s in panel.spikes] == [monitor]
    content = response.content.decode()
    assert "<polyline" in content
    assert "Not my team" not in content


def test_the_api_budget_panel_is_for_leads_and_admins_only(client, member, lead, admin_user, settings):
    settings.X_MONTHLY_READ_BUDGET = 1000
    ApiCall.objects.create(endpoint="/2/tweets/search/recent", method="GET", posts_read=250, created_at=NOW)
    ApiCall.objects.create(endpoint="/2/tweets", method="POST", posts_created=3, created_at=NOW)
    ApiCall.objects.create(
        endpoint="/2/tweets/search/recent", method="GET", posts_read=900, created_at=NOW - timedelta(days=30)
    )

    assert home(client, member).context["budget"] is None
    for user in (lead, admin_user):
        panel = home(client, user).context["budget"]
        assert (panel.posts_read, panel.posts_created, panel.limit, panel.percent) == (250, 3, 1000, 25)
        assert panel.cost == round(250 * settings.X_PRICE_PER_POST_READ + 3 * settings.X_PRICE_PER_POST_CREATED, 2)


def test_it_shows_my_training_missing_courses_expiring_certifications_and_next_session(client, member, account):
    basics = require_course(account.kind, "draft", title="Social media basics")
    replies = require_course(account.kind, "reply", title="Replying to the public")
    certify(member, basics, at=NOW - timedelta(days=350))  # expires in about 15 days
    later = TrainingSessionFactory(course=replies, starts_at=NOW + timedelta(days=9))
    sooner = TrainingSessionFactory(course=replies, starts_at=NOW + timedelta(days=2))
    BookingFactory(session=later, user=member)
    BookingFactory(session=sooner, user=member)
    BookingFactory(session=TrainingSessionFactory(starts_at=NOW - timedelta(days=1)), user=member)

    response = home(client, member)

    panel = response.context["training"]
    assert [n["course"] for n in panel.missing] == [replies]
    assert [c.course for c in panel.expiring] == [basics]
    assert panel.next_booking.session == sooner
    content = response.content.decode()
    assert "Replying to the public" in content and "Session details" in content


def test_my_training_follows_a_new_requirement_and_a_new_kind_of_account_at_once(client, member, account, team):
    require_course("press_office", "draft", title="Talking to journalists")
    assert home(client, member).context["training"].missing == []  # my team has no press office account

    TwitterAccountFactory(team=team, kind="press_office", handle="DeptPress")
    assert [n["course"].title for n in home(client, member).context["training"].missing] == ["Talking to journalists"]

    require_course(account.kind, "draft", title="Social media basics")
    missing = [n["course"].title for n in home(client, member).context["training"].missing]
    assert missing == ["Social media basics", "Talking to journalists"]


def test_the_my_work_panel_comes_alone_for_htmx_to_swap_in_place(client, member, team):
    InboxItemFactory(team=team, due_at=NOW + timedelta(hours=1))

    response = home(client, member, panel="my-work")

    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert 'data-count="unassigned">1<' in content


def test_the_monitors_panel_comes_alone_for_htmx(client, member, team):
    MonitorFactory(team=team, name="Visas")

    response = home(client, member, panel="monitors")

    assert "<html" not in response.content.decode()
    assert "Visas" in response.content.decode()


def test_an_unknown_panel_is_not_found(client, member):
    assert home(client, member, panel="secrets").status_code == 404


def test_the_page_refreshes_counts_every_minute_and_after_actions(client, approver, member, account):
    DraftFactory(account=account, author=member, state=S.SUBMITTED)

    content = home(client, approver).content.decode()

    assert 'hx-trigger="every 60s, dashboard:refresh from:body"' in content
    assert "hx-post=" in content and "data-dashboard-action" in content
    assert "js/dashboard.js" in content
    assert "<script>" not in content


def test_admins_see_every_team(client, admin_user, team, other_team):
    InboxItemFactory(team=team)
    InboxItemFactory(team=other_team)

    inbox = home(client, admin_user).context["inbox"]

    assert inbox.unassigned_total == 2


# --- Fixed number of queries --------------------------------------------------------------------------


def _populate(size, *, team, account, lead, member):
    monitor = MonitorFactory(team=team)
    for i in range(size):
        DraftFactory(account=account, author=member, state=S.SUBMITTED, updated_at=NOW - timedelta(minutes=i))
        DraftFactory(account=account, author=lead, state=S.DRAFT)
        DraftFactory(account=account, author=member, state=S.SCHEDULED, scheduled_at=NOW + timedelta(hours=i + 1))
        InboxItemFactory(team=team, assigned_to=lead, status=InboxItem.Status.IN_PROGRESS)
        InboxItemFactory(team=team)
        mention = MentionFactory(posted_at=NOW - timedelta(hours=i % 24))
        MentionMatch.objects.create(mention=mention, monitor=monitor, matched_at=mention.posted_at)
        MonitorFactory(team=team)
    course = require_course(account.kind, "approve", title="Approving posts")
    certify(lead, course, at=NOW - timedelta(days=360))
    BookingFactory(session=TrainingSessionFactory(course=course), user=lead)


HOME_QUERIES = (
    34  # the first visit ever: includes teams and accounts (2), the schedule (3), the monitors (6, counting hours),
    # for leads the drafts that nobody can approve (2: the drafts waiting, their approving teams' approvers),
    # the items passed on to my teams (1), the header's count of unread notifications (1, then cached), for
    # leads the open possible takeovers (1, then cached: the banner and the panel, safety.banners), and the
    # accounts whose events grant X refused to refresh (1, then cached: the banner, accounts.oauth2)
)


@pytest.mark.parametrize("size", [2, 12])
def test_the_home_page_uses_a_fixed_number_of_queries_whatever_the_data(
    client, django_assert_num_queries, size, team, account, lead, member
):
    _populate(size, team=team, account=account, lead=lead, member=member)
    FreezeFactory()
    client.force_login(lead)

    with django_assert_num_queries(HOME_QUERIES):
        response = client.get(reverse("home"))

    assert response.context["approvals"].total == size
    assert response.context["inbox"].mine_total == size


@pytest.mark.parametrize("size", [2, 12])
def test_the_my_work_partial_uses_a_fixed_number_of_queries(
    client, django_assert_num_queries, size, team, account, lead, member
):
    _populate(size, team=team, account=account, lead=lead, member=member)
    client.force_login(lead)

    # with, for a lead, the open possible takeovers' banner and the refused events grants' (each then cached)
    with django_assert_num_queries(12):
        client.get(reverse("home"), {"panel": "my-work"})


def test_my_items_are_only_read_when_the_count_says_i_have_some(client, team, member, django_assert_num_queries):
    InboxItemFactory(team=team)  # unassigned: counted, not mine
    client.force_login(member)
    client.get(reverse("home"), {"panel": "my-work"})  # the drafts panel is cached from here on

    with django_assert_num_queries(2):  # the session's user and the counts: no query for my items
        response = client.get(reverse("home"), {"panel": "my-work"})
    assert response.context["my_items"] == []

    InboxItemFactory(team=team, assigned_to=member, status=InboxItem.Status.IN_PROGRESS)
    with django_assert_num_queries(3):
        response = client.get(reverse("home"), {"panel": "my-work"})
    assert len(response.context["my_items"]) == 1


def test_a_new_member_with_no_teams_gets_a_working_empty_dashboard(client, db):
    user = MembershipFactory(role=Membership.Role.MEMBER).user
    Membership.objects.filter(user=user).delete()

    response = home(client, user)

    assert response.status_code == 200
    assert "Nothing is scheduled" in response.content.decode()


def test_approving_from_the_dashboard_updates_the_counts_without_a_reload(client, approver, member, account):
    draft = DraftFactory(account=account, author=member, state=S.SUBMITTED)
    DraftFactory(account=account, author=member, state=S.SUBMITTED)
    client.force_login(approver)

    response = client.post(
        reverse("tweets:draft_approve", args=[draft.pk]),
        {"revision": draft.current_revision_id},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code in (200, 302)
    partial = client.get(reverse("home"), {"panel": "my-work"}, HTTP_HX_REQUEST="true")

    assert Approval.objects.filter(draft=draft, approver=approver).exists()
    assert 'data-count="approvals">1<' in partial.content.decode()


def test_teammates_share_the_monitors_panel_for_a_minute(client, member, team, django_assert_num_queries):
    teammate = MembershipFactory(team=team).user
    MonitorFactory(team=team)
    home(client, member, panel="monitors")
    client.force_login(teammate)

    with django_assert_num_queries(2):  # the session's user and their teams; the panel is served from the cache
        client.get(reverse("home"), {"panel": "monitors"})


def test_leads_share_the_months_api_totals_for_a_minute(client, lead, admin_user, django_assert_max_num_queries):
    ApiCall.objects.create(endpoint="/2/tweets/search/recent", method="GET", posts_read=250, created_at=NOW)
    assert home(client, admin_user).context["budget"].posts_read == 250
    ApiCall.objects.create(endpoint="/2/tweets/search/recent", method="GET", posts_read=50, created_at=NOW)

    client.force_login(lead)
    with django_assert_max_num_queries(HOME_QUERIES) as second:
        panel = client.get(reverse("home")).context["budget"]

    assert panel.posts_read == 250
    assert not any("twitter_api_apicall" in q["sql"] for q in second.captured_queries)
    cache.clear()  # a minute later
    assert home(client, lead).context["budget"].posts_read == 300


def test_the_schedule_shows_each_accounts_next_five_posts_in_time_order_and_how_many_in_all(
    client, member, account, team
):
    second = TwitterAccountFactory(team=team, handle="ZetaUnit")
    due = [NOW + timedelta(hours=h, minutes=m) for h in range(1, 30) for m in (0, 30)]
    for when in reversed(due):
        DraftFactory(account=account, state=S.SCHEDULED, scheduled_at=when)
    DraftFactory(account=second, state=S.APPROVED, scheduled_at=NOW + timedelta(days=6))
    DraftFactory(account=second, state=S.SCHEDULED, scheduled_at=NOW + timedelta(days=8))  # beyond the week

    response = home(client, member)

    panel = response.context["schedule"]
    assert [(e.account, e.total, e.more) for e in panel.accounts] == [(account, len(due), len(due) - 5), (second, 1, 0)]
    assert [d.scheduled_at for d in panel.accounts[0].drafts] == due[:5]
    content = response.content.decode()
    assert f"See all {len(due)} for @{account.handle}" in content
    assert f"?account={account.pk}" in content


def test_the_held_posts_show_the_first_twenty_and_how_many_in_all(client, member, account):
    freeze = FreezeFactory(reason="Pre-election period")
    due = [NOW - timedelta(hours=h) for h in range(25, 0, -1)]
    for when in due:
        DraftFactory(account=account, state=S.HELD, held_by=freeze, scheduled_at=when)

    panel = home(client, member).context["schedule"]

    assert panel.held_total == 25
    assert [d.scheduled_at for d in panel.held] == due[:20]


def test_closed_hours_are_counted_once_and_stored_and_the_hour_in_progress_on_every_refresh(member, team):
    monitor = MonitorFactory(team=team, name="Passports")
    quiet = MonitorFactory(team=team, name="Quiet")
    for when in (NOW - timedelta(hours=2), NOW):
        MentionMatch.objects.create(mention=MentionFactory(sentiment=0.4), monitor=monitor, matched_at=when)
    first = dashboard.monitors(member, now=NOW).series
    # A match stamped in a closed hour after it was counted (it cannot happen once the hour has settled) is
    # not counted again; one in the hour in progress shows at once.
    MentionMatch.objects.create(mention=MentionFactory(), monitor=monitor, matched_at=NOW - timedelta(hours=2))
    MentionMatch.objects.create(mention=MentionFactory(sentiment=-0.4), monitor=monitor, matched_at=NOW)

    again = {s.monitor: s for s in dashboard.monitors(member, now=NOW).series}

    assert [(s.volume[-3], s.volume[-1]) for s in first] == [(1, 1), (0, 0)]
    assert (again[monitor].volume[-3], again[monitor].volume[-1]) == (1, 2)
    assert again[monitor].sentiment[-1] == 0.0
    assert again[monitor].average_sentiment == round((0.4 + 0.4 - 0.4) / 3, 2)
    # Every closed hour of the spark and the 24 before, for both monitors, quiet hours too.
    assert MonitorHour.objects.filter(monitor=quiet, matches=0).count() == 2 * 24 - 1
    assert MonitorHour.objects.get(monitor=monitor, hour=NOW.replace(minute=0) - timedelta(hours=2)).matches == 1
    assert not MonitorHour.objects.filter(hour=NOW.replace(minute=0)).exists()  # the hour in progress


def test_the_next_panel_counts_only_the_hours_closed_since(member, team, django_assert_num_queries):
    monitor = MonitorFactory(team=team)
    dashboard.monitors(member, now=NOW)
    MentionMatch.objects.create(mention=MentionFactory(), monitor=monitor, matched_at=NOW)

    with django_assert_num_queries(4):  # monitors, stored hours, the hour in progress, spikes
        dashboard.monitors(member, now=NOW + timedelta(minutes=10))
    an_hour_on = NOW + timedelta(hours=1)
    series = dashboard.monitors(member, now=an_hour_on).series[0]

    assert series.volume[-2] == 1  # 10:00 closed and counted from the matches, the one new hour counted
    assert MonitorHour.objects.get(monitor=monitor, hour=NOW.replace(minute=0)).matches == 1
    assert MonitorHour.objects.filter(monitor=monitor).count() == 2 * 24


def test_the_previous_hour_is_counted_live_until_it_has_settled(member, team):
    monitor = MonitorFactory(team=team)
    early = NOW.replace(minute=2)  # a poll that began at 9:59 may still be committing
    dashboard.monitors(member, now=early)
    MentionMatch.objects.create(mention=MentionFactory(), monitor=monitor, matched_at=early - timedelta(minutes=3))

    assert dashboard.monitors(member, now=early).series[0].volume[-2] == 1
    assert not MonitorHour.objects.filter(hour=early.replace(minute=0) - timedelta(hours=1)).exists()
    settled = early.replace(minute=6)
    assert dashboard.monitors(member, now=settled).series[0].volume[-2] == 1
    assert MonitorHour.objects.get(hour=early.replace(minute=0) - timedelta(hours=1)).matches == 1


def test_the_accounts_panel_and_footer_do_not_call_bluesky_and_mastodon_accounts_x_accounts(client, team, member):
    TwitterAccountFactory(
        team=team,
        network="bluesky",
        handle="dept.bsky.social",
        access_token="app-pass-word-abcd",
        access_token_secret="",
        x_user_id="did:plc:deptbskyaccount000000001",
    )
    client.force_login(member)
    page = client.get(reverse("home")).content.decode()
    assert "@dept.bsky.social" in page
    assert "Your teams and their accounts" in page
    assert "X accounts" not in page
