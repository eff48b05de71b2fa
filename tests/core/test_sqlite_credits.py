"""When X says no for money, on the demo's SQLite with real RQ workers (as `make run` starts them): the refused post
waits and is not retried by the workers or the sweeps, polling pauses, and both resume once an admin says credits
are restored."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
import django
django.setup()
from django.core.management import call_command
from accounts.models import Membership, TwitterAccount
from tests.factories import AdminFactory, MembershipFactory, TeamFactory, TwitterAccountFactory
from tests.monitoring.factories import MonitorFactory
from tweets import services

call_command("migrate", verbosity=0)
team = TeamFactory(name="Digital Communications", slug="digital-communications")
lead = MembershipFactory(team=team, role=Membership.Role.LEAD).user
member = MembershipFactory(team=team, role=Membership.Role.MEMBER).user
AdminFactory(email="admin@example.gov.uk")
account = TwitterAccountFactory(
    team=team, kind=TwitterAccount.Kind.PERSONAL, responsible_person=lead, handle="DeptNews", x_user_id="9100",
    access_token="token-DeptNews", access_token_secret="secret-DeptNews",
)
MonitorFactory(team=team, name="Passports", query="passport")
draft = services.draft_create(author=member, account=account, text="Our consultation opens today.")
services.draft_submit(draft=draft, by=member)  # policy 0: its publish job is queued at once
"""

POLL = """
import django
django.setup()
from monitoring import ingest
ingest.cursors_sync()
for cursor_id in ingest.cursors_due():
    print(ingest.cursor_poll(cursor_id=cursor_id).status)
"""

SWEEP = """
import django
django.setup()
from tweets import jobs
print(jobs.publish_due_sweep())
"""

RESTORE = """
import django
django.setup()
from accounts.models import User
from accounts.services import x_credits_restore
x_credits_restore(by=User.objects.get(email="admin@example.gov.uk"), note="Bought credits")
"""

STATE = """
import django
django.setup()
from monitoring.models import Mention
from tweets.models import Draft
from twitter_api.models import CreditsBlock
blocks = list(CreditsBlock.objects.open().values_list("scope", flat=True))
texts = sorted(Mention.objects.values_list("text", flat=True))
print(list(Draft.objects.values_list("state", flat=True)), blocks, texts)
"""


@pytest.mark.slow
def test_credits_running_out_waits_and_resumes_on_sqlite_with_real_workers(tmp_path, x_sandbox, settings):
    x_sandbox.state.add_user(
        id="9100", username="DeptNews", access_token="token-DeptNews", access_token_secret="secret-DeptNews"
    )
    x_sandbox.inject_post("citizen", "Where is my passport?")
    env = {
        **os.environ,
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "dovecote.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "REDIS_URL": settings.REDIS_URL,
        "RQ_ASYNC": "true",
        "X_API_BASE_URL": x_sandbox.url,
        "X_REQUEST_TIMEOUT_SECONDS": "5",
    }

    def run(code: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout.strip()

    def work(*queues: str) -> None:
        command = [sys.executable, "manage.py", "rqworker", *queues, "--burst", "--with-scheduler"]
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        assert "Traceback" not in result.stdout + result.stderr, (result.stdout + result.stderr)[-3000:]

    def creates() -> list:
        return [s for m, p, s in x_sandbox.requests if (m, p) == ("POST", "/2/tweets")]

    x_sandbox.state.set_credits(exhausted=True)
    run(SETUP)
    work("publish")
    assert creates() == [402]
    assert run(STATE) == "['scheduled'] ['all'] []"

    # Sweeps and polls while blocked ask nothing of X.
    x_sandbox.state.set_credits(exhausted=False)
    run(SWEEP)
    work("publish")
    assert run(POLL) == ""
    assert creates() == [402]
    assert not [p for m, p, s in x_sandbox.requests if p == "/2/tweets/search/recent"]

    run(RESTORE)
    work("publish")
    assert creates() == [402, 201]
    assert [p["text"] for p in x_sandbox.posts_by("9100")] == ["Our consultation opens today."]
    assert "stored" in run(POLL)
    assert run(STATE) == "['published'] [] ['Where is my passport?']"
