"""`make run` serves the demo from SQLite (the settings' default); the suite itself runs on PostgreSQL. This
runs the demo's database in a fresh process on SQLite: migrated, seeded, and its main pages loaded by its
people, so SQL written per database (tweets.services._HoursBefore) and anything else PostgreSQL-only shows
here rather than in a demo."""

import os
import subprocess
import sys
from pathlib import Path

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
from tweets import services
from tweets.models import Approval, Draft

call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)
waiting = Draft.objects.filter(state=Draft.State.SUBMITTED).select_related("account").first()
assert waiting is not None, "the demo has a draft waiting for approval"
approver = services.eligible_approvers(waiting.account).exclude(pk=waiting.author_id).first()
lapsed = timezone.now() - waiting.account.approval_expiry - timedelta(minutes=1)
Approval.objects.create(draft=waiting, revision=waiting.current_revision, approver=approver, created_at=lapsed)
now = timezone.now()
assert not Draft.objects.filter(pk=waiting.pk).filter(services.approved_by(approver, at=now)).exists()
assert services.counting_approvers([waiting.pk], at=now) == {waiting.pk: set()}
Approval.objects.filter(draft=waiting).update(created_at=now)
assert Draft.objects.filter(pk=waiting.pk).filter(services.approved_by(approver, at=now)).exists()
assert services.counting_approvers([waiting.pk], at=now) == {waiting.pk: {approver.pk}}

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
