"""The Mastodon sandbox speaks Mastodon's REST API: its JSON shapes, errors, pagination and idempotency, over plain
HTTP (no Mastodon.py), and `manage.py mastodon_sandbox` persists what it knows."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from networks.demo import demo_accounts
from networks.mastodon.sandbox import status_length

ROOT = Path(__file__).resolve().parents[2]
HOST = "social.example.gov.uk"


@pytest.fixture
def api(mastodon_sandbox):
    """A session to the sandbox as the instance social.example.gov.uk, acting as comms (token "token")."""
    mastodon_sandbox.add_user("comms", id="10937", access_token="token", display_name="Comms")
    session = requests.Session()
    session.trust_env = False
    session.headers.update({"Authorization": "Bearer token", "X-Forwarded-Host": HOST})
    base = mastodon_sandbox.url

    def call(method: str, path: str, **kwargs) -> requests.Response:
        return session.request(method, base + path, timeout=5, **kwargs)

    return call


def test_instance_v2_says_the_limits(api, mastodon_sandbox):
    mastodon_sandbox.set_max_characters(5000, host="big.example")
    body = api("GET", "/api/v2/instance").json()

    assert body["domain"] == HOST
    assert body["configuration"]["statuses"] == {
        "max_characters": 500,
        "max_media_attachments": 4,
        "characters_reserved_per_url": 23,
    }
    assert body["configuration"]["media_attachments"]["description_limit"] == 1500
    big = api("GET", "/api/v2/instance", headers={"X-Forwarded-Host": "big.example"}).json()
    assert big["configuration"]["statuses"]["max_characters"] == 5000
    assert api("GET", "/api/v1/instance").json()["configuration"]["statuses"]["max_characters"] == 500


def test_verify_credentials_is_the_account_with_its_source(api):
    body = api("GET", "/api/v1/accounts/verify_credentials").json()

    assert (body["id"], body["username"], body["acct"], body["display_name"]) == ("10937", "comms", "comms", "Comms")
    assert body["url"] == f"https://{HOST}/@comms"
    assert "source" in body and body["source"]["privacy"] == "public"


def test_a_bad_token_is_401_with_mastodon_s_error(api):
    answer = api("GET", "/api/v1/accounts/verify_credentials", headers={"Authorization": "Bearer wrong"})

    assert answer.status_code == 401
    assert answer.json() == {"error": "The access token is invalid"}


def test_a_status_has_mastodon_s_shape(api):
    answer = api("POST", "/api/v1/statuses", data={"status": "Hello <world> & @nobody\n\nhttps://www.gov.uk #News"})
    status = answer.json()

    assert answer.status_code == 200
    assert status["id"].isdigit() and int(status["id"]) >> 16 > 1_700_000_000_000
    assert status["uri"] == f"https://{HOST}/users/comms/statuses/{status['id']}"
    assert status["url"] == f"https://{HOST}/@comms/{status['id']}"
    assert status["content"].startswith("<p>Hello &lt;world&gt; &amp; @nobody</p><p>")
    assert 'class="mention hashtag"' in status["content"]
    assert status["tags"] == [{"name": "news", "url": f"https://{HOST}/tags/news"}]
    assert "text" not in status
    assert status["account"]["id"] == "10937"
    assert datetime.fromisoformat(status["created_at"].replace("Z", "+00:00")) <= datetime.now(UTC)
    assert set(status) >= {"in_reply_to_id", "media_attachments", "mentions", "visibility", "spoiler_text"}
    assert answer.headers["X-RateLimit-Limit"] == "300"
    assert datetime.fromisoformat(answer.headers["X-RateLimit-Reset"].replace("Z", "+00:00")) > datetime.now(UTC)


def test_get_and_delete_a_status(api):
    made = api("POST", "/api/v1/statuses", data={"status": "Line one\nline two"}).json()

    assert api("GET", f"/api/v1/statuses/{made['id']}").json()["content"] == "<p>Line one<br />line two</p>"
    deleted = api("DELETE", f"/api/v1/statuses/{made['id']}")
    assert deleted.json()["text"] == "Line one\nline two"
    again = api("GET", f"/api/v1/statuses/{made['id']}")
    assert (again.status_code, again.json()) == (404, {"error": "Record not found"})


def test_the_idempotency_key_returns_the_same_status_for_the_same_token(api, mastodon_sandbox):
    mastodon_sandbox.add_user("other", access_token="other-token")
    first = api("POST", "/api/v1/statuses", data={"status": "Once"}, headers={"Idempotency-Key": "k1"}).json()
    second = api("POST", "/api/v1/statuses", data={"status": "Once"}, headers={"Idempotency-Key": "k1"}).json()
    theirs = api(
        "POST",
        "/api/v1/statuses",
        data={"status": "Once"},
        headers={"Idempotency-Key": "k1", "Authorization": "Bearer other-token"},
    ).json()

    assert first["id"] == second["id"] != theirs["id"]
    assert len(mastodon_sandbox.statuses_by("10937")) == 1


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("a" * 500, 500),
        ("👩‍👩‍👧‍👦" * 3, 3),  # a family is one grapheme cluster
        ("https://example.com/" + "x" * 300, 23),
        ("@someone@a-very-long-instance.example.org hi", len("@someone hi")),
        ("e\u0301", 1),
    ],
)
def test_length_is_counted_as_upstream(text, length):
    assert status_length(text) == length


def test_over_the_limit_is_422_in_upstream_s_words(api, mastodon_sandbox):
    answer = api("POST", "/api/v1/statuses", data={"status": "x" * 501})
    assert (answer.status_code, answer.json()) == (
        422,
        {"error": "Validation failed: Text character limit of 500 exceeded"},
    )
    assert api("POST", "/api/v1/statuses", data={"status": "https://example.com/" + "y" * 600}).status_code == 200
    mastodon_sandbox.set_max_characters(1000)
    assert api("POST", "/api/v1/statuses", data={"status": "z" * 800}).status_code == 200


def test_media_is_accepted_then_processed_and_attached(api, mastodon_sandbox):
    upload = api(
        "POST", "/api/v2/media", files={"file": ("a.png", b"\x89PNG", "image/png")}, data={"description": "A chart"}
    )
    media = upload.json()
    assert upload.status_code == 202
    assert (media["type"], media["url"], media["description"]) == ("image", None, "A chart")

    processed = api("GET", f"/api/v1/media/{media['id']}")
    assert processed.status_code == 200 and processed.json()["url"].startswith(f"https://{HOST}/")
    api("PUT", f"/api/v1/media/{media['id']}", data={"description": "A bar chart"})
    status = api("POST", "/api/v1/statuses", data={"status": "See", "media_ids[]": [media["id"]]}).json()
    assert [(m["id"], m["description"]) for m in status["media_attachments"]] == [(media["id"], "A bar chart")]


def test_media_refusals(api, mastodon_sandbox):
    too_long = api(
        "POST", "/api/v2/media", files={"file": ("a.png", b"x", "image/png")}, data={"description": "d" * 1501}
    )
    assert too_long.status_code == 422 and "Description is too long" in too_long.json()["error"]
    pending = api("POST", "/api/v2/media", files={"file": ("a.png", b"x", "image/png")}).json()
    refused = api("POST", "/api/v1/statuses", data={"status": "Too soon", "media_ids[]": [pending["id"]]})
    assert refused.status_code == 422 and "processing" in refused.json()["error"]


def test_account_statuses_paginate_with_a_link_header(api, mastodon_sandbox):
    ids = [api("POST", "/api/v1/statuses", data={"status": f"Number {n}"}).json()["id"] for n in range(5)]

    first = api("GET", "/api/v1/accounts/10937/statuses", params={"limit": 2})
    assert [s["id"] for s in first.json()] == [ids[4], ids[3]]
    assert first.links["next"]["url"].startswith(f"https://{HOST}/api/v1/accounts/10937/statuses?")
    assert f"max_id={ids[3]}" in first.links["next"]["url"]
    assert f"min_id={ids[4]}" in first.links["prev"]["url"]
    following = api("GET", "/api/v1/accounts/10937/statuses", params={"limit": 2, "max_id": ids[3]}).json()
    assert [s["id"] for s in following] == [ids[2], ids[1]]
    since = api("GET", "/api/v1/accounts/10937/statuses", params={"limit": 2, "since_id": ids[1]}).json()
    assert [s["id"] for s in since] == [ids[4], ids[3]]
    newer = api("GET", "/api/v1/accounts/10937/statuses", params={"limit": 2, "min_id": ids[1]}).json()
    assert [s["id"] for s in newer] == [ids[3], ids[2]]


def test_notifications_are_mentions_of_the_user(api, mastodon_sandbox):
    question = mastodon_sandbox.inject_status("alice@elsewhere.example", f"@comms@{HOST} hello")
    mastodon_sandbox.inject_status("bob", "@comms plain")
    mastodon_sandbox.inject_status("carol", "@someone_else not us")
    reply = mastodon_sandbox.inject_status("dan", "no mention but a reply", in_reply_to_id=None)

    page = api("GET", "/api/v1/notifications", params={"types[]": "mention"})
    notifications = page.json()

    assert [n["status"]["account"]["acct"] for n in notifications] == ["bob", "alice@elsewhere.example"]
    assert notifications[1]["type"] == "mention"
    assert notifications[1]["status"]["id"] == question["id"]
    assert notifications[1]["status"]["mentions"] == [
        {"id": "10937", "username": "comms", "url": f"https://{HOST}/@comms", "acct": "comms"}
    ]
    assert "types%5B%5D=mention" in page.links["next"]["url"]
    newest = notifications[0]["id"]
    assert api("GET", "/api/v1/notifications", params={"since_id": newest}).json() == []
    assert reply["in_reply_to_id"] is None


def test_search_needs_a_token_and_finds_statuses(api, mastodon_sandbox):
    found = mastodon_sandbox.inject_status("alice", "Flood warning for the valley")
    mastodon_sandbox.inject_status("bob", "Sunny")

    answer = api("GET", "/api/v2/search", params={"q": "flood warning", "type": "statuses", "resolve": "false"})
    assert answer.json() == {"accounts": [], "statuses": [found], "hashtags": []}
    anonymous = api("GET", "/api/v2/search", params={"q": "flood"}, headers={"Authorization": ""})
    assert anonymous.status_code == 401
    tagged = mastodon_sandbox.inject_status("carol", "Rain #Floods")
    assert [s["id"] for s in api("GET", "/api/v1/timelines/tag/floods").json()] == [tagged["id"]]


def test_faults(api, mastodon_sandbox):
    mastodon_sandbox.set_faults(force_5xx=1, force_429=1)
    assert api("GET", "/api/v1/accounts/verify_credentials").status_code == 503
    limited = api("GET", "/api/v1/accounts/verify_credentials")
    assert (limited.status_code, limited.json()) == (429, {"error": "Too many requests"})
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    mastodon_sandbox.set_faults(drop_after_accept=1)
    with pytest.raises(requests.ConnectionError):
        api("POST", "/api/v1/statuses", data={"status": "Made but unanswered"})
    assert [s["text"] for s in mastodon_sandbox.statuses_by("10937")] == ["Made but unanswered"]
    assert api("GET", "/api/v1/accounts/verify_credentials").status_code == 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_command_knows_the_demo_account_and_persists_its_state(tmp_path):
    port, state_file = _free_port(), tmp_path / "mastodon.json"
    demo = demo_accounts("mastodon")[0]
    process = subprocess.Popen(
        [sys.executable, "manage.py", "mastodon_sandbox", "--port", str(port), "--state-file", str(state_file)]
        + ["--demo"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    session = requests.Session()
    session.trust_env = False
    try:
        for _ in range(150):
            try:
                session.get(f"{url}/_sandbox/health", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        me = session.get(
            f"{url}/api/v1/accounts/verify_credentials",
            headers={"Authorization": f"Bearer {demo.credential}"},
            timeout=5,
        ).json()
        mentions = session.get(
            f"{url}/api/v1/notifications",
            headers={"Authorization": f"Bearer {demo.credential}"},
            timeout=5,
        ).json()
        session.post(
            f"{url}/api/v1/statuses",
            data={"status": "kept"},
            headers={"Authorization": f"Bearer {demo.credential}"},
            timeout=5,
        )
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()

    assert (me["id"], me["acct"]) == (demo.user_id, demo.handle.split("@")[0])
    assert process.returncode == 0, output
    saved = json.loads(state_file.read_text())
    assert len(mentions) == 2 and all(m["type"] == "mention" for m in mentions)
    assert [s["text"] for s in saved["statuses"]][-1] == "kept"
