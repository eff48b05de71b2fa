"""The demo's database is SQLite: the search (word by word, no full-text index) and the inbox page showing it, and a
large bulk action run by the demo's worker from the `default` queue, in fresh processes on a migrated SQLite file."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
import django
django.setup()
from datetime import timedelta
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from accounts.models import Membership
from monitoring import bulk
from monitoring.models import BulkAction, InboxItem, Mention
from monitoring.search import items_matching
from tests.factories import MembershipFactory, TeamFactory

call_command("migrate", verbosity=0)
team = TeamFactory(name="Customer Service", slug="customer-service")
member = MembershipFactory(team=team, role=Membership.Role.MEMBER).user
now = timezone.now()
texts = ["Passport delayed again", "Visa question"] * 600 + ["<b>Lost</b> passport"]
mentions = Mention.objects.bulk_create(
    Mention(tweet_id=10**15 + i, text=t, posted_at=now, author_x_id="1", author_username=f"user{i}",
            author_name="Ann Example" if i == 0 else "")
    for i, t in enumerate(texts)
)
InboxItem.objects.bulk_create(InboxItem(mention=m, team=team, due_at=now + timedelta(hours=1)) for m in mentions)
items = InboxItem.objects.filter(team=team)
print(items_matching(items, "passport").count(), items_matching(items, "delayed passport").count(),
      items_matching(items, "ann example").count(), items_matching(items, "user1200 lost").count())
from django.test import Client
client = Client(SERVER_NAME="localhost")
client.force_login(member)
found = client.get("/monitoring/", {"team": team.pk, "q": "passport"}).content.decode()
every = client.get("/monitoring/", {"team": team.pk}).content.decode()  # 1,201 open items: counted up to 1,000
print("601 items." in found, "<mark>Passport</mark> delayed again" in found, "More than 1,000 items." in every)
bulk.RUN_HERE_UP_TO = 100  # as a larger action would
with transaction.atomic():
    found = list(items_matching(items, "passport").values_list("pk", flat=True))
    action = bulk.bulk_start(by=member, team=team, action="close", params={"reason": "Duplicate"}, item_ids=found)
print(BulkAction.objects.get().state)
"""

STATES = """
import django
django.setup()
from monitoring.models import BulkAction, InboxItem
bulk = BulkAction.objects.get()
print(bulk.state, bulk.done, bulk.changed, InboxItem.objects.filter(status="no_action").count())
"""


@pytest.mark.slow
def test_search_and_a_large_bulk_action_work_on_sqlite_with_the_demos_worker(tmp_path, settings):
    env = {
        **os.environ,
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "dovecote.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "REDIS_URL": settings.REDIS_URL,
        "RQ_ASYNC": "true",
    }

    def run(*command: str) -> str:
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        assert "Traceback" not in result.stdout + result.stderr, (result.stdout + result.stderr)[-3000:]
        return result.stdout

    counts, pages, state = run(sys.executable, "-c", SETUP).strip().splitlines()
    assert counts == "601 600 1 1"
    assert pages == "True True True"  # the inbox page: found, highlighted, counted up to 1,000
    assert state == "queued"  # more than RUN_HERE_UP_TO: on the `default` queue
    run(sys.executable, "manage.py", "rqworker", "default", "--burst")
    assert run(sys.executable, "-c", STATES).strip() == "done 601 601 601"
