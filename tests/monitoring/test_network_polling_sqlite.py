"""The demo's database is SQLite (`make run`): the poll cycle and an RQ worker, each its own process as honcho runs
them, read a Bluesky account's and a Mastodon account's mentions from their sandboxes into the owning team's inbox,
once however often they poll."""

import pytest

from tests.sqlite_processes import run_code, run_worker, sqlite_env

DID = "did:plc:deptaccount00000000000001"

SETUP = """
import django
django.setup()
from django.core.management import call_command
from tests.factories import TeamFactory, TwitterAccountFactory

call_command("migrate", verbosity=0)
TeamFactory(name="Triage", slug="triage")
team = TeamFactory(name="Press Office", slug="press-office")
TwitterAccountFactory(team=team, network="bluesky", handle="dept.bsky.social", access_token="app-password",
                      access_token_secret="", x_user_id="did:plc:deptaccount00000000000001")
TwitterAccountFactory(team=team, network="mastodon", handle="comms@social.example.gov.uk", access_token="token",
                      access_token_secret="", x_user_id="10937", instance_url="https://social.example.gov.uk")
"""

CYCLE = """
import django
django.setup()
from django.utils import timezone
from monitoring.jobs import poll_cycle
from monitoring.models import PollCursor

PollCursor.objects.update(next_poll_at=timezone.now())
print(poll_cycle())
"""

STATES = """
import django
django.setup()
from monitoring.models import InboxItem, PollCursor

for item in InboxItem.objects.select_related("mention", "team", "account").order_by("mention__network"):
    print(item.mention.network, item.team.slug, item.account.handle, item.mention.url.startswith("https://"))
print(sorted(PollCursor.objects.filter(network_cursor__isnull=False).values_list("key", flat=True)))
"""


@pytest.mark.slow
def test_bluesky_and_mastodon_mentions_are_polled_by_the_worker_on_sqlite(
    tmp_path, bluesky_sandbox, mastodon_sandbox, settings
):
    bluesky_sandbox.add_user("dept.bsky.social", did=DID, app_password="app-password")
    mastodon_sandbox.add_user("comms", id="10937", access_token="token")
    env = sqlite_env(
        tmp_path,
        redis_url=settings.REDIS_URL,
        sandbox_url="http://127.0.0.1:9",  # X is not asked: nothing here is on X
        BLUESKY_API_BASE_URL=bluesky_sandbox.url,
        MASTODON_API_BASE_URL=mastodon_sandbox.url,
        TRIAGE_TEAM_SLUG="triage",
    )
    run_code(SETUP, env)
    bluesky_sandbox.inject_post(
        "resident.bsky.social",
        "@dept.bsky.social is the office open?",
        mention_dids=[DID],
    )
    mastodon_sandbox.inject_status("resident@other.example", "@comms is the office open?")
    for _ in range(2):  # polled twice: stored and routed once
        assert int(run_code(CYCLE, env).split()[-1]) == 2  # each account's mentions
        run_worker(env, "poll")
    lines = run_code(STATES, env).strip().splitlines()
    assert lines[:2] == [
        "bluesky press-office dept.bsky.social True",
        "mastodon press-office comms@social.example.gov.uk True",
    ]
    assert len(lines) == 3 and "timeline:" in lines[2]
    assert bluesky_sandbox.calls("app.bsky.notification.listNotifications") == 2
