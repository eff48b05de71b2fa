"""The demo's worker polls direct messages on SQLite (`make run`'s database), as it polls mention timelines:
the cron's poll cycle enqueues each account's DM cursor, a real RQ worker runs it, and the message arrives as a
private item of the account's team."""

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
from tests.factories import MembershipFactory, TeamFactory, TwitterAccountFactory

call_command("migrate", verbosity=0)
team = TeamFactory(name="Customer Service", slug="customer-service")
lead = MembershipFactory(team=team, role=Membership.Role.LEAD).user
TwitterAccountFactory(
    team=team, kind=TwitterAccount.Kind.CORPORATE, responsible_person=lead, handle="DeptHelp", x_user_id="9300",
    access_token="token-DeptHelp", access_token_secret="secret-DeptHelp",
)
"""

ENQUEUE = """
import django
django.setup()
import django_rq
from monitoring.jobs import poll_cycle

# What the scheduler process does every few seconds: the poll cycle, on the poll queue, run by the worker.
django_rq.get_queue("poll").enqueue(poll_cycle)
print(django_rq.get_queue("poll").count)
"""

STATES = """
import django
django.setup()
from monitoring.models import InboxItem

print(sorted(InboxItem.objects.values_list("mention__text", "team__slug", "is_private", "mention__is_direct_message")))
"""


@pytest.mark.slow
def test_the_demos_worker_polls_direct_messages_on_sqlite(tmp_path, x_sandbox, settings):
    me = x_sandbox.state.add_user(
        id="9300", username="DeptHelp", access_token="token-DeptHelp", access_token_secret="secret-DeptHelp"
    )
    citizen = x_sandbox.state.user_for_author("citizen_sam")
    x_sandbox.state.direct.send(sender_id=citizen.id, recipient_id=me.id, text="Private: my reference is A12345")
    x_sandbox.state.direct.inject_raw(recipient_id=me.id, raw={"id": "oops", "text": 5})
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
        return result.stdout

    run(SETUP)
    assert int(run(ENQUEUE).strip()) == 1
    result = subprocess.run(
        [sys.executable, "manage.py", "rqworker", "poll", "--burst"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stdout + result.stderr, (result.stdout + result.stderr)[-3000:]

    assert run(STATES).strip() == str([("Private: my reference is A12345", "customer-service", True, True)])
