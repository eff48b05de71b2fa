"""The push worker with the real sandbox: mentions pushed and polled are stored once, a disconnect's gap is filled,
hostile lines are passed over, account events are signalled once each, and polling steps back while the stream is
up and takes over when it is down."""

import json
import threading
import time
from decimal import Decimal
from unittest import mock

import pytest
from django.db.models import Count
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import ActivityGrant
from monitoring import ingest, push
from monitoring.models import AccountEvent, InboxItem, Mention, PollCursor
from twitter_api import stream
from twitter_api.client import Unreadable
from twitter_api.models import ApiCall
from twitter_api.sandbox.state import ALL_TWEET_FIELDS, render_post
from twitter_api.signals import account_activity

pytestmark = pytest.mark.django_db


@pytest.fixture
def triage(settings):
    from tests.factories import TeamFactory

    settings.TRIAGE_TEAM_SLUG = "triage"
    return TeamFactory(name="Triage", slug="triage")


def authorise(account) -> None:
    """The account's OAuth 2.0 grant for the Activity API (accounts.oauth2 makes it when a lead authorises)."""
    ActivityGrant.objects.create(
        account=account, access_token="oauth2-access", refresh_token="oauth2-refresh", authorised_at=timezone.now()
    )


@pytest.fixture
def pushed(x_sandbox, account, triage, settings):
    settings.INGESTION = "push"
    authorise(account)
    x_sandbox.register_account(account)
    x_sandbox.set_faults(stream_keepalive_seconds=0.1)
    return x_sandbox


def worker(**bounds) -> push.Worker:
    fast = stream.Backoff(network=0.01, http=0.01, rate=0.01)
    reader = stream.StreamReader(keepalive_seconds=0.1, stall_factor=5, backoff=fast)
    return push.Worker(reader=reader, batch_size=50, flush_ms=50, **{"until_seconds": 20, **bounds})


def meanwhile(action) -> threading.Thread:
    thread = threading.Thread(target=action, daemon=True)
    thread.start()
    return thread


def wait_for(condition, timeout=10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.02)


def connections(sandbox) -> int:
    return sandbox.state.activity.activity.connections


def mention(sandbox, account, n: int) -> str:
    return sandbox.inject_post(f"citizen_{n % 7}", f"@{account.handle} question number {n}")["id"]


def assert_each_stored_once(ids: list[str]) -> None:
    stored = dict(Mention.objects.values_list("tweet_id").annotate(n=Count("id")))
    assert {str(t): n for t, n in stored.items()} == dict.fromkeys(ids, 1)
    items = InboxItem.objects.values("mention__tweet_id").annotate(n=Count("id"))
    assert sorted((str(i["mention__tweet_id"]), i["n"]) for i in items) == sorted((i, 1) for i in ids)


def test_a_disconnect_mid_stream_loses_and_doubles_no_mention(pushed, account):
    before = [mention(pushed, account, n) for n in range(2)]  # posted while no worker ran: found by the gap fill
    pushed.set_faults(stream_keepalive_seconds=0.1, stream_disconnect_after=3)
    during, after = [], []

    def the_world():
        wait_for(lambda: connections(pushed) == 1)
        during.extend(mention(pushed, account, n) for n in range(2, 8))  # three pushed, then the line drops
        wait_for(lambda: run.reader.stats.connects == 2)
        after.extend(mention(pushed, account, n) for n in range(8, 11))

    run = worker(until_events=6)
    thread = meanwhile(the_world)
    run.run()
    thread.join(5)

    assert run.reader.stats.reconnects == 1
    assert run.events == 6  # three before the drop, three after the reconnect
    assert run.gap_filled >= 5  # the two from before the worker, the three the drop lost
    assert run.gap_filled + run.mentions_new == 11  # each post stored by one of the two paths
    assert_each_stored_once(before + during + after)
    cursor = PollCursor.objects.get(key=f"timeline:{account.pk}")
    assert cursor.since_id == int(after[-1])


def test_mentions_already_polled_are_not_stored_again_when_pushed(pushed, account):
    first = mention(pushed, account, 1)
    ingest.cursors_sync()
    ingest.cursor_poll(cursor_id=PollCursor.objects.get(key=f"timeline:{account.pk}").pk)
    assert Mention.objects.count() == 1
    # X pushes the same post (a mention event) as if it had just happened: stored once, its inbox item once.
    run = worker(until_events=1)

    def the_world():
        wait_for(lambda: connections(pushed) == 1)
        again = render_post(pushed.state.by_id[first], ALL_TWEET_FIELDS)
        pushed.state.activity_emit(account.x_user_id, "post.mention.create", again)

    thread = meanwhile(the_world)
    run.run()
    thread.join(5)
    assert_each_stored_once([first])


def test_a_stalled_stream_is_reconnected_and_the_mentions_of_the_stall_are_filled_in(pushed, account):
    pushed.set_faults(stream_keepalive_seconds=0.1, stream_stall_seconds=30, stream_stall_after=1)
    posted = []

    def the_world():
        wait_for(lambda: connections(pushed) >= 1)
        posted.extend(mention(pushed, account, n) for n in range(3))  # one pushed; two held back by the stall
        wait_for(lambda: run.reader.stats.connects == 2)
        posted.append(mention(pushed, account, 9))

    run = worker(until_events=2)
    thread = meanwhile(the_world)
    run.run()
    thread.join(5)
    assert run.reader.stats.reconnects == 1
    assert_each_stored_once(posted)


def test_hostile_lines_are_passed_over_and_the_mentions_after_them_stored(pushed, account):
    hostile = [
        b"{garbage",
        b'{"data": {"event_uuid": "1", "event_type": "post.mention.create", "filter": {"user_id": 5}}}',
        b'{"data": {"event_uuid": "2", "event_type": "post.mention.create", "filter": {"user_id": "'
        + account.x_user_id.encode()
        + b'"}, "payload": {"id": "77", "text": ["not", "text"]}}}',
        b'{"data": {"event_uuid": "3", "event_type": "post.mention.create", "filter": {"user_id": "'
        + account.x_user_id.encode()
        + b'"}, "payload": {"id": "78", "text": "nul \\u0000 and \\ud800 lone", "author_id": "4"}}}',
    ]
    good = []

    def the_world():
        wait_for(lambda: connections(pushed) == 1)
        pushed.state.activity.activity.append(hostile)
        good.append(mention(pushed, account, 1))

    run = worker(until_events=2)
    thread = meanwhile(the_world)
    run.run()
    thread.join(5)
    assert run.unreadable == 3
    assert Mention.objects.get(tweet_id=78).text == "nul  and \ufffd lone"
    assert Mention.objects.filter(tweet_id=int(good[0])).count() == 1


def test_account_events_are_stored_and_signalled_once_per_event_id(pushed, account, django_capture_on_commit_callbacks):
    heard = []

    def receiver(sender, **kwargs):
        heard.append(kwargs)

    account_activity.connect(receiver)
    user = pushed.state.users[account.x_user_id]

    def the_world():
        wait_for(lambda: connections(pushed) == 1)
        pushed.state.activity_emit(account.x_user_id, "profile.update.bio", {"before": "Official", "after": "Hacked"})
        twice = pushed.state.activity.activity.lines[-1]
        pushed.state.activity.activity.append([twice])  # X sends the same event again
        pushed.state.add_post(author=user, text="Nobody in the department wrote this")

    try:
        with django_capture_on_commit_callbacks(execute=True):
            run = worker(until_events=3)
            thread = meanwhile(the_world)
            run.run()
            thread.join(5)
    finally:
        account_activity.disconnect(receiver)
    assert [(h["account_id"], h["event_type"]) for h in heard] == [
        (account.pk, "profile.update.bio"),
        (account.pk, "post.create"),
    ]
    assert heard[0]["payload"] == {"before": "Official", "after": "Hacked"}
    assert heard[1]["payload"]["post"].text == "Nobody in the department wrote this"
    assert AccountEvent.objects.count() == 2
    assert len({h["event_id"] for h in heard}) == 2


def test_delivered_events_are_metered_in_one_row_per_batch_with_their_cost(pushed, account):
    def the_world():
        wait_for(lambda: connections(pushed) == 1)
        for n in range(5):
            mention(pushed, account, n)

    run = worker(until_events=5)
    thread = meanwhile(the_world)
    run.run()
    thread.join(5)
    delivered = ApiCall.objects.filter(endpoint="/2/activity/stream", context__startswith="activity stream: ")
    delivered = delivered.exclude(context="activity stream: connect")
    assert sum(delivered.values_list("posts_read", flat=True)) == 5
    assert delivered.count() < 5
    assert sum(c.cost for c in delivered) == Decimal("0.025")  # $0.005 a post event (reference section 5)
    assert ApiCall.objects.filter(context="activity stream: connect", status_code=200).count() == 1


def test_polling_leaves_streamed_mentions_alone_while_the_stream_is_up_and_takes_them_back_when_down(
    pushed, account, settings
):
    settings.STREAM_FALLBACK_SECONDS = 60
    ingest.cursors_sync()
    cursor = PollCursor.objects.get(key=f"timeline:{account.pk}")
    assert cursor.pk in ingest.cursors_due()  # no stream has ever been seen
    push.heartbeat_write({"connected": True, "down_since": None, "accounts": [account.pk]})
    assert cursor.pk not in ingest.cursors_due()
    push.heartbeat_write({"connected": False, "down_since": time.time() - 30, "accounts": [account.pk]})
    assert cursor.pk not in ingest.cursors_due()  # down, but not for long: a reconnect fills the gap
    push.heartbeat_write({"connected": False, "down_since": time.time() - 61, "accounts": [account.pk]})
    assert cursor.pk in ingest.cursors_due()
    settings.INGESTION = "poll"
    push.heartbeat_write({"connected": True, "down_since": None, "accounts": [account.pk]})
    assert cursor.pk in ingest.cursors_due()


def test_after_a_switch_back_to_polling_the_shared_mentions_search_starts_where_the_stream_stopped(
    pushed, account, settings
):
    settings.MONITORING_MENTIONS_SOURCE = "search"
    settings.INGESTION = "poll"
    ingest.cursors_sync()
    shared = PollCursor.objects.get(key__startswith="mentions:")
    PollCursor.objects.filter(pk=shared.pk).update(since_id=100)
    settings.INGESTION = "push"
    ingest.cursors_sync()
    own = PollCursor.objects.get(key=f"timeline:{account.pk}")
    assert own.since_id == 100  # the streamed account's own cursor starts where the search left it
    assert not PollCursor.objects.get(pk=shared.pk).is_active
    PollCursor.objects.filter(pk=own.pk).update(since_id=5000)  # the stream stored up to here
    settings.INGESTION = "poll"
    ingest.cursors_sync()
    shared.refresh_from_db()
    assert (shared.is_active, shared.since_id) == (True, 5000)


def test_the_health_summary_says_when_the_stream_is_down(settings, db):
    settings.INGESTION = "push"
    assert push.health_summary()["never_seen"]
    push.heartbeat_write({"connected": True, "down_since": None, "accounts": [1], "reconnects": 2, "events": 10})
    summary = push.health_summary()
    assert (summary["up"], summary["reconnects"], summary["accounts"]) == (True, 2, 1)
    push.heartbeat_write({"connected": False, "down_since": time.time() - 600, "accounts": [1]})
    summary = push.health_summary()
    assert not summary["up"] and summary["falling_back"] and summary["down_seconds"] >= 600
    settings.INGESTION = "poll"
    assert push.health_summary() is None


def test_only_accounts_authorised_with_oauth2_are_streamed_the_rest_are_polled(pushed, account, team, settings):
    from tests.factories import TwitterAccountFactory

    settings.MONITORING_MENTIONS_SOURCE = "timeline"
    unauthorised = TwitterAccountFactory(team=team, handle="DeptPress")
    assert push.streamed_accounts() == [account]
    ingest.cursors_sync()
    push.heartbeat_write({"connected": True, "down_since": None, "accounts": [account.pk]})
    due = set(ingest.cursors_due())
    assert PollCursor.objects.get(key=f"timeline:{unauthorised.pk}").pk in due
    assert PollCursor.objects.get(key=f"timeline:{account.pk}").pk not in due


ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(st.characters(blacklist_categories=[])),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3),
    max_leaves=8,
)
HOSTILE_TEXT = st.text(st.characters(blacklist_categories=[]), max_size=300)  # NULs and lone surrogates included


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    payload=st.fixed_dictionaries(
        {"id": st.integers(1, 2**63 - 1).map(str), "text": HOSTILE_TEXT},
        optional={
            "author_id": ANY_JSON,
            "created_at": st.text(max_size=30) | ANY_JSON,
            "lang": HOSTILE_TEXT | ANY_JSON,
            "conversation_id": ANY_JSON,
            "in_reply_to_user_id": ANY_JSON,
            "referenced_tweets": ANY_JSON,
            "entities": st.fixed_dictionaries({}, optional={"mentions": ANY_JSON, "hashtags": ANY_JSON}) | ANY_JSON,
        },
    ),
    users=ANY_JSON,
)
def test_any_pushed_post_that_can_be_read_is_stored_once_with_its_inbox_item(account, triage, payload, users):
    envelope = {
        "event_uuid": "1",
        "event_type": "post.mention.create",
        "filter": {"user_id": account.x_user_id},
        "payload": payload,
        "includes": {"users": users},
    }
    try:
        event = stream.parse_event(json.dumps({"data": envelope}).encode())
    except Unreadable:
        return
    batch = push.Batch()
    batch.mentions[account.pk].append(event.post)
    batch.size = 1
    push.batch_store(batch=batch)
    mention = Mention.objects.get(tweet_id=int(payload["id"]))
    assert "\x00" not in mention.text
    assert InboxItem.objects.filter(mention=mention).count() == 1


def test_a_batch_that_cannot_be_stored_is_read_again_by_a_gap_fill(pushed, account):
    real_store = push.batch_store
    failures = []

    def fail_once(*, batch):
        if batch.mentions and not failures:
            failures.append(batch.size)
            raise RuntimeError("the database went away")
        return real_store(batch=batch)

    posted = []

    def the_world():
        wait_for(lambda: connections(pushed) == 1)
        posted.extend(mention(pushed, account, n) for n in range(3))

    with mock.patch.object(push, "batch_store", side_effect=fail_once):
        run = worker(until_events=3)
        thread = meanwhile(the_world)
        run.run()
        thread.join(5)
    assert failures
    assert_each_stored_once(posted)
