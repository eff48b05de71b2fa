"""The demo's database is SQLite (`make run`), which has no row locks: two workers refreshing the same account
events grant at once there still end with one working grant (the compare-and-set on its generation), never with a
grant marked as failed because X refused the loser's rotated refresh token."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.sqlite_processes import sqlite_env
from twitter_api import oauth2

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
import django
django.setup()
from datetime import timedelta
from django.core.management import call_command
from django.utils import timezone
from accounts.models import ActivityGrant, Membership
from tests.factories import MembershipFactory, TeamFactory, TwitterAccountFactory

call_command("migrate", verbosity=0)
team = TeamFactory(name="Digital Communications", slug="digital-comms")
lead = MembershipFactory(team=team, role=Membership.Role.LEAD).user
account = TwitterAccountFactory(team=team, responsible_person=lead, handle="DeptComms", x_user_id="9100")
grant = ActivityGrant.objects.create(
    account=account, access_token="{access}", refresh_token="{refresh}", scopes="tweet.read users.read offline.access",
    expires_at=timezone.now() + timedelta(minutes=5), authorised_by=lead, authorised_at=timezone.now(),
)
print(grant.pk)
"""

RACE = """
import django
django.setup()
import threading
from django.db import connection
from accounts.oauth2 import activity_grant_refresh

outcomes, start = [], threading.Barrier(2)

def worker():
    start.wait()
    try:
        outcomes.append(activity_grant_refresh(grant_id={grant_id}))
    finally:
        connection.close()

threads = [threading.Thread(target=worker) for _ in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(",".join(sorted(outcomes)))
"""

AFTER = """
import django
django.setup()
from accounts.jobs import activity_grants_refresh
from accounts.models import ActivityGrant
from accounts.selectors import activity_access_token, activity_authorised_ids

grant = ActivityGrant.objects.get()
print(grant.refresh_failed_at is None, activity_authorised_ids() == {grant.account_id}, activity_grants_refresh())
print(activity_access_token(grant.account_id))
"""


@pytest.mark.slow
@pytest.mark.django_db
def test_two_workers_refreshing_at_once_on_sqlite_leave_one_working_grant(tmp_path, x_sandbox, settings):
    user = x_sandbox.state.add_user(id="9100", username="DeptComms", access_token="t", access_token_secret="s")
    pkce = oauth2.pkce_pair()
    code = x_sandbox.state.oauth2.issue_code(
        user_id=user.id, redirect_uri="http://x/cb", challenge=pkce.challenge, method="S256",
        scopes=["tweet.read", "users.read", "offline.access"],
    )  # fmt: skip
    tokens = oauth2.code_exchange(code=code, code_verifier=pkce.verifier, redirect_uri="http://x/cb")
    x_sandbox.set_faults(latency=0.3)  # both workers are in flight at once
    env = sqlite_env(tmp_path, redis_url=settings.REDIS_URL, sandbox_url=x_sandbox.url)

    def run(code: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout.strip()

    grant_id = int(run(SETUP.format(access=tokens.access_token, refresh=tokens.refresh_token)))
    outcomes = run(RACE.format(grant_id=grant_id))
    assert outcomes in ("lost_race,refreshed", "not_due,refreshed"), outcomes
    x_sandbox.set_faults(latency=0)
    summary, access = run(AFTER).splitlines()
    assert summary == "True True {}"
    assert access != tokens.access_token
    assert x_sandbox.state.oauth2_user_id(access) == "9100"
