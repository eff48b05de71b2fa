"""`manage.py x_sandbox` serves the demo accounts, and saves its state on SIGTERM (as honcho stops it)."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from requests_oauthlib import OAuth1

from accounts.demo import DEMO_ACCOUNTS, demo_tokens
from twitter_api.sandbox.demo import DEMO_PUBLISHED

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_x_sandbox_knows_the_demo_accounts_and_persists_its_state(tmp_path, settings):
    port, state_file = free_port(), tmp_path / "sandbox.json"
    env = {**os.environ, "DEBUG": "true"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "x_sandbox", "--port", str(port), "--state-file", str(state_file)],
        cwd=ROOT,
        env=env,
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
        handle, _name, _kind, _team, _person, x_user_id = DEMO_ACCOUNTS[0]
        token, secret = demo_tokens(handle)
        auth = OAuth1(settings.X_CONSUMER_KEY, settings.X_CONSUMER_SECRET, token, secret)
        prepared = session.prepare_request(requests.Request("GET", "https://api.twitter.com/2/users/me", auth=auth))
        prepared.url = f"{url}/2/users/me"
        me = session.send(prepared, timeout=5)
        session.post(f"{url}/_sandbox/posts", json={"author_username": "someone", "text": "kept"}, timeout=5)
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0].decode()

    assert me.json()["data"] == {"id": x_user_id, "name": DEMO_ACCOUNTS[0][1], "username": handle}
    assert process.returncode == 0, output
    saved = json.loads(state_file.read_text())
    # The demo's posts published before it began (seed_demo's published drafts), then what was posted.
    assert [p["text"] for p in saved["posts"]] == [text for *_, text in DEMO_PUBLISHED] + ["kept"]
