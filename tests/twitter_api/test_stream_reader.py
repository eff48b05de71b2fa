"""The Activity API stream, read from the real sandbox: events in order, keep-alives, a disconnect, a stall, a 429 on
connect (its reset honoured), and hostile lines passed over without stopping the stream."""

import json
import queue
import threading
import time

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from twitter_api import stream
from twitter_api.client import Unreadable

USER_ID = "1500000000000000001"
pytestmark = pytest.mark.django_db  # subscription calls are metered


@pytest.fixture
def world(x_sandbox):
    x_sandbox.state.add_user(id=USER_ID, username="DeptForExample", access_token="t", access_token_secret="s")
    x_sandbox.set_faults(stream_keepalive_seconds=0.1)
    stream.subscriptions_ensure({USER_ID: "dovecote:1"})
    return x_sandbox


def reader_for(**backoff) -> stream.StreamReader:
    fast = {"network": 0.01, "http": 0.01, "rate": 0.01, **backoff}
    return stream.StreamReader(keepalive_seconds=0.1, stall_factor=5, backoff=stream.Backoff(**fast)).start()


def take(reader, kinds, count, timeout=10.0) -> list:
    """The next `count` messages of the given kinds (others are kept in `reader.seen`)."""
    found = []
    deadline = time.monotonic() + timeout
    while len(found) < count:
        left = deadline - time.monotonic()
        assert left > 0, f"waited for {count} {kinds}, got {found}"
        try:
            kind, value = reader.messages.get(timeout=left)
        except queue.Empty:
            continue
        reader.__dict__.setdefault("seen", []).append((kind, value))
        if kind in kinds:
            found.append((kind, value))
    return found


def mention(sandbox, n: int) -> str:
    return sandbox.inject_post("citizen_jo", f"@DeptForExample question {n}")["id"]


def test_subscriptions_are_made_once_for_each_event_and_removed_for_users_no_longer_wanted(world):
    assert {(s.user_id, s.event_type) for s in stream.subscriptions_list()} == {
        (USER_ID, kind) for kind in stream.ACCOUNT_EVENTS
    }
    assert stream.subscriptions_ensure({USER_ID: "dovecote:1"}) == (0, 0)
    assert stream.subscriptions_ensure({}) == (0, len(stream.ACCOUNT_EVENTS))
    assert stream.subscriptions_list() == []


def test_mentions_arrive_in_order_as_events_with_their_post(world):
    reader = reader_for()
    try:
        take(reader, {"connected"}, 1)
        ids = [mention(world, n) for n in range(3)]
        events = [value for _, value in take(reader, {"event"}, 3)]
    finally:
        reader.stop()
    assert [e.post.id for e in events] == ids
    assert {(e.event_type, e.user_id) for e in events} == {("post.mention.create", USER_ID)}
    assert events[0].post.author.username == "citizen_jo"
    assert len({e.event_id for e in events}) == 3
    assert reader.stats.keepalives >= 0 and reader.stats.unreadable == 0


def test_a_disconnect_mid_stream_is_followed_by_a_reconnect_and_what_comes_after_it(world):
    world.set_faults(stream_disconnect_after=2)
    reader = reader_for()
    try:
        take(reader, {"connected"}, 1)
        first = [mention(world, n) for n in range(2)]
        assert [v.post.id for _, v in take(reader, {"event"}, 2)] == first
        take(reader, {"connected"}, 1)
        later = mention(world, 9)
        assert [v.post.id for _, v in take(reader, {"event"}, 1)] == [later]
    finally:
        reader.stop()
    assert reader.stats.reconnects == 1
    assert [k for k, _ in reader.seen if k in ("connected", "down")] == ["connected", "down", "connected"]


def test_a_stall_with_not_even_keep_alives_is_noticed_and_the_stream_reconnected(world):
    world.set_faults(stream_stall_seconds=30, stream_stall_after=1)
    reader = reader_for()
    try:
        take(reader, {"connected"}, 1)
        mention(world, 1)
        take(reader, {"event"}, 1)
        take(reader, {"connected"}, 1, timeout=15)  # the stall was given up on long before its 30 s
        later = mention(world, 2)
        assert [v.post.id for _, v in take(reader, {"event"}, 1)] == [later]
    finally:
        reader.stop()
    assert reader.stats.reconnects == 1
    assert [reason for kind, reason in reader.seen if kind == "down"] == ["stalled: no data from X"]


def test_a_429_on_connect_waits_for_its_reset_before_connecting_again(world):
    world.set_rate_limit("GET /2/activity/stream", 450, window_seconds=2)
    world.set_faults(stream_keepalive_seconds=0.1, force_429=1)
    reader = reader_for()
    try:
        (_, refused), (_, accepted) = take(reader, {"connect"}, 2)
    finally:
        reader.stop()
    assert (refused.status, accepted.status) == (429, 200)
    assert refused.rate_limit_reset is not None
    assert accepted.at >= refused.rate_limit_reset.timestamp()


def test_a_second_connection_beyond_xs_limit_is_refused_and_tried_again_later(world):
    readers = [reader_for(), reader_for()]
    try:
        for reader in readers:
            take(reader, {"connected"}, 1)
        third = reader_for()
        try:
            (_, refused) = take(third, {"connect"}, 1)[0]
        finally:
            third.stop()
    finally:
        for reader in readers:
            reader.stop()
    assert refused.status == 429 and "TooManyConnections" in refused.error


HOSTILE = [
    b"{not json",
    b"[1, 2, 3]",
    b'{"data": "text"}',
    b'{"errors": [{"title": "operational-disconnect"}]}',
    b'{"data": {"event_uuid": "x1", "event_type": "post.mention.create"}}',
    b'{"data": {"event_uuid": "5", "event_type": 7, "filter": {"user_id": "1"}}}',
    b'{"data": {"event_uuid": "6", "event_type": "post.mention.create", "filter": {"user_id": "1"}, "payload": 3}}',
    b'{"data": {"event_uuid": "7", "event_type": "post.mention.create", "filter": {}, "payload": {"id": "8"}}}',
    b'{"data": {"event_uuid": "9", "event_type": "profile.update.bio", "filter": {"user_id": "1"}}}',
    b"\x00\xff\xfe",
]


@pytest.mark.parametrize("line", HOSTILE)
def test_a_hostile_line_is_unreadable_never_an_error(line):
    with pytest.raises(Unreadable):
        stream.parse_event(line)


def test_nul_and_lone_surrogates_are_cleaned_out_of_an_event():
    line = json.dumps(
        {
            "data": {
                "event_uuid": "11",
                "event_type": "post.mention.create",
                "filter": {"user_id": USER_ID},
                "tag": "t\u0000",
                "payload": {"id": "12", "text": "hi\u0000 \ud800 there", "author_id": "3"},
            }
        }
    ).encode()
    event = stream.parse_event(line)
    assert event.post.text == "hi \ufffd there" and event.tag == "t"


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
)


@hypothesis_settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    event_uuid=JSONISH,
    event_type=st.sampled_from(["post.mention.create", "post.create", "post.delete", "profile.update.bio"]) | JSONISH,
    filter_=st.fixed_dictionaries({"user_id": st.sampled_from([USER_ID, "0", "-1"]) | JSONISH}) | JSONISH,
    payload=st.fixed_dictionaries({"id": st.text() | JSONISH, "text": st.text() | JSONISH}) | JSONISH,
)
def test_any_envelope_is_an_event_or_unreadable(event_uuid, event_type, filter_, payload):
    data = {"event_uuid": event_uuid, "event_type": event_type, "filter": filter_, "payload": payload}
    line = json.dumps({"data": data}).encode()
    try:
        event = stream.parse_event(line)
    except Unreadable:
        return
    assert event.event_id.isdigit() and event.user_id.isdigit()
    if event.post is not None:
        assert "\x00" not in event.post.text


def test_hostile_lines_on_the_stream_are_counted_and_the_events_after_them_still_arrive(world):
    reader = reader_for()
    try:
        take(reader, {"connected"}, 1)
        world.state.activity.activity.append(HOSTILE)
        later = mention(world, 1)
        assert [v.post.id for _, v in take(reader, {"event"}, 1)] == [later]
    finally:
        reader.stop()
    assert reader.stats.unreadable == len(HOSTILE)
    assert [k for k, _ in reader.seen].count("unreadable") == len(HOSTILE)


def test_account_events_carry_what_changed_and_a_deleted_posts_id(world):
    reader = reader_for()
    try:
        take(reader, {"connected"}, 1)
        world.state.activity_emit(USER_ID, "profile.update.bio", {"before": "Official", "after": "Hacked"})
        own = world.state.add_post(author=world.state.users[USER_ID], text="Our own post")
        world.state.delete_post(author=world.state.users[USER_ID], post_id=own.post.id)
        events = [v for _, v in take(reader, {"event"}, 3)]
    finally:
        reader.stop()
    assert [(e.event_type, e.payload) for e in events] == [
        ("profile.update.bio", {"before": "Official", "after": "Hacked"}),
        ("post.create", {}),
        ("post.delete", {"id": own.post.id, "author_id": USER_ID}),
    ]
    assert events[1].post.id == own.post.id


def test_stopping_a_reader_ends_its_thread_even_while_the_stream_is_quiet(world):
    reader = reader_for()
    take(reader, {"connected"}, 1)
    reader.stop()
    assert not any(t.name == "x-activity-stream" and t.is_alive() for t in threading.enumerate())
