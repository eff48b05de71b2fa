"""The demo's stream process on SQLite (`make run`'s database): `manage.py stream` with INGESTION=push subscribes the
account, fills the gap from before it started, stores what X pushes, and is cut off and reconnected once on the way,
with nothing lost or stored twice."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.sqlite_processes import sqlite_env

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
import django
django.setup()
from django.core.management import call_command
from accounts.models import ActivityGrant, Membership, TwitterAccount
from tests.factories import MembershipFactory, TeamFactory, TwitterAccountFactory

call_command("migrate", verbosity=0)
team = TeamFactory(name="Customer Service", slug="customer-service")
lead = MembershipFactory(team=team, role=Membership.Role.LEAD).user
account = TwitterAccountFactory(
    team=team, kind=TwitterAccount.Kind.CORPORATE, responsible_person=lead, handle="DeptHelp", x_user_id="9300",
    access_token="token-DeptHelp", access_token_secret="secret-DeptHelp",
)
ActivityGrant.objects.create(account=account, access_token="oauth2-access", refresh_token="oauth2-refresh")
"""

STATES = """
import django
django.setup()
from django.db.models import Count
from monitoring.models import InboxItem, Mention

print(sorted(Mention.objects.values_list("tweet_id", flat=True)))
print(sorted(InboxItem.objects.values("mention_id").annotate(n=Count("id")).values_list("n", flat=True)))
"""


@pytest.mark.slow
def test_the_stream_process_stores_pushed_mentions_once_on_sqlite(tmp_path, x_sandbox, settings):
    x_sandbox.state.add_user(
        id="9300", username="DeptHelp", access_token="token-DeptHelp", access_token_secret="secret-DeptHelp"
    )
    x_sandbox.set_faults(stream_keepalive_seconds=0.2, stream_disconnect_after=2)
    env = sqlite_env(
        tmp_path,
        redis_url=settings.REDIS_URL,
        sandbox_url=x_sandbox.url,
        INGESTION="push",
        STREAM_KEEPALIVE_SECONDS="0.2",
        TRIAGE_TEAM_SLUG="customer-service",
    )

    def run(code: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    run(SETUP)
    posted = [x_sandbox.inject_post("citizen_sam", "@DeptHelp before the stream started")["id"]]
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "stream", "--events", "4", "--seconds", "120"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while x_sandbox.state.activity.activity.connections == 0:
            assert time.monotonic() < deadline and worker.poll() is None, "the stream process never connected"
            time.sleep(0.05)
        posted += [x_sandbox.inject_post("citizen_sam", f"@DeptHelp pushed {n}")["id"] for n in range(3)]
        while sum(r == ("GET", "/2/activity/stream", 200) for r in x_sandbox.requests) < 2:
            assert time.monotonic() < deadline and worker.poll() is None, "the stream process never reconnected"
            time.sleep(0.05)  # the drop after two events, and the reconnect
        posted += [x_sandbox.inject_post("citizen_sam", f"@DeptHelp after the drop {n}")["id"] for n in range(2)]
        out, err = worker.communicate(timeout=120)
    finally:
        worker.kill()
    assert worker.returncode == 0, err[-3000:]
    assert "Traceback" not in out + err, (out + err)[-3000:]
    mentions, items = run(STATES).strip().splitlines()
    assert mentions == str(sorted(int(i) for i in posted))
    assert items == str([1] * len(posted))
