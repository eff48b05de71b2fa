"""The retention sweep on SQLite (`make run`'s database): run as the scheduler would, twice, in a fresh process; it
deletes what the period has passed (a published post with its picture, history and records), audits it once and
leaves an account on legal hold whole."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SWEEP = """
import django
django.setup()
from datetime import timedelta
from django.core.management import call_command
from django.utils import timezone
from accounts import services as account_services
from accounts.models import AuditEvent, Membership, TwitterAccount
from tests.factories import AdminFactory, MembershipFactory, TeamFactory, TwitterAccountFactory
from tests.tweets.media_helpers import images
from tweets import jobs, records, services
from tweets.models import Draft, MediaFile, PostOnX

call_command("migrate", verbosity=0)
team = TeamFactory(name="Digital Communications", slug="digital-communications")
lead = MembershipFactory(team=team, role=Membership.Role.LEAD).user
member = MembershipFactory(team=team, role=Membership.Role.MEMBER).user
admin = AdminFactory()
swept, held = (TwitterAccountFactory(team=team, kind=TwitterAccount.Kind.PERSONAL, responsible_person=lead)
               for _ in range(2))
for account in (swept, held):
    files, attachments = images(member, count=1)
    draft = services.draft_create(author=member, account=account, posts=["Old news."], media=[attachments])
    Draft.objects.filter(pk=draft.pk).update(state="published", published_post_id=f"1{account.pk}")
    records.x_change_record(draft=draft, kind="deleted_on_x", seen_at=None, source="poll",
                            detail={"post_id": f"1{account.pk}"})
    services.draft_withdraw(draft=services.draft_create(author=member, account=account, posts=["Never."]), by=member)
long_ago = timezone.now() - timedelta(days=8 * 365)
Draft.objects.update(updated_at=long_ago)
PostOnX.objects.update(recorded_at=long_ago)
account_services.account_legal_hold_set(by=admin, account=held, reason="Inquiry")
first = jobs.records_retention_sweep()
second = jobs.records_retention_sweep()
print(first[swept.handle]["drafts"], first[held.handle], second[swept.handle],
      Draft.objects.filter(account=swept).count(), Draft.objects.filter(account=held).count(),
      MediaFile.objects.filter(draft__account=held).count(), PostOnX.objects.count(),
      AuditEvent.objects.filter(action="records.retention_swept").count())
"""


def test_the_retention_sweep_works_on_sqlite(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "dovecote.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    }
    result = subprocess.run(
        [sys.executable, "-c", SWEEP], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["2", "{'held':", "True}", "{}", "0", "2", "1", "1", "1"]
