"""The Bluesky sandbox speaks XRPC as Bluesky does: its shapes, its errors and its checks, over real HTTP."""

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from networks.bluesky.sandbox import BlueskyState, cid_for, tid_from
from networks.demo import demo_accounts

ROOT = Path(__file__).resolve().parents[2]
HANDLE, PASSWORD = "dept.bsky.social", "abcd-efgh-ijkl-mnop"


@pytest.fixture
def xrpc(bluesky_sandbox):
    bluesky_sandbox.add_user(HANDLE, did="did:plc:dept0000000000000000000a", app_password=PASSWORD, display_name="Dept")
    with httpx.Client(base_url=f"{bluesky_sandbox.url}/xrpc/", trust_env=False, timeout=5) as client:
        yield client


def _login(xrpc) -> dict:
    response = xrpc.post("com.atproto.server.createSession", json={"identifier": HANDLE, "password": PASSWORD})
    assert response.status_code == 200
    return response.json()


def _auth(session) -> dict:
    return {"Authorization": f"Bearer {session['accessJwt']}"}


def _post(xrpc, session, text, **extra):
    record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-11-02T09:00:00.000Z", **extra}
    body = {"repo": session["did"], "collection": "app.bsky.feed.post", "record": record}
    return xrpc.post("com.atproto.repo.createRecord", json=body, headers=_auth(session))


def test_a_session_has_bluesky_shape_and_a_jwt_with_its_expiry(xrpc):
    session = _login(xrpc)
    assert set(session) >= {"accessJwt", "refreshJwt", "did", "handle"}
    assert session["did"] == "did:plc:dept0000000000000000000a" and session["handle"] == HANDLE
    payload = json.loads(base64.urlsafe_b64decode(session["accessJwt"].split(".")[1] + "=="))
    assert payload["sub"] == session["did"] and payload["exp"] > time.time()
    me = xrpc.get("com.atproto.server.getSession", headers=_auth(session)).json()
    assert me["did"] == session["did"]


def test_a_wrong_app_password_is_refused_as_bluesky_does(xrpc):
    response = xrpc.post("com.atproto.server.createSession", json={"identifier": HANDLE, "password": "nope"})
    assert response.status_code == 401
    assert response.json() == {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}


def test_a_refresh_token_gives_a_new_session_once(xrpc):
    session = _login(xrpc)
    refresh = {"Authorization": f"Bearer {session['refreshJwt']}"}
    renewed = xrpc.post("com.atproto.server.refreshSession", headers=refresh)
    assert renewed.status_code == 200 and renewed.json()["accessJwt"] != session["accessJwt"]
    again = xrpc.post("com.atproto.server.refreshSession", headers=refresh)
    assert again.status_code == 400 and again.json()["error"] == "ExpiredToken"


def test_a_lapsed_access_token_is_expired_token(xrpc, bluesky_sandbox):
    session = _login(xrpc)
    bluesky_sandbox.state.expire_sessions()
    response = xrpc.get("com.atproto.server.getSession", headers=_auth(session))
    assert response.status_code == 400
    assert response.json() == {"error": "ExpiredToken", "message": "Token has expired"}


def test_a_post_is_made_with_a_tid_and_a_cid_and_read_back(xrpc):
    session = _login(xrpc)
    made = _post(xrpc, session, "Hello").json()
    did, collection, rkey = made["uri"].removeprefix("at://").split("/")
    assert (did, collection, len(rkey)) == (session["did"], "app.bsky.feed.post", 13)
    assert made["cid"].startswith("bafyrei") and "commit" in made
    got = xrpc.get(
        "com.atproto.repo.getRecord",
        params={"repo": did, "collection": collection, "rkey": rkey},
        headers=_auth(session),
    ).json()
    assert got["uri"] == made["uri"] and got["value"]["text"] == "Hello"
    listed = xrpc.get(
        "com.atproto.repo.listRecords", params={"repo": did, "collection": collection}, headers=_auth(session)
    ).json()
    assert [r["uri"] for r in listed["records"]] == [made["uri"]]
    [view] = xrpc.get("app.bsky.feed.getPosts", params={"uris": made["uri"]}, headers=_auth(session)).json()["posts"]
    assert view["author"]["handle"] == HANDLE and view["record"]["text"] == "Hello" and "indexedAt" in view
    feed = xrpc.get("app.bsky.feed.getAuthorFeed", params={"actor": HANDLE}, headers=_auth(session)).json()
    assert [item["post"]["uri"] for item in feed["feed"]] == [made["uri"]]


def test_a_record_key_given_twice_is_refused(xrpc):
    session = _login(xrpc)
    key = tid_from(1_700_000_000_000_000)
    body = {
        "repo": session["did"],
        "collection": "app.bsky.feed.post",
        "rkey": key,
        "record": {"$type": "app.bsky.feed.post", "text": "Once", "createdAt": "2026-11-02T09:00:00Z"},
    }
    assert xrpc.post("com.atproto.repo.createRecord", json=body, headers=_auth(session)).status_code == 200
    again = xrpc.post("com.atproto.repo.createRecord", json=body, headers=_auth(session))
    assert again.status_code == 400
    assert again.json()["error"] == "InvalidRequest" and "already exists" in again.json()["message"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("é" * 301, "must not be longer than 300 graphemes"),
        ("\U0001f468\u200d\U0001f469\u200d\U0001f467" * 200, "must not be longer than 3000 characters"),
    ],
)
def test_text_over_the_limits_is_refused(xrpc, text, message):
    response = _post(xrpc, _login(xrpc), text)
    assert response.status_code == 400 and message in response.json()["message"]


def test_300_graphemes_of_families_pass_by_graphemes_but_not_by_bytes(xrpc):
    # A family emoji is one grapheme of 18 bytes: 167 of them are 3,006 bytes.
    assert _post(xrpc, _login(xrpc), "\U0001f468\u200d\U0001f469\u200d\U0001f467" * 166).status_code == 200


def test_images_need_alt_text_and_at_most_four(xrpc):
    session = _login(xrpc)
    upload = xrpc.post(
        "com.atproto.repo.uploadBlob", content=b"\xff\xd8img", headers={**_auth(session), "Content-Type": "image/jpeg"}
    ).json()
    blob = upload["blob"]
    assert blob == {
        "$type": "blob",
        "ref": {"$link": cid_for(b"\xff\xd8img", codec=0x55)},
        "mimeType": "image/jpeg",
        "size": 5,
    }
    no_alt = _post(xrpc, session, "Pic", embed={"$type": "app.bsky.embed.images", "images": [{"image": blob}]})
    assert no_alt.status_code == 400 and 'must have the property "alt"' in no_alt.json()["message"]
    five = [{"image": blob, "alt": "x"}] * 5
    too_many = _post(xrpc, session, "Pics", embed={"$type": "app.bsky.embed.images", "images": five})
    assert too_many.status_code == 400 and "more than 4" in too_many.json()["message"]
    four = _post(xrpc, session, "Pics", embed={"$type": "app.bsky.embed.images", "images": five[:4]})
    assert four.status_code == 200


def test_a_blob_over_a_million_bytes_is_refused(xrpc):
    session = _login(xrpc)
    response = xrpc.post(
        "com.atproto.repo.uploadBlob", content=b"x" * 1_000_001, headers={**_auth(session), "Content-Type": "image/png"}
    )
    assert response.status_code == 400 and response.json()["error"] == "BlobTooLarge"


def test_a_429_says_when_the_limit_resets(xrpc, bluesky_sandbox):
    session = _login(xrpc)
    bluesky_sandbox.set_faults(force_429=1)
    response = xrpc.get("app.bsky.actor.getProfile", params={"actor": HANDLE}, headers=_auth(session))
    assert response.status_code == 429
    assert response.json() == {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}
    assert int(response.headers["ratelimit-reset"]) > time.time()
    assert response.headers["ratelimit-limit"] and response.headers["ratelimit-remaining"]


def test_notifications_page_by_cursor_with_reasons(xrpc, bluesky_sandbox):
    session = _login(xrpc)
    own = bluesky_sandbox.state.inject_post(HANDLE, "Announcement")
    made = [bluesky_sandbox.inject_post("r.bsky.social", f"@{HANDLE} {n}") for n in range(3)]
    reply = bluesky_sandbox.inject_post("s.bsky.social", "A reply", reply_to_uri=own["uri"])
    first = xrpc.get(
        "app.bsky.notification.listNotifications",
        params={"limit": 2, "reasons": ["mention", "reply"]},
        headers=_auth(session),
    ).json()
    assert [(n["uri"], n["reason"]) for n in first["notifications"]] == [
        (reply["uri"], "reply"),
        (made[2]["uri"], "mention"),
    ]
    assert first["notifications"][0]["reasonSubject"] == own["uri"]
    second = xrpc.get(
        "app.bsky.notification.listNotifications",
        params={"limit": 2, "cursor": first["cursor"]},
        headers=_auth(session),
    ).json()
    assert [n["uri"] for n in second["notifications"]] == [made[1]["uri"], made[0]["uri"]]
    assert "cursor" not in second


def test_search_is_latest_first_and_pages_by_cursor(xrpc, bluesky_sandbox):
    session = _login(xrpc)
    made = [bluesky_sandbox.inject_post("r.bsky.social", f"Road closure {n}") for n in range(3)]
    page = xrpc.get(
        "app.bsky.feed.searchPosts", params={"q": "road closure", "sort": "latest", "limit": 2}, headers=_auth(session)
    ).json()
    assert [p["uri"] for p in page["posts"]] == [made[2]["uri"], made[1]["uri"]]
    rest = xrpc.get(
        "app.bsky.feed.searchPosts",
        params={"q": "road closure", "limit": 2, "cursor": page["cursor"]},
        headers=_auth(session),
    ).json()
    assert [p["uri"] for p in rest["posts"]] == [made[0]["uri"]]


def test_an_unknown_method_is_not_implemented(xrpc):
    response = xrpc.get("app.bsky.unspecced.whatever")
    assert response.status_code == 501 and response.json()["error"] == "MethodNotImplemented"


def test_the_state_survives_a_save_and_a_load(tmp_path):
    state = BlueskyState()
    state.add_user(handle="a.bsky.social", app_password="pw")
    post = state.inject_post("a.bsky.social", "Kept")
    state.save(str(tmp_path / "bluesky.json"))
    loaded = BlueskyState()
    assert loaded.load(str(tmp_path / "bluesky.json"))
    assert loaded.posts_by(post["did"])[0]["record"]["text"] == "Kept"
    assert loaded.user_by("a.bsky.social")["app_password"] == "pw"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_command_serves_the_demo_accounts_and_saves_its_state(tmp_path):
    port, state_file = _free_port(), tmp_path / "bluesky.json"
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "bluesky_sandbox",
            "--port",
            str(port),
            "--state-file",
            str(state_file),
            "--demo",
        ],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    demo = demo_accounts("bluesky")[0]
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False, timeout=5) as client:
            for _ in range(150):
                try:
                    client.get("/_sandbox/health")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            session = client.post(
                "/xrpc/com.atproto.server.createSession",
                json={"identifier": demo.handle, "password": demo.credential},
            ).json()
            client.post("/_sandbox/posts", json={"author_handle": "someone.bsky.social", "text": "kept"})
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()
    assert session["did"] == demo.user_id
    assert process.returncode == 0, output
    saved = json.loads(state_file.read_text())
    assert [p["record"]["text"] for p in saved["posts"]] == ["kept"]
    assert demo.handle in {u["handle"] for u in saved["users"]}
