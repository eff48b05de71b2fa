"""The demo's worker polls direct messages on SQLite (`make run`'s database), as it polls mention timelines:
the cron's poll cycle enqueues each account's DM cursor, a real RQ worker runs it, and the message arrives as a
private item of the account's team."""

from pathlib import Path

import pytest

from tests.sqlite_processes import run_code, run_worker, sqlite_env

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
    env = sqlite_env(tmp_path, redis_url=settings.REDIS_URL, sandbox_url=x_sandbox.url, RQ_ASYNC="true")

    run_code(SETUP, env)
    assert int(run_code(ENQUEUE, env).strip()) == 1
    run_worker(env, "poll")

    assert run_code(STATES, env).strip() == str([("Private: my reference is A12345", "customer-service", True, True)])
