"""Two real rq workers on Redis publish the same batch (every job queued twice): no duplicates."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import TwitterAccount
from tests.factories import TwitterAccountFactory
from tweets import queueing, services
from tweets.models import Draft, PublishAttempt

ROOT = Path(__file__).resolve().parents[2]
BATCH = 20


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_on_the_same_drafts_publish_each_once(team, lead, member, x_sandbox, settings):
    settings.RQ_ASYNC = True
    account = TwitterAccountFactory(team=team, kind=TwitterAccount.Kind.PERSONAL, responsible_person=lead)
    x_sandbox.register_account(account)
    x_sandbox.set_faults(latency=0.05, drop_after_accept=3)
    drafts = []
    for i in range(BATCH):
        draft = services.draft_create(author=member, account=account, text=f"Batch post {i}.")
        services.draft_submit(draft=draft, by=member)  # enqueues one publish job after commit
        queueing.publish(draft.pk)  # and a second one for the same draft
        drafts.append(draft)
    for _ in range(2):  # and, first in the queue, two batch jobs that take every due draft they can claim
        queueing.get_queue("publish").enqueue(queueing.PUBLISH_DUE_JOB, at_front=True)
    assert queueing.get_queue("publish").count == 2 * BATCH + 2

    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "X_API_BASE_URL": x_sandbox.url,
        "X_REQUEST_TIMEOUT_SECONDS": "5",
    }
    command = [sys.executable, "manage.py", "rqworker", "publish", "--burst"]
    workers = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(2)
    ]
    outputs = [w.communicate(timeout=120)[0].decode() for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs

    posts = x_sandbox.posts_by(account.x_user_id)
    texts = sorted(p["text"] for p in posts)
    assert texts == sorted(f"Batch post {i}." for i in range(BATCH)), outputs
    for draft in drafts:
        draft.refresh_from_db()
        assert draft.state == Draft.State.PUBLISHED
    assert PublishAttempt.objects.filter(state=PublishAttempt.State.SUCCEEDED).count() == BATCH
    # Both workers did some of the work.
    assert all("Job OK" in out or "Successfully completed" in out for out in outputs), outputs
