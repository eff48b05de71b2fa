"""Each team sees only its own: every page and export that shows a team's data, visited by every kind of person.

The team (Digital Communications) has one of everything, each with a word no other row uses. Its members,
leads and admins see it where their role allows; an outsider (a member or lead of another team), a leaver
(whose membership ended yesterday) and a mover (who left for another team) get a 403 or 404, or a page
without a trace of it.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import ActivityGrant, Membership
from accounts.services import audit_record
from monitoring.models import MentionMatch, MonitorUsage
from safety.models import Incident
from tests.conftest import enrol_totp
from tests.factories import MembershipFactory, UserFactory
from tests.monitoring.factories import (
    InboxItemFactory,
    MentionFactory,
    MonitorFactory,
    RoutingRuleFactory,
    WatchlistEntryFactory,
    WatchlistFactory,
)
from tests.tweets.factories import DraftFactory, FreezeFactory
from tweets import records
from tweets.models import Draft, PostMetrics, PostOnX

pytestmark = pytest.mark.django_db
S = Draft.State

DRAFT = "Quokka draft about the bridge works"
SUBMITTED = "Quokka post waiting for approval"
SCHEDULED = "Quokka post scheduled for next week"
PUBLISHED = "Quokka post published about ferries"
HELD = "Quokka post held by the freeze"
MENTION = "Quokka mention asking when the ferry runs"
MONITOR = "Quokka ferry monitor"
WATCHLIST = "Quokka ferry journalists"
TEAMMATE = "Quentin Quokkason"
TEAMMATE_EMAIL = "quentin.quokkason@department.gov.uk"
HANDLE = "@DeptComms"
EDITED_ON_X = "Quokka post edited on X about ferries"
TEAM_NAME = "Digital Communications"
INCIDENT = "Quokka post nobody in Dovecote wrote"

MEMBERS, LEADS = {"member", "lead", "admin"}, {"lead", "admin"}
NOBODY_ELSE = ("outsider", "outsider_lead", "leaver", "mover")


@pytest.fixture
def world(team, account, ended_member):
    """One of everything for the team; the leaver wrote the draft while they were in it."""
    now = timezone.now()
    teammate = UserFactory(first_name="Quentin", last_name="Quokkason", email=TEAMMATE_EMAIL)
    membership = MembershipFactory(team=team, user=teammate)
    draft = DraftFactory(account=account, author=ended_member, text=DRAFT)
    DraftFactory(account=account, author=teammate, state=S.SUBMITTED, text=SUBMITTED)
    scheduled = DraftFactory(
        account=account, author=teammate, state=S.SCHEDULED, text=SCHEDULED, scheduled_at=now + timedelta(2)
    )
    published = DraftFactory(
        account=account,
        author=teammate,
        state=S.PUBLISHED,
        text=PUBLISHED,
        published_at=now - timedelta(hours=1),
        published_post_id="1900000000000000001",
    )
    PostMetrics.objects.create(
        draft=published,
        account=account,
        x_post_id=published.published_post_id,
        published_at=published.published_at,
        checkpoint_hours=1,
        impressions=4321,
    )
    records.x_change_record(
        draft=published,
        kind=PostOnX.Kind.EDITED_ON_X,
        seen_at=now,
        source="poll",
        detail={"post_id": "1900000000000000001", "new_text": EDITED_ON_X},
    )
    freeze = FreezeFactory(started_by=UserFactory())
    DraftFactory(account=account, author=ended_member, state=S.HELD, text=HELD, held_by=freeze)
    monitor = MonitorFactory(team=team, name=MONITOR, query="ferry")
    item = InboxItemFactory(team=team, account=account, mention=MentionFactory(text=MENTION))
    MentionMatch.objects.create(mention=item.mention, monitor=monitor, matched_at=now)
    watchlist = WatchlistFactory(team=team, name=WATCHLIST)
    WatchlistEntryFactory(watchlist=watchlist, username="ferryreporter")
    rule = RoutingRuleFactory(name="Ferry questions", monitor=monitor, route_to=team)
    MonitorUsage.objects.create(day=timezone.localdate(), monitor=monitor, api_calls=1, posts_read=5)
    MonitorUsage.objects.create(day=timezone.localdate(), account=account, api_calls=1, posts_read=3)
    audit_record(action="account.credentials_set", actor=teammate, obj=account, team=team)
    incident = Incident.objects.create(
        account=account, kind="foreign_post", source="poll", event_id="post:7", post_id="7", post_text=INCIDENT
    )
    ActivityGrant.objects.create(
        account=account,
        access_token="quokka-access",
        refresh_token="quokka-refresh",
        scopes="tweet.read users.read offline.access",
        expires_at=now + timedelta(hours=2),
        authorised_by=teammate,
        authorised_at=now,
    )
    return {
        "incident": incident,
        "team": team,
        "account": account,
        "draft": draft,
        "scheduled": scheduled,
        "item": item,
        "monitor": monitor,
        "watchlist": watchlist,
        "rule": rule,
        "membership": membership,
        "freeze": freeze,
    }


@pytest.fixture
def viewer(request, other_team):
    kind = request.param
    if kind == "outsider_lead":
        user = MembershipFactory(team=other_team, role=Membership.Role.LEAD).user
        enrol_totp(user)
        return user
    if kind == "mover":
        user = request.getfixturevalue("ended_member")
        MembershipFactory(user=user, team=other_team)
        return user
    fixture = {"outsider": "outsider", "leaver": "ended_member", "member": "member", "lead": "lead"}
    return request.getfixturevalue(fixture.get(kind, "admin_user"))


def _an_hour_ago() -> str:
    return timezone.localdate(timezone.now() - timedelta(hours=1)).isoformat()


def _in_two_days() -> str:
    return timezone.localdate(timezone.now() + timedelta(2)).isoformat()


def _export(w):
    today = timezone.localdate()
    return (
        f"{reverse('reports:export')}?account={w['account'].pk}&start={today - timedelta(days=7):%Y-%m-%d}"
        f"&end={today:%Y-%m-%d}&format=csv"
    )


PAGES = [
    # tweets
    ("draft list", lambda w: reverse("tweets:draft_list"), DRAFT, MEMBERS),
    ("new draft", lambda w: reverse("tweets:draft_create"), HANDLE, MEMBERS),
    ("approval queue", lambda w: reverse("tweets:approval_queue"), SUBMITTED, LEADS),
    ("scheduled", lambda w: reverse("tweets:scheduled"), SCHEDULED, MEMBERS),
    ("published", lambda w: reverse("tweets:published"), PUBLISHED, MEMBERS),
    ("calendar", lambda w: f"{reverse('tweets:calendar')}?view=week&day={_in_two_days()}", SCHEDULED, MEMBERS),
    ("calendar month", lambda w: f"{reverse('tweets:calendar')}?day={_an_hour_ago()}", PUBLISHED, MEMBERS),
    ("calendar day", lambda w: f"{reverse('tweets:calendar_day')}?day={_in_two_days()}", SCHEDULED, MEMBERS),
    (
        "calendar reschedule",
        lambda w: reverse("tweets:calendar_reschedule", args=[w["scheduled"].pk]),
        SCHEDULED,
        MEMBERS,
    ),
    ("freeze page", lambda w: reverse("tweets:freeze_detail", args=[w["freeze"].pk]), HELD, MEMBERS),
    ("draft page", lambda w: reverse("tweets:draft_detail", args=[w["draft"].pk]), DRAFT, MEMBERS),
    ("draft edit", lambda w: reverse("tweets:draft_edit", args=[w["draft"].pk]), DRAFT, MEMBERS),
    ("account records", lambda w: reverse("tweets:account_records", args=[w["account"].pk]), EDITED_ON_X, MEMBERS),
    # monitoring
    ("inbox", lambda w: reverse("monitoring:inbox"), MENTION, {"member", "lead"}),
    ("team inbox", lambda w: f"{reverse('monitoring:inbox')}?team={w['team'].pk}", MENTION, MEMBERS),
    ("inbox item", lambda w: reverse("monitoring:item_detail", args=[w["item"].pk]), MENTION, MEMBERS),
    ("monitors", lambda w: reverse("monitoring:monitor_list"), MONITOR, MEMBERS),
    ("monitor page", lambda w: reverse("monitoring:monitor_edit", args=[w["monitor"].pk]), MONITOR, MEMBERS),
    ("watchlists", lambda w: reverse("monitoring:watchlist_list"), WATCHLIST, MEMBERS),
    ("watchlist", lambda w: reverse("monitoring:watchlist_detail", args=[w["watchlist"].pk]), WATCHLIST, MEMBERS),
    ("rules", lambda w: reverse("monitoring:rule_list"), MONITOR, set()),
    ("rule page", lambda w: reverse("monitoring:rule_edit", args=[w["rule"].pk]), MONITOR, LEADS),
    ("new rule", lambda w: reverse("monitoring:rule_create"), MONITOR, LEADS),
    ("usage by monitor", lambda w: reverse("monitoring:usage"), MONITOR, MEMBERS),
    ("usage by timeline", lambda w: reverse("monitoring:usage"), f"Mentions of {HANDLE}", MEMBERS),
    # dashboard
    ("dashboard", lambda w: reverse("home"), HANDLE, MEMBERS),
    ("dashboard monitors", lambda w: f"{reverse('home')}?panel=monitors", MONITOR, MEMBERS),
    # reports and exports
    ("reports", lambda w: reverse("reports:index"), TEAM_NAME, LEADS),
    ("team report", lambda w: reverse("reports:team", args=[w["team"].pk]), TEAM_NAME, LEADS),
    ("team report csv", lambda w: reverse("reports:team_csv", args=[w["team"].pk]), TEAM_NAME, LEADS),
    ("export form", lambda w: reverse("reports:export"), HANDLE, LEADS),
    ("export", _export, PUBLISHED, LEADS),
    ("own posts' figures", lambda w: f"{reverse('reports:analytics')}?week={_an_hour_ago()}", PUBLISHED, MEMBERS),
    (
        "an account's figures",
        lambda w: f"{reverse('reports:analytics')}?week={_an_hour_ago()}&account={w['account'].pk}",
        PUBLISHED,
        MEMBERS,
    ),
    # training
    ("team matrices", lambda w: reverse("training:team_matrix_index"), TEAM_NAME, LEADS),
    ("team matrix", lambda w: reverse("training:team_matrix", args=[w["team"].pk]), TEAM_NAME, LEADS),
    # teams and accounts
    ("teams", lambda w: reverse("accounts:team_list"), TEAM_NAME, MEMBERS),
    ("team page", lambda w: reverse("accounts:team_detail", args=[w["team"].pk]), TEAMMATE, MEMBERS),
    ("account page", lambda w: reverse("accounts:account_detail", args=[w["account"].pk]), HANDLE, MEMBERS),
    ("account events", lambda w: reverse("accounts:account_detail", args=[w["account"].pk]), TEAMMATE, MEMBERS),
    ("membership", lambda w: reverse("accounts:membership_detail", args=[w["membership"].pk]), TEAMMATE, MEMBERS),
    ("audit", lambda w: reverse("accounts:audit"), TEAMMATE_EMAIL, LEADS),
    ("team audit", lambda w: reverse("accounts:team_audit", args=[w["team"].pk]), TEAMMATE_EMAIL, LEADS),
    # possible takeovers (the banner and the dashboard's panel show them to the team's leads on every page)
    ("incidents", lambda w: reverse("safety:incident_list"), INCIDENT, LEADS),
    ("incident page", lambda w: reverse("safety:incident_detail", args=[w["incident"].pk]), INCIDENT, LEADS),
    ("incident on the dashboard", lambda w: reverse("home"), INCIDENT, LEADS),
]


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


@pytest.mark.parametrize("viewer", ["member", "lead", "admin", *NOBODY_ELSE], indirect=True)
@pytest.mark.parametrize(("page", "url", "marker", "who"), PAGES, ids=[p[0] for p in PAGES])
def test_each_page_shows_a_teams_data_only_to_those_who_may_see_it(
    client, world, viewer, request, page, url, marker, who
):
    kind = request.node.callspec.params["viewer"]
    client.force_login(viewer)
    response = client.get(url(world), follow=True)
    body = _body(response)
    if kind in who:
        assert response.status_code == 200, f"{kind} could not open the {page}"
        assert marker in body, f"{kind} did not see {marker!r} on the {page}"
    else:
        assert response.status_code in (200, 403, 404), f"{kind} got {response.status_code} on the {page}"
        assert marker not in body, f"{kind} saw {marker!r} on the {page}"


ACTIONS = [
    ("tweets:draft_edit", "draft", {"text": "Changed"}),
    ("tweets:draft_submit", "draft", {}),
    ("tweets:draft_withdraw", "draft", {"reason": "Gone"}),
    ("tweets:draft_comment", "draft", {"body": "Hello"}),
    ("monitoring:item_claim", "item", {}),
    ("monitoring:item_close", "item", {"note": "Done"}),
    ("monitoring:item_note", "item", {"text": "Seen"}),
    ("monitoring:item_reply", "item", {"account": "", "text": "Hello"}),
    ("monitoring:monitor_edit", "monitor", {"name": "Mine now", "query": "ferry"}),
    ("monitoring:watchlist_detail", "watchlist", {"username": "someone"}),
    ("monitoring:rule_edit", "rule", {"name": "Mine now", "phrases": "ferry", "tags": "x"}),
    ("monitoring:rule_move", "rule", {"direction": "up"}),
    ("monitoring:rule_delete", "rule", {}),
    ("accounts:account_revoke", "account", {}),
    ("accounts:activity_authorise", "account", {}),
    ("accounts:activity_disconnect", "account", {}),
    ("tweets:account_legal_hold", "account", {"hold-reason": "Mine now"}),
    ("tweets:account_retention", "account", {"retention-years": "1"}),
    ("accounts:membership_end", "membership", {}),
    ("safety:incident_detail", "incident", {"outcome": "legitimate"}),
]


@pytest.mark.parametrize("viewer", NOBODY_ELSE, indirect=True)
@pytest.mark.parametrize(("name", "target", "data"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_outsiders_and_leavers_cannot_act_on_a_teams_things(client, world, viewer, name, target, data):
    client.force_login(viewer)
    response = client.post(reverse(name, args=[world[target].pk]), data)
    assert response.status_code in (403, 404)


def test_a_leavers_dashboard_counts_none_of_the_drafts_they_wrote_for_the_team(client, account, ended_member):
    DraftFactory(account=account, author=ended_member, state=S.DRAFT)
    client.force_login(ended_member)
    response = client.get(reverse("home"))
    assert response.context["my_drafts"] == []
