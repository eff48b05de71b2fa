"""Bluesky and Mastodon into the team inbox, end to end: the poll cycle, each network's provider over real HTTP to its
local sandbox, the store, the router and the inbox; replies from the inbox go back through the provider."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import django_rq
import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rq import SimpleWorker

from monitoring import budget, ingest, network_ingest, services
from monitoring.jobs import poll_cycle
from monitoring.models import InboxItem, Mention, MentionMatch, PollCursor, PollRun
from networks.base import provider_for, stored_id
from tests.factories import TeamFactory, TwitterAccountFactory
from tests.monitoring.factories import MonitorFactory
from tweets.models import Draft
from tweets.publishing import draft_publish
from tweets.services import draft_submit
from twitter_api.models import ApiCall
from twitter_api.types import XPage, XPost, XUser

pytestmark = pytest.mark.django_db


# --- Each network's side of the world, arranged through its sandbox ------------------------------------------------


class Bluesky:
    name = "bluesky"
    label = "Bluesky"
    author = "resident.bsky.social"  # who posts, as the inbox shows them

    def __init__(self, sandbox):
        self.sandbox = sandbox

    def account(self, team, handle="dept.bsky.social"):
        did = f"did:plc:{handle.split('.')[0]:0<24}"
        account = TwitterAccountFactory(
            team=team,
            network="bluesky",
            handle=handle,
            access_token=f"pw-{handle}",
            access_token_secret="",
            x_user_id=did,
        )
        self.sandbox.register_account(account)
        return account

    def mention(self, account, text, author="resident.bsky.social") -> str:
        """A post by someone else mentioning the account: its id on the network."""
        return self.sandbox.inject_post(author, f"@{account.handle} {text}", mention_dids=[account.x_user_id])["uri"]

    def public_post(self, text, author="resident.bsky.social") -> str:
        return self.sandbox.inject_post(author, text)["uri"]

    def hostile(self, account) -> list:
        """Items that look like mentions but cannot be stored, or only cleaned: (raw items, texts stored)."""
        base = {
            "cid": "bafyreib",
            "author": {"did": "did:plc:hostile000000000000000000", "handle": "hostile.bsky.social"},
            "reason": "mention",
            "isRead": False,
            "indexedAt": timezone.now().isoformat(),
        }

        def item(uri, text, created="2026-11-02T09:00:00Z"):
            return {**base, "uri": uri, "record": {"text": text, "createdAt": created}}

        long_uri = "at://did:plc:hostile000000000000000000/app.bsky.feed.post/" + "a" * 400
        future = "at://did:plc:hostile000000000000000000/app.bsky.feed.post/future"
        dirty = "at://did:plc:hostile000000000000000000/app.bsky.feed.post/dirty"
        raw = [
            "not an object",
            item(long_uri, "an id too long to keep"),
            item(future, "posted in the far future", created="9999-12-31T23:59:59Z"),
            {**item(dirty, "nul\x00 and a lone \ud800 surrogate"), "author": {"did": "did:plc:x\x00", "handle": 7}},
            item(dirty.replace("dirty", "clean"), f"@{account.handle} a readable one"),
        ]
        self.sandbox.set_faults(malformed=raw)
        return ["@dept.bsky.social a readable one"]

    def rate_limit_next_call(self):
        self.sandbox.set_faults(force_429=1)

    def handle(self, name: str) -> str:
        return f"{name}.bsky.social"

    def reply(self, account, parent_id, text, author="neighbour.bsky.social") -> str:
        """Someone's reply to a post, mentioning the account too."""
        post = self.sandbox.inject_post(
            author, f"@{account.handle} {text}", reply_to_uri=parent_id, mention_dids=[account.x_user_id]
        )
        return post["uri"]

    def reply_texts(self, post_id) -> list[str]:
        """The texts of the posts that answer this one."""
        return [
            p["record"]["text"]
            for p in self.sandbox.state.posts.values()
            if ((p["record"].get("reply") or {}).get("parent") or {}).get("uri") == post_id
        ]


class Mastodon:
    name = "mastodon"
    label = "Mastodon"
    author = "resident@other.example"  # on another instance: the inbox shows the whole address
    host = "social.example.gov.uk"

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.ids = iter(range(10_900, 11_000))

    def account(self, team, handle="comms@social.example.gov.uk"):
        account = TwitterAccountFactory(
            team=team,
            network="mastodon",
            handle=handle,
            instance_url=f"https://{self.host}",
            access_token=f"token-{handle}",
            access_token_secret="",
            x_user_id=str(next(self.ids)),
        )
        self.sandbox.register_account(account)
        return account

    def mention(self, account, text, author=None) -> str:
        user = account.handle.split("@")[0]
        return self.sandbox.inject_status(author or self.author, f"@{user} {text}")["id"]

    def public_post(self, text, author=None) -> str:
        return self.sandbox.inject_status(author or self.author, text)["id"]

    def hostile(self, account) -> list:
        good = self.sandbox.inject_status("neighbour", f"@{account.handle.split('@')[0]} a readable one")
        with self.sandbox.state.lock:
            rendered = self.sandbox.state.render_status(self.sandbox.state.statuses[int(good["id"])])
        self.sandbox.state.statuses.pop(int(good["id"]))  # served once below, as a raw item
        self.sandbox.state.notifications = [
            n for n in self.sandbox.state.notifications if n.status_id != int(good["id"])
        ]

        def notification(n, status):
            return {"id": str(900_000 + n), "type": "mention", "created_at": status["created_at"], "status": status}

        raw = [
            "not an object",
            notification(1, {**rendered, "id": "1" * 12, "content": ["not", "text"]}),
            notification(2, {**rendered, "id": "2" * 12, "created_at": "9999-12-31T23:59:59.000Z"}),
            notification(3, {**rendered, "id": "3" * 12, "content": "<p>nul\x00 and a lone \ud800 surrogate</p>"}),
            notification(4, rendered),
        ]
        self.sandbox.set_faults(malformed=raw)
        return ["@comms a readable one", "nul and a lone \ufffd surrogate"]

    def rate_limit_next_call(self):
        self.sandbox.set_faults(force_429=1)

    def handle(self, name: str) -> str:
        return f"{name}@{self.host}"

    def reply(self, account, parent_id, text, author="neighbour@other.example") -> str:
        user = account.handle.split("@")[0]
        return self.sandbox.inject_status(author, f"@{user} {text}", in_reply_to_id=parent_id)["id"]

    def reply_texts(self, post_id) -> list[str]:
        return [
            s["text"]
            for u in list(self.sandbox.state.users.values())
            for s in self.sandbox.statuses_by(u.id)
            if s.get("in_reply_to_id") == post_id
        ]


NETWORKS = {"bluesky": Bluesky, "mastodon": Mastodon}


@pytest.fixture(params=sorted(NETWORKS))
def net(request):
    return NETWORKS[request.param](request.getfixturevalue(f"{request.param}_sandbox"))


@pytest.fixture
def triage(settings):
    settings.TRIAGE_TEAM_SLUG = "triage"
    return TeamFactory(name="Triage", slug="triage")


def mentions_cursor(account) -> PollCursor:
    return PollCursor.objects.get(key=f"timeline:{account.pk}", is_active=True)


def run_poll_cycle(django_capture_on_commit_callbacks) -> int:
    """The cron's poll cycle, then an RQ worker (in this process) running every poll it enqueued."""
    with django_capture_on_commit_callbacks(execute=True):
        due = poll_cycle()
    queue = django_rq.get_queue("poll")
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    return due


# --- Mentions -------------------------------------------------------------------------------------------------------


def test_a_mention_arrives_once_in_the_owning_team_s_inbox_through_the_poll_cycle(
    net, team, other_team, triage, django_capture_on_commit_callbacks
):
    account = net.account(team)
    post_id = net.mention(account, "when do the passport offices open?")
    net.public_post("nothing to do with anyone")
    assert run_poll_cycle(django_capture_on_commit_callbacks) >= 1
    mention = Mention.objects.get()
    assert (mention.network, mention.network_post_id) == (net.name, post_id)
    assert mention.tweet_id == stored_id(post_id, mention.posted_at)
    assert mention.network_url.startswith("https://") and mention.url == mention.network_url
    assert net.author.split("@")[0] in mention.network_url  # the author's post, not one of the account's own
    assert mention.author_username == net.author
    item = InboxItem.objects.get()
    assert (item.team, item.account) == (team, account)
    assert list(MentionMatch.objects.values_list("account", flat=True)) == [account.pk]
    # Polled again (the cursor moved past it, and a re-read would be stored once anyway): still one item.
    PollCursor.objects.update(next_poll_at=timezone.now() - timedelta(seconds=1))
    run_poll_cycle(django_capture_on_commit_callbacks)
    cursor = mentions_cursor(account)
    assert cursor.network_cursor and cursor.since_id is None
    assert (Mention.objects.count(), InboxItem.objects.count()) == (1, 1)
    # A re-read from the start stores nothing twice.
    PollCursor.objects.filter(pk=cursor.pk).update(network_cursor=None)
    outcome = ingest.cursor_poll(cursor_id=cursor.pk)
    assert (outcome.status, outcome.posts_read, outcome.posts_new) == ("stored", 1, 0)
    assert (Mention.objects.count(), InboxItem.objects.count()) == (1, 1)


def test_hostile_items_are_skipped_and_the_rest_stored(net, team, triage):
    account = net.account(team)
    good = net.mention(account, "a plain question")
    ingest.cursors_sync()
    stored_texts = net.hostile(account)
    outcome = ingest.cursor_poll(cursor_id=mentions_cursor(account).pk)
    assert outcome.status == "stored"
    texts = set(Mention.objects.values_list("text", flat=True))
    for text in stored_texts:
        assert text in texts
    assert not any("\x00" in t or "\ud800" in t for t in texts)
    assert outcome.skipped >= 2 and PollRun.objects.get().skipped == outcome.skipped
    assert Mention.objects.get(network_post_id=good).text.endswith(" a plain question")
    assert InboxItem.objects.count() == Mention.objects.count()


def test_a_worker_that_dies_before_committing_leaves_the_cursor_so_the_next_poll_reads_again(net, team, triage):
    account = net.account(team)
    for n in range(3):
        net.mention(account, f"question {n}")
    ingest.cursors_sync()
    cursor = mentions_cursor(account)
    real = network_ingest._store_one
    stored = []

    def store_then_die(*args, **kwargs):
        stored.append(real(*args, **kwargs))
        if len(stored) == 2:
            raise SystemExit("worker killed")
        return stored[-1]

    with mock.patch.object(network_ingest, "_store_one", side_effect=store_then_die), pytest.raises(SystemExit):
        ingest.cursor_poll(cursor_id=cursor.pk)
    cursor.refresh_from_db()
    assert (Mention.objects.count(), cursor.network_cursor) == (0, None)
    # Its lease runs out; the next poll reads the same posts again, and loses none.
    PollCursor.objects.filter(pk=cursor.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    outcome = ingest.cursor_poll(cursor_id=cursor.pk)
    assert (outcome.status, outcome.posts_new) == ("stored", 3)
    assert (Mention.objects.count(), InboxItem.objects.count()) == (3, 3)


def test_a_rate_limit_pauses_only_that_account_until_the_network_s_reset(net, team, other_team, triage):
    first = net.account(team, handle=net.handle("first"))
    second = net.account(other_team, handle=net.handle("second"))
    net.mention(first, "hello first")
    net.mention(second, "hello second")
    ingest.cursors_sync()
    net.rate_limit_next_call()
    limited = ingest.cursor_poll(cursor_id=mentions_cursor(first).pk)
    assert limited.status == "rate_limited" and net.label in limited.message
    paused = mentions_cursor(first)
    assert paused.paused_until > timezone.now() and paused.network_cursor is None
    assert paused.pk not in ingest.cursors_due()
    assert mentions_cursor(second).pk in ingest.cursors_due()
    assert ingest.cursor_poll(cursor_id=mentions_cursor(second).pk).status == "stored"
    assert InboxItem.objects.get().team == other_team
    # After the reset it reads what it missed.
    PollCursor.objects.filter(pk=paused.pk).update(paused_until=timezone.now() - timedelta(seconds=1))
    assert ingest.cursor_poll(cursor_id=paused.pk).posts_new == 1
    assert set(InboxItem.objects.values_list("team", flat=True)) == {team.pk, other_team.pk}


def test_reads_on_other_networks_are_metered_but_outside_x_s_budget_and_credits(
    net, team, triage, client, lead, settings
):
    from twitter_api import credits
    from twitter_api.errors import CreditsExhausted

    account = net.account(team)
    net.mention(account, "hello")
    ingest.cursors_sync()
    ingest.cursor_poll(cursor_id=mentions_cursor(account).pk)
    calls = ApiCall.objects.filter(endpoint__startswith=f"{net.name}:")
    assert calls.exists() and not ApiCall.objects.exclude(endpoint__startswith=f"{net.name}:").exists()
    assert budget.budget_state().used == 0
    settings.X_MONTHLY_READ_BUDGET = 0  # X's budget used up: X's searches pause, this network's carry on
    MonitorFactory(team=team, query="passport")
    ingest.cursors_sync()
    PollCursor.objects.update(next_poll_at=timezone.now() - timedelta(seconds=1))
    due = {PollCursor.objects.get(pk=pk).kind for pk in ingest.cursors_due()}
    assert PollCursor.Kind.SEARCH not in due and PollCursor.Kind.NETWORK_SEARCH in due
    # X refuses reads for money: nothing on X is polled, this network still is.
    credits.block_record(exc=CreditsExhausted(), endpoint="GET /2/tweets/search/recent", reads=True)
    due = ingest.cursors_due()
    assert due and all(network_ingest.is_network_cursor(PollCursor.objects.get(pk=pk)) for pk in due)
    net.mention(account, "again")
    assert ingest.cursor_poll(cursor_id=mentions_cursor(account).pk).posts_new == 1
    client.force_login(lead)
    assert client.get(reverse("monitoring:usage")).status_code == 200


# --- Keyword monitors -----------------------------------------------------------------------------------------------


def test_a_monitor_s_words_are_searched_on_the_network_and_only_its_matches_kept(net, team, triage):
    account = net.account(team)
    monitor = MonitorFactory(team=team, query='"passport office" delay')
    wanted = net.public_post("The passport office delay is terrible")
    net.public_post("Visiting the passport office")  # found by the search alone
    net.public_post("Lovely weather")
    ingest.cursors_sync()
    search = PollCursor.objects.get(kind=PollCursor.Kind.NETWORK_SEARCH)
    assert (search.account, search.query, list(search.monitors.all())) == (account, "passport office", [monitor])
    outcome = ingest.cursor_poll(cursor_id=search.pk)
    assert (outcome.status, outcome.posts_read, outcome.posts_new) == ("stored", 2, 1)
    mention = Mention.objects.get()
    assert (mention.network, mention.network_post_id) == (net.name, wanted)
    assert list(MentionMatch.objects.values_list("monitor", flat=True)) == [monitor.pk]
    assert InboxItem.objects.get().team == triage  # routed as X's matches are: no rule names a team
    again = ingest.cursor_poll(cursor_id=search.pk)
    assert (again.posts_new, Mention.objects.count()) == (0, 1)


# --- Replies --------------------------------------------------------------------------------------------------------


def test_a_reply_from_the_inbox_goes_out_on_the_network_from_the_account_mentioned(
    net, team, member, triage, django_capture_on_commit_callbacks
):
    account = net.account(team)
    account.approvals_required = 0  # published once submitted: the reply's way out is what is tested here
    account.save(update_fields=["approvals_required"])
    TwitterAccountFactory(team=team, handle="DeptOnX")
    post_id = net.mention(account, "are the offices open on Saturday?")
    ingest.cursors_sync()
    ingest.cursor_poll(cursor_id=mentions_cursor(account).pk)
    item = InboxItem.objects.get()
    draft = services.item_reply(item=item, by=member, account=account, text="Yes, 9am to 1pm.")
    assert (draft.account, draft.in_reply_to_post_id) == (account, post_id)
    with django_capture_on_commit_callbacks(execute=True):
        draft = draft_submit(draft=draft, by=member)
    assert draft.state == Draft.State.APPROVED, getattr(draft, "not_submitted_because", "")
    with django_capture_on_commit_callbacks(execute=True):
        draft_publish(draft_id=draft.pk)
    draft.refresh_from_db()
    assert draft.state == Draft.State.PUBLISHED
    replies = net.reply_texts(post_id)
    assert len(replies) == 1 and replies[0].endswith("Yes, 9am to 1pm."), replies
    item.refresh_from_db()
    assert item.status == InboxItem.Status.REPLIED
    from monitoring.conversation import conversation_for

    ours = [p for p in conversation_for(item).posts if p.ours]
    assert [p.post_id for p in ours] == [draft.published_post_id] and ours[0].url.startswith("https://")


def test_posts_are_time_ordered_with_x_s_in_the_inbox():
    when = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    earlier = stored_id("at://did:plc:a/app.bsky.feed.post/1", when)
    later = stored_id("113456789012345678", when + timedelta(milliseconds=1))
    assert 0 < earlier < later < 2**63


def test_a_hashtag_monitor_reads_the_network_s_hashtag(net, team, triage):
    net.account(team)
    monitor = MonitorFactory(team=team, query="#Passports OR #visas")
    tagged = net.public_post("Queues again #passports")
    net.public_post("Queues again for passports")  # the word, not the hashtag
    ingest.cursors_sync()
    searches = PollCursor.objects.filter(kind=PollCursor.Kind.NETWORK_SEARCH).order_by("query")
    assert [c.query for c in searches] == ["#passports", "#visas"]
    for cursor in searches:
        assert ingest.cursor_poll(cursor_id=cursor.pk).status == "stored"
    assert list(Mention.objects.values_list("network_post_id", flat=True)) == [tagged]
    assert list(MentionMatch.objects.values_list("monitor", flat=True)) == [monitor.pk]


def test_an_instance_that_refuses_full_text_search_finds_nothing_and_is_no_error(mastodon_sandbox, team, triage):
    net = Mastodon(mastodon_sandbox)
    net.account(team)
    MonitorFactory(team=team, query="passport")
    net.public_post("my passport is late")
    mastodon_sandbox.set_faults(search_enabled=False)
    ingest.cursors_sync()
    cursor = PollCursor.objects.get(kind=PollCursor.Kind.NETWORK_SEARCH)
    outcome = ingest.cursor_poll(cursor_id=cursor.pk)
    assert (outcome.status, outcome.posts_new) == ("stored", 0)
    cursor.refresh_from_db()
    assert cursor.last_error == "" and cursor.paused_until is None


def test_a_network_error_waits_for_the_cursor_s_next_turn_and_stops_no_other_poll(net, team, other_team, triage):
    first = net.account(team, handle=net.handle("first"))
    second = net.account(other_team, handle=net.handle("second"))
    net.mention(second, "hello second")
    ingest.cursors_sync()
    net.sandbox.set_faults(force_5xx=1)
    failed = ingest.cursor_poll(cursor_id=mentions_cursor(first).pk)
    assert failed.status == "error" and net.label in failed.message
    cursor = mentions_cursor(first)
    assert cursor.next_poll_at > timezone.now() and cursor.last_error and not cursor.lease_token
    assert ingest.cursor_poll(cursor_id=mentions_cursor(second).pk).posts_new == 1


ENTITIES = st.dictionaries(st.text(max_size=8), st.lists(st.dictionaries(st.text(), st.text())))
AUTHORS = st.builds(XUser, id=st.text(), username=st.text(), name=st.text(), followers_count=st.integers())
HOSTILE_POSTS = st.builds(
    XPost,
    id=st.one_of(st.text(max_size=320), st.integers(), st.none()),
    text=st.one_of(st.text(), st.none(), st.integers()),
    author_id=st.one_of(st.text(max_size=300), st.none()),
    created_at=st.one_of(st.datetimes(timezones=st.just(UTC)), st.datetimes(), st.none(), st.text()),
    lang=st.one_of(st.text(max_size=20), st.none(), st.integers()),
    reply_to_post_id=st.one_of(st.text(max_size=400), st.none()),
    quoted_post_id=st.one_of(st.text(max_size=40), st.none()),
    entities=st.one_of(ENTITIES, st.none()),
    author=st.one_of(st.none(), AUTHORS),
)


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(HOSTILE_POSTS, max_size=6))
def test_whatever_a_provider_hands_over_the_poll_stores_what_it_can_and_moves_on(team, posts):
    """However a network's post is broken (ids, times, text, authors: missing, mistyped, NUL, lone surrogates), the
    poll stores the readable ones and moves its cursor; nothing stops it."""
    account = TwitterAccountFactory(team=team, network="bluesky", handle="fuzz.bsky.social", access_token_secret="")
    cursor = PollCursor.objects.create(kind=PollCursor.Kind.TIMELINE, key=f"timeline:{account.pk}", account=account)
    token = ingest._claim(cursor.pk, timezone.now())
    page = XPage(posts=posts, newest_id="2026-11-02T09:00:00+00:00", pages_read=1, posts_read=len(posts))
    outcome = network_ingest.network_store(cursor=cursor, token=token, page=page, provider=provider_for(account))
    assert outcome.status == "stored" and outcome.posts_new + outcome.skipped <= len(posts)
    cursor.refresh_from_db()
    assert cursor.network_cursor == "2026-11-02T09:00:00+00:00" and not cursor.lease_token
    for mention in Mention.objects.filter(network="bluesky"):
        assert "\x00" not in mention.text and mention.tweet_id == stored_id(mention.network_post_id, mention.posted_at)
    Mention.objects.all().delete()
    account.delete()


def test_an_item_s_conversation_is_what_was_stored_on_its_network_never_read_from_x(net, team, member, triage, client):
    account = net.account(team)
    first = net.mention(account, "is the office open?")
    answer = net.reply(account, first, "it was yesterday")
    ingest.cursors_sync()
    ingest.cursor_poll(cursor_id=mentions_cursor(account).pk)
    item = InboxItem.objects.get(mention__network_post_id=answer)
    client.force_login(member)
    page = client.get(reverse("monitoring:item_detail", args=[item.pk])).text
    conversation = page.split('id="conversation"', 1)[1].split("</section>", 1)[0]
    assert conversation.index("is the office open?") < conversation.index("it was yesterday")
    assert "The post it answers" in conversation and "This mention" in conversation
    assert f"Open on {net.label} (new tab)" in conversation and "x.com" not in conversation
    assert "Read the rest from X" not in page
    with pytest.raises(services.Refused, match=f"Open this post on {net.label}"):
        from monitoring.conversation import conversation_fetch

        conversation_fetch(item=item, by=member)


def test_a_mention_a_phrase_search_stored_first_gains_the_account_when_the_mentions_poll_finds_it(
    bluesky_sandbox, team, triage
):
    """In the demo, a Bluesky post naming the account in its text but without a mention facet was found first by a
    monitor's search ("Account mentioned: None of ours"); the account's notifications then listed it as a mention."""
    net = Bluesky(bluesky_sandbox)
    account = net.account(team)
    MonitorFactory(team=team, query="passport late")
    bluesky_sandbox.inject_post("citizen.bsky.social", f"@{account.handle} my passport is late")  # no facets
    ingest.cursors_sync()
    search = PollCursor.objects.get(kind=PollCursor.Kind.NETWORK_SEARCH)
    assert ingest.cursor_poll(cursor_id=search.pk).posts_new == 1
    assert InboxItem.objects.get().account is None
    outcome = ingest.cursor_poll(cursor_id=mentions_cursor(account).pk)
    assert (outcome.status, outcome.posts_new) == ("stored", 0)
    item = InboxItem.objects.get()
    assert item.account == account
    assert Mention.objects.count() == 1
    assert set(MentionMatch.objects.values_list("account", flat=True)) == {None, account.pk}


def test_a_reply_s_draft_page_links_the_post_it_answers_on_its_own_network_never_on_x(
    net, team, member, triage, client
):
    """A Bluesky reply's draft page once offered "Open on X" at x.com/<handle>/status/at://…, and its preview "post
    at://… on X"."""
    account = net.account(team)
    net.mention(account, "are the offices open on Saturday?")
    ingest.cursors_sync()
    ingest.cursor_poll(cursor_id=mentions_cursor(account).pk)
    item = InboxItem.objects.get()
    draft = services.item_reply(item=item, by=member, account=account, text="Yes, 9am to 1pm.")
    assert draft.answers["url"] == item.mention.network_url and draft.answers["url"].startswith("https://")
    client.force_login(member)
    page = client.get(reverse("tweets:draft_detail", args=[draft.pk])).content.decode()
    label = account.network_label
    assert (
        f'href="{item.mention.network_url}" rel="noopener noreferrer" target="_blank">Open on {label} (new tab)' in page
    )
    assert "x.com" not in page and "on X" not in page
