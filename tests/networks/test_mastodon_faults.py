"""The Mastodon provider when the instance fails: 5xx, dropped answers, rate limits, hostile items; and metering."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from networks.mastodon.provider import PROVIDER
from twitter_api.client import metered_in_bulk
from twitter_api.errors import RateLimited, Transient
from twitter_api.models import ApiCall

pytestmark = pytest.mark.django_db


def test_a_5xx_is_transient(mastodon_sandbox, mastodon_account):
    mastodon_sandbox.set_faults(force_5xx=1, status_5xx=503)

    with pytest.raises(Transient) as failed:
        PROVIDER.mentions_since(mastodon_account)

    assert failed.value.status_code == 503
    assert not failed.value.uncertain
    assert "Mastodon (social.example.gov.uk)" in failed.value.message
    assert PROVIDER.mentions_since(mastodon_account).posts == []  # and the next try works


def test_a_500_on_a_create_is_uncertain(mastodon_sandbox, mastodon_account):
    mastodon_sandbox.set_faults(force_5xx=1, status_5xx=500)

    with pytest.raises(Transient) as failed:
        PROVIDER.post_create(mastodon_account, text="Hello", idempotency_key="k")

    assert failed.value.uncertain


def test_an_answer_dropped_after_the_status_was_made_is_uncertain_and_a_retry_makes_no_second(
    mastodon_sandbox, mastodon_account
):
    mastodon_sandbox.set_faults(drop_after_accept=1)

    with pytest.raises(Transient) as lost:
        PROVIDER.post_create(mastodon_account, text="Exactly once.", idempotency_key="draft-9-rev-1-0")

    assert lost.value.uncertain
    assert "do not know whether" in lost.value.message
    assert len(mastodon_sandbox.statuses_by("10937")) == 1

    retried = PROVIDER.post_create(mastodon_account, text="Exactly once.", idempotency_key="draft-9-rev-1-0")

    statuses = mastodon_sandbox.statuses_by("10937")
    assert [s["id"] for s in statuses] == [retried.id]
    # Reconciling finds it among the account's recent posts too.
    assert [p.id for p in PROVIDER.recent_posts(mastodon_account)] == [retried.id]


def test_a_connection_refused_is_certain_the_status_was_not_made(mastodon_sandbox, mastodon_account, settings):
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    settings.MASTODON_API_BASE_URL = f"http://127.0.0.1:{port}"

    with pytest.raises(Transient) as failed:
        PROVIDER.post_create(mastodon_account, text="Hello")

    assert not failed.value.uncertain
    assert "Could not reach Mastodon" in failed.value.message
    row = ApiCall.objects.get()
    assert row.status_code is None and "ConnectionError" in row.error


def test_a_read_timeout_on_a_create_is_uncertain(mastodon_sandbox, mastodon_account, settings):
    settings.NETWORK_REQUEST_TIMEOUT_SECONDS = 0.2
    mastodon_sandbox.set_faults(latency=0.6)

    with pytest.raises(Transient) as failed:
        PROVIDER.post_create(mastodon_account, text="Slow", idempotency_key="slow-1")

    assert failed.value.uncertain
    # The instance carries on after the client gave up: the status is made (so the key matters) before this ends.
    for _ in range(50):
        if mastodon_sandbox.requests:
            break
        time.sleep(0.05)
    assert [(r[0], r[2]) for r in mastodon_sandbox.requests] == [("POST", 200)]
    assert len(mastodon_sandbox.statuses_by("10937")) == 1


def test_a_429_is_rate_limited_until_the_instance_s_reset(mastodon_sandbox, mastodon_account):
    mastodon_sandbox.set_faults(force_429=1)
    before = datetime.now(UTC)

    with pytest.raises(RateLimited) as limited:
        PROVIDER.mentions_since(mastodon_account)

    reset_at = limited.value.reset_at
    assert before + timedelta(minutes=4) < reset_at <= before + timedelta(minutes=5, seconds=5)
    assert "Mastodon (social.example.gov.uk) is limiting" in limited.value.message
    row = ApiCall.objects.get()
    assert (row.status_code, row.rate_limit_remaining) == (429, 0)
    assert abs((row.rate_limit_reset - reset_at).total_seconds()) < 1


def test_a_used_up_window_is_rate_limited_without_sleeping(mastodon_sandbox, mastodon_account):
    import time

    mastodon_sandbox.state.rate_limit = 2
    PROVIDER.profile(mastodon_account)
    PROVIDER.profile(mastodon_account)
    started = time.monotonic()

    with pytest.raises(RateLimited):
        PROVIDER.profile(mastodon_account)

    assert time.monotonic() - started < 2


def test_every_request_is_metered_as_one_row(mastodon_sandbox, mastodon_account):
    question = mastodon_sandbox.inject_status("alice", "@comms hello")
    mastodon_sandbox.inject_status("bob", "@comms hi")

    post = PROVIDER.post_create(mastodon_account, text="Hi", reply_to_id=question["id"], context="publish")
    PROVIDER.mentions_since(mastodon_account, context="monitor:1")
    PROVIDER.post_delete(mastodon_account, post_id=post.id)

    rows = list(ApiCall.objects.order_by("id"))
    assert [(r.method, r.endpoint, r.status_code) for r in rows] == [
        ("POST", "mastodon:/api/v1/statuses", 200),
        ("GET", "mastodon:/api/v1/notifications", 200),
        ("DELETE", "mastodon:/api/v1/statuses/:id", 200),
    ]
    assert [(r.posts_created, r.posts_read) for r in rows] == [(1, 0), (0, 2), (0, 0)]
    assert {r.account_id for r in rows} == {mastodon_account.pk}
    assert [r.context for r in rows[:2]] == ["publish", "monitor:1"]
    assert all(r.cost == 0 for r in rows)
    assert rows[0].rate_limit_limit == 300 and rows[0].rate_limit_reset is not None


def test_metered_in_bulk_buffers_the_rows(mastodon_sandbox, mastodon_account):
    with metered_in_bulk() as rows:
        PROVIDER.profile(mastodon_account)
        PROVIDER.search(mastodon_account, query="#floods")
        assert ApiCall.objects.count() == 0
        assert [r.endpoint for r in rows] == [
            "mastodon:/api/v1/accounts/verify_credentials",
            "mastodon:/api/v1/timelines/tag/:hashtag",
        ]
    assert ApiCall.objects.count() == 2


# --- hostile items -------------------------------------------------------------------------------------------------

_anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=6,
)
_hostile_text = st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=20).map(
    lambda s: s + "\x00\ud800"
)


def _good_notification(n: int) -> dict:
    return {
        "id": str(90_000 + n),
        "type": "mention",
        "created_at": "2026-12-01T10:00:00.000Z",
        "account": {"id": "777", "acct": "evil@bad.example"},
        "status": {
            "id": str(113_000_000_000_000_000 + n),
            "created_at": "2026-12-01T10:00:00.000Z",
            "content": "<p>@comms hi</p>",
            "account": {"id": "777", "acct": "evil@bad.example", "display_name": "Evil", "followers_count": 3},
        },
    }


@st.composite
def _hostile_notification(draw):
    item = _good_notification(draw(st.integers(0, 99)))
    status = item["status"]
    how = draw(st.sampled_from(["field", "drop", "nul", "not-object", "status", "account"]))
    if how == "field":
        key = draw(st.sampled_from(["id", "content", "created_at", "in_reply_to_id", "language", "mentions", "tags"]))
        status[key] = draw(_anything)
    elif how == "drop":
        del status[draw(st.sampled_from(["id", "content", "account", "created_at"]))]
    elif how == "nul":
        status["content"] = draw(_hostile_text)
        status["account"]["display_name"] = draw(_hostile_text)
        status["account"]["acct"] = draw(_hostile_text)
    elif how == "not-object":
        return draw(_anything)
    elif how == "status":
        item["status"] = draw(_anything)
    else:
        status["account"] = draw(_anything)
    if draw(st.booleans()):
        item["type"] = draw(_anything)
    return item


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hostile=st.lists(_hostile_notification(), min_size=1, max_size=3))
def test_hostile_notifications_are_set_aside_and_never_stop_the_rest(mastodon_sandbox, mastodon_account, hostile):
    mastodon_sandbox.state.notifications.clear()
    first = mastodon_sandbox.inject_status("alice", "@comms first")
    second = mastodon_sandbox.inject_status("bob", "@comms second")
    mastodon_sandbox.set_faults(malformed=hostile)

    page = PROVIDER.mentions_since(mastodon_account)

    ids = [p.id for p in page.posts]
    assert first["id"] in ids and second["id"] in ids
    assert page.posts_read == 2 + len(hostile)
    for post in page.posts:
        for text in (post.text, post.author.username, post.author.name):
            assert "\x00" not in text
            text.encode("utf-8")  # no lone surrogate
        assert post.created_at.tzinfo is not None


def test_a_readable_hostile_mention_is_kept_cleaned(mastodon_sandbox, mastodon_account):
    item = _good_notification(1)
    item["status"]["content"] = "<p>bad\x00 \ud800 text</p>"
    item["status"]["created_at"] = ["not", "a", "time"]
    mastodon_sandbox.set_faults(malformed=[item, {"id": "5", "type": "mention", "status": None}, "junk"])

    page = PROVIDER.mentions_since(mastodon_account)

    [post] = page.posts
    assert post.text == "bad \ufffd text"
    assert post.author.followers_count == 3
    assert post.created_at.year >= 2024  # from the id, not the unreadable time
    assert page.newest_id == "90001"


def test_hostile_search_results_are_set_aside(mastodon_sandbox, mastodon_account):
    good = mastodon_sandbox.inject_status("alice", "flood warning")
    mastodon_sandbox.set_faults(malformed=[{"id": ["x"]}, {"id": "12", "content": 5}, None])

    page = PROVIDER.search(mastodon_account, query="flood warning")

    assert [p.id for p in page.posts] == [good["id"]]
    assert page.posts_read == 4


def test_each_operation_makes_only_its_own_requests(mastodon_sandbox, mastodon_account):
    """Mastodon.py never asks the instance its version or its timelines' availability on the side."""

    def paths(operation) -> list[str]:
        before = len(mastodon_sandbox.requests)
        operation()
        return [f"{method} {path}" for method, path, *_ in mastodon_sandbox.requests[before:]]

    account = mastodon_account
    assert paths(lambda: PROVIDER.recent_posts(account)) == ["GET /api/v1/accounts/10937/statuses"]
    assert paths(lambda: PROVIDER.search(account, query="flood")) == ["GET /api/v2/search"]
    assert paths(lambda: PROVIDER.search(account, query="#flood")) == ["GET /api/v1/timelines/tag/flood"]
    assert paths(lambda: PROVIDER.mentions_since(account)) == ["GET /api/v1/notifications"]
    assert paths(lambda: PROVIDER.profile(account)) == ["GET /api/v1/accounts/verify_credentials"]
    assert paths(lambda: PROVIDER.connect(account)) == [
        "GET /api/v1/accounts/verify_credentials",
        "GET /api/v2/instance/",
    ]
    uploaded = paths(lambda: PROVIDER.media_upload(account, data=b"png", mime_type="image/png", alt_text="A"))
    assert uploaded[0] == "POST /api/v2/media" and uploaded[1].startswith("GET /api/v1/media/") and len(uploaded) == 2
    assert paths(lambda: PROVIDER.post_create(account, text="Hi")) == ["POST /api/v1/statuses"]
    assert ApiCall.objects.filter(endpoint="mastodon:/api/v2/instance").count() == 1


def test_an_image_never_processed_is_transient_after_a_bounded_wait(mastodon_sandbox, mastodon_account, monkeypatch):
    from networks.mastodon import provider

    monkeypatch.setattr(provider, "MEDIA_WAIT_SECONDS", 0.6)
    mastodon_sandbox.set_faults(media_processing_polls=1000)
    started = time.monotonic()

    with pytest.raises(Transient, match="still processing the image"):
        PROVIDER.media_upload(mastodon_account, data=b"png", mime_type="image/png", alt_text="A chart")

    assert time.monotonic() - started < 5
    polls = [r for r in mastodon_sandbox.requests if r[1].startswith("/api/v1/media/")]
    assert 1 <= len(polls) <= 4  # paced, not hammered


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hostile=st.lists(_hostile_notification().map(lambda n: n.get("status") if type(n) is dict else n), max_size=3))
def test_hostile_search_and_hashtag_results_never_stop_the_rest(mastodon_sandbox, mastodon_account, hostile):
    with mastodon_sandbox.state.lock:
        mastodon_sandbox.state.statuses.clear()
    good = mastodon_sandbox.inject_status("alice", "flood warning #floods")

    mastodon_sandbox.set_faults(malformed=hostile)
    words = PROVIDER.search(mastodon_account, query="flood warning")
    mastodon_sandbox.set_faults(malformed=hostile)
    tagged = PROVIDER.search(mastodon_account, query="#floods")

    for page in (words, tagged):
        assert good["id"] in [p.id for p in page.posts]
        assert page.posts_read == 1 + len(hostile)
        for post in page.posts:
            assert "\x00" not in post.text
            post.text.encode("utf-8")
