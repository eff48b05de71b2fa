"""The tripwire's workers on SQLite (`make run`'s database): the periodic cycle on the `poll` queue, run by a real RQ
worker, reads the account through the sandbox (a baseline first), and a post made outside Dovecote is found: an
incident, the account frozen, the email sent from the `default` queue."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.sqlite_processes import run_worker, sqlite_env

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
import django
django.setup()
from django.core.management import call_command
from accounts.models import Membership, TwitterAccount
from tests.factories import MembershipFactory, TeamFactory, TwitterAccountFactory

call_command("migrate", verbosity=0)
team = TeamFactory(name="Press Office", slug="press-office")
lead = MembershipFactory(team=team, role=Membership.Role.LEAD).user
TwitterAccountFactory(
    team=team, kind=TwitterAccount.Kind.PRESS_OFFICE, responsible_person=lead, handle="DeptPress", x_user_id="9200",
    access_token="token-DeptPress", access_token_secret="secret-DeptPress",
)
"""

CYCLE = """
import django
django.setup()
import django_rq
from safety.jobs import watch_cycle
print(django_rq.get_queue("poll").enqueue(watch_cycle).id)
"""

STATE = """
import django
django.setup()
from safety.models import Incident, Watch
incident = Incident.objects.first()
watch = Watch.objects.get()
print(Incident.objects.count(), bool(watch.since_id), incident and incident.freeze.is_active,
      incident and incident.emailed_at is not None)
"""


@pytest.mark.slow
def test_the_tripwire_works_on_sqlite(tmp_path, x_sandbox, settings):
    x_sandbox.state.add_user(id="9200", username="DeptPress", access_token="token-DeptPress",
                             access_token_secret="secret-DeptPress")  # fmt: skip
    x_sandbox.state.inject_post("DeptPress", "Posted before the tripwire watched.")
    env = sqlite_env(
        tmp_path,
        redis_url=settings.REDIS_URL,
        sandbox_url=x_sandbox.url,
        RQ_ASYNC="true",
        SECURITY_CONTACT_EMAIL="security@dept.example",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
    )

    def run(command: list[str]) -> str:
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        assert "Traceback" not in result.stdout + result.stderr, (result.stdout + result.stderr)[-3000:]
        return result.stdout

    run([sys.executable, "-c", SETUP])
    run([sys.executable, "-c", CYCLE])  # as the scheduler does
    run_worker(env, "poll", "default")
    assert run([sys.executable, "-c", STATE]).split() == ["0", "True", "None", "None"]  # the baseline

    x_sandbox.state.inject_post("DeptPress", "Not posted through Dovecote.")
    run([sys.executable, "-c", CYCLE])
    run_worker(env, "poll", "default")
    assert run([sys.executable, "-c", STATE]).split() == ["1", "True", "True", "True"]
