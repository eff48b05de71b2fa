"""`make run` serves the demo from SQLite (the settings' default); the suite itself runs on PostgreSQL. This
runs the demo's database in a fresh process on SQLite: migrated, seeded, and its main pages loaded by its
people, so SQL written per database (tweets.selectors._HoursBefore) and anything else PostgreSQL-only shows
here rather than in a demo."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tweets import publishing

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import django
django.setup()
from datetime import timedelta
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from accounts.models import User
from tests.conftest import enrol_totp
from tweets import selectors
from tweets.models import Approval, Draft

call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)
waiting = Draft.objects.filter(state=Draft.State.SUBMITTED).select_related("account").first()
assert waiting is not None, "the demo has a draft waiting for approval"
approver = selectors.eligible_approvers(waiting.account).exclude(pk=waiting.author_id).first()
lapsed = timezone.now() - waiting.account.approval_expiry - timedelta(minutes=1)
Approval.objects.create(draft=waiting, revision=waiting.current_revision, approver=approver, created_at=lapsed)
now = timezone.now()
assert not Draft.objects.filter(pk=waiting.pk).filter(selectors.approved_by(approver, at=now)).exists()
assert selectors.counting_approvers([waiting.pk], at=now) == {waiting.pk: set()}
Approval.objects.filter(draft=waiting).update(created_at=now)
assert Draft.objects.filter(pk=waiting.pk).filter(selectors.approved_by(approver, at=now)).exists()
assert selectors.counting_approvers([waiting.pk], at=now) == {waiting.pk: {approver.pk}}

for user in User.objects.filter(is_active=True):
    if user.requires_mfa():
        enrol_totp(user)  # as each would on first sign-in
    client = Client()
    client.force_login(user)
    for path in ("/", "/monitoring/", "/drafts/approvals/", "/drafts/scheduled/", "/drafts/"):
        response = client.get(path)
        assert response.status_code == 200, (user.email, path, response.status_code)
print("ok")
"""


def test_the_demo_runs_on_sqlite(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "dovecote.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


# --- The demo's workers on SQLite -----------------------------------------------------------------------

SETUP = """
import django
django.setup()
from datetime import timedelta
from django.core.management import call_command
from django.utils import timezone
from accounts.models import Membership, TwitterAccount
from tests.factories import MembershipFactory, TeamFactory, TwitterAccountFactory
from tests.monitoring.factories import MonitorFactory
from tweets import freezes, services
from tweets.models import Draft

call_command("migrate", verbosity=0)
team = TeamFactory(name="Digital Communications", slug="digital-communications")
lead = MembershipFactory(team=team, role=Membership.Role.LEAD).user
member = MembershipFactory(team=team, role=Membership.Role.MEMBER).user
accounts = {}
for handle, x_id in (("DeptNews", "9100"), ("DeptMinister", "9200")):
    accounts[handle] = TwitterAccountFactory(
        team=team, kind=TwitterAccount.Kind.PERSONAL, responsible_person=lead, handle=handle, x_user_id=x_id,
        access_token=f"token-{handle}", access_token_secret=f"secret-{handle}",
    )
MonitorFactory(team=team, name="Passports", query="passport")
freezes.freeze_start(by=lead, scope="account", account=accounts["DeptMinister"], reason="Purdah")
due = timezone.now() + timedelta(seconds=2)
for handle, text in (("DeptNews", "Scheduled news post."), ("DeptMinister", "Scheduled minister post.")):
    draft = services.draft_create(author=member, account=accounts[handle], text=text, scheduled_at=due)
    services.draft_submit(draft=draft, by=member)  # policy 0: scheduled, its job put on RQ's schedule
later = timezone.now() + timedelta(hours=1)
overdue = services.draft_create(author=member, account=accounts["DeptNews"], text="Overdue post.", scheduled_at=later)
services.draft_submit(draft=overdue, by=member)
# As after an outage: due an hour ago, its job not due for an hour; only the sweep finds it now.
Draft.objects.filter(pk=overdue.pk).update(publish_due_at=timezone.now() - timedelta(hours=1))
print(sorted(Draft.objects.values_list("state", flat=True)))
"""

ENQUEUE_CRON = """
import django
django.setup()
import django_rq
from rq import cron
import dovecote.cron  # registers every periodic job, as `manage.py rqcron dovecote.cron` loads it

# What the scheduler process puts on the queues as each job falls due: all of them, once.
for job in cron._job_data_registry:
    django_rq.get_queue(job["queue_name"]).enqueue(job["func"])
print(len(cron._job_data_registry))
"""

LIFT = """
import django
django.setup()
from accounts.models import Membership
from tweets import freezes, selectors
from tweets.models import Draft, PublishingFreeze

freeze = PublishingFreeze.objects.get()
lead = Membership.objects.get(role=Membership.Role.LEAD).user
freezes.freeze_lift(freeze=freeze, by=lead)
for draft in selectors.held_after_lift(freeze):
    freezes.draft_publish_now(draft=draft, by=lead)
"""

SUBMIT_NOW = """
import django
django.setup()
from accounts.models import Membership, TwitterAccount
from tweets import services

member = Membership.objects.get(role=Membership.Role.MEMBER).user
account = TwitterAccount.objects.get(handle="DeptNews")
draft = services.draft_create(author=member, account=account, text="Retried post.")
services.draft_submit(draft=draft, by=member)  # policy 0: its publish job is queued at once
"""

STATES = """
import django
django.setup()
from monitoring.models import InboxItem, Mention
from tweets.models import Draft

print(dict(Draft.objects.values_list("current_revision__posts__0", "state")))
print(sorted(InboxItem.objects.values_list("mention__text", "team__slug")))
"""


@pytest.mark.slow
def test_the_demos_workers_publish_scheduled_posts_poll_monitors_and_release_held_posts_on_sqlite(
    tmp_path, x_sandbox, settings
):
    for handle, x_id in (("DeptNews", "9100"), ("DeptMinister", "9200")):
        x_sandbox.state.add_user(
            id=x_id, username=handle, access_token=f"token-{handle}", access_token_secret=f"secret-{handle}"
        )
    x_sandbox.inject_post("citizen", "Where is my passport? @DeptNews")
    x_sandbox.inject_post("someone", "Lovely weather today")
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

    def work(*queues: str) -> str:
        """A real RQ worker, with its scheduler, as `make run` starts one; it stops when the queues are empty."""
        command = [sys.executable, "manage.py", "rqworker", *queues, "--burst", "--with-scheduler"]
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        assert "Traceback" not in result.stdout + result.stderr, (result.stdout + result.stderr)[-3000:]
        return result.stdout + result.stderr

    assert run(SETUP).strip() == "['scheduled', 'scheduled', 'scheduled']"
    time.sleep(3)  # the scheduled posts fall due
    assert int(run(ENQUEUE_CRON)) >= 6
    work("publish", "poll", "default")

    texts = sorted(post["text"] for post in x_sandbox.posts_by("9100"))
    assert texts == ["Overdue post.", "Scheduled news post."]
    assert x_sandbox.posts_by("9200") == []
    drafts, items = run(STATES).strip().splitlines()
    assert drafts == str(
        {"Overdue post.": "published", "Scheduled news post.": "published", "Scheduled minister post.": "held"}
    )
    assert items == str([("Where is my passport? @DeptNews", "digital-communications")])

    run(LIFT)
    work("publish")

    assert [post["text"] for post in x_sandbox.posts_by("9200")] == ["Scheduled minister post."]
    drafts, _ = run(STATES).strip().splitlines()
    assert "'Scheduled minister post.': 'published'" in drafts

    # X fails once: the post is tried again a few seconds later, by the job its retry puts on the schedule.
    x_sandbox.set_faults(force_5xx=1)
    run(SUBMIT_NOW)
    work("publish")
    drafts, _ = run(STATES).strip().splitlines()
    assert "'Retried post.': 'scheduled'" in drafts
    time.sleep(publishing.BACKOFF_BASE_SECONDS + 1)
    work("publish")

    assert "Retried post." in [post["text"] for post in x_sandbox.posts_by("9100")]
    drafts, _ = run(STATES).strip().splitlines()
    assert "'Retried post.': 'published'" in drafts
