"""The sandbox's streams as a server: a long-lived stream never blocks other requests, a reset ends open streams and
frees their slots, the filtered stream delivers what its rules match (by the project's query matcher), and the
control endpoint injects hostile lines and bursts."""

import time

import pytest
import requests

USER_ID = "1500000000000000001"


@pytest.fixture
def http(x_sandbox, settings):
    x_sandbox.state.add_user(id=USER_ID, username="DeptForExample", access_token="t", access_token_secret="s")
    x_sandbox.set_faults(stream_keepalive_seconds=0.1)
    session = requests.Session()
    session.trust_env = False
    session.headers.update({"Authorization": f"Bearer {settings.X_BEARER_TOKEN}"})
    return session


def lines(response, count: int, timeout: float = 10.0) -> list[bytes]:
    found, deadline = [], time.monotonic() + timeout
    for line in response.iter_lines():
        if line.strip():
            found.append(line)
        if len(found) == count or time.monotonic() > deadline:
            break
    return found


def subscribe(http, x_sandbox, event_type="post.mention.create"):
    body = {"event_type": event_type, "filter": {"user_id": USER_ID}}
    assert http.post(x_sandbox.url + "/2/activity/subscriptions", json=body, timeout=5).status_code == 200


def test_open_streams_do_not_keep_the_server_from_answering_other_requests(http, x_sandbox):
    streams = [http.get(x_sandbox.url + "/2/activity/stream", stream=True, timeout=5) for _ in range(2)]
    try:
        for _ in range(20):
            assert http.get(x_sandbox.url + "/_sandbox/health", timeout=2).status_code == 200
    finally:
        for response in streams:
            response.close()


def test_keep_alives_are_blank_lines_at_the_configured_interval(http, x_sandbox):
    with http.get(x_sandbox.url + "/2/activity/stream", stream=True, timeout=5) as response:
        chunks = []
        for chunk in response.iter_content(chunk_size=None):
            chunks.append(chunk)
            if len(chunks) == 3:
                break
    assert chunks == [b"\r\n"] * 3


def test_a_reset_ends_the_open_streams_and_frees_their_slots(http, x_sandbox):
    first = http.get(x_sandbox.url + "/2/activity/stream", stream=True, timeout=5)
    second = http.get(x_sandbox.url + "/2/activity/stream", stream=True, timeout=5)
    assert http.get(x_sandbox.url + "/2/activity/stream", stream=True, timeout=5).status_code == 429
    x_sandbox.reset()
    with pytest.raises(requests.RequestException):
        lines(first, 1)
    first.close()
    second.close()
    x_sandbox.state.add_user(id=USER_ID, username="DeptForExample")
    again = http.get(x_sandbox.url + "/2/activity/stream", stream=True, timeout=5)
    assert again.status_code == 200
    again.close()


def test_the_filtered_stream_delivers_what_its_rules_match_with_the_rules_named(http, x_sandbox):
    url = x_sandbox.url + "/2/tweets/search/stream/rules"
    added = http.post(url, json={"add": [{"value": "passport -renew", "tag": "passports"}]}, timeout=5).json()
    rule_id = added["data"][0]["id"]
    with http.get(x_sandbox.url + "/2/tweets/search/stream", stream=True, timeout=5) as response:
        x_sandbox.inject_post("jo", "I need to renew my passport")
        x_sandbox.inject_post("jo", "Nothing to see")
        wanted = x_sandbox.inject_post("jo", "Where is my passport?")["id"]
        (line,) = lines(response, 1)
    event = requests.models.complexjson.loads(line)
    assert event["data"]["id"] == wanted
    assert event["matching_rules"] == [{"id": rule_id, "tag": "passports"}]
    deleted = http.post(url, json={"delete": {"ids": [rule_id]}}, timeout=5).json()
    assert deleted["meta"]["summary"] == {"deleted": 1, "not_deleted": 0}
    assert http.get(url, timeout=5).json()["meta"]["result_count"] == 0


def test_raw_lines_reach_the_activity_stream_as_sent(http, x_sandbox):
    with http.get(x_sandbox.url + "/2/activity/stream", stream=True, timeout=5) as response:
        http.post(x_sandbox.url + "/_sandbox/activity", json={"raw": ["{garbage", '{"data": 1}']}, timeout=5)
        assert lines(response, 2) == [b"{garbage", b'{"data": 1}']


def test_a_burst_posts_mentions_at_the_rate_asked_and_emits_an_event_for_each(http, x_sandbox):
    subscribe(http, x_sandbox)
    answer = http.post(
        x_sandbox.url + "/_sandbox/activity",
        json={"burst": {"username": "DeptForExample", "rate": 200, "seconds": 0.5}},
        timeout=5,
    )
    assert answer.status_code == 202
    deadline = time.monotonic() + 10
    while x_sandbox.state.activity.emitted < 100 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert x_sandbox.state.activity.emitted == 100
    assert http.get(x_sandbox.url + "/_sandbox/activity", timeout=5).json()["data"]["emitted"] == 100


def test_an_app_subscription_to_an_unknown_user_is_refused(http, x_sandbox):
    body = {"event_type": "post.mention.create", "filter": {"user_id": "42"}}
    answer = http.post(x_sandbox.url + "/2/activity/subscriptions", json=body, timeout=5)
    assert answer.status_code == 400


def test_a_second_subscription_to_the_same_event_of_the_same_user_is_a_conflict(http, x_sandbox):
    subscribe(http, x_sandbox)
    body = {"event_type": "post.mention.create", "filter": {"user_id": USER_ID}}
    assert http.post(x_sandbox.url + "/2/activity/subscriptions", json=body, timeout=5).status_code == 409
