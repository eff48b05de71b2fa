"""The calendar on SQLite (`make run`'s database): UK days from UTC times, a few posts a day with how many more (a
window function), freezes, and rescheduling, in a fresh process, with the demo's people."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import django
django.setup()
import re
from datetime import datetime, timedelta
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from accounts.models import Membership, User
from tests.conftest import enrol_totp
from tests.factories import MembershipFactory, TeamFactory, TwitterAccountFactory
from tests.tweets.factories import DraftFactory, FreezeFactory
from tweets.models import Draft, PublishingFreeze

call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)
for user in User.objects.filter(is_active=True):
    if user.requires_mfa():
        enrol_totp(user)
    client = Client()
    client.force_login(user)
    for path in ("/drafts/calendar/", "/drafts/calendar/?view=week", "/drafts/calendar/day/"):
        response = client.get(path)
        assert response.status_code == 200, (user.email, path, response.status_code)

team = TeamFactory(name="Calendar team", slug="calendar-team")
member = MembershipFactory(team=team, role=Membership.Role.MEMBER).user
account = TwitterAccountFactory(team=team, handle="CalendarDesk")
late = timezone.make_aware(datetime(2027, 3, 28, 23, 30))  # the night the clocks go forward: 22:30 UTC
for minute in range(5):
    DraftFactory(account=account, author=member, state="scheduled", scheduled_at=late + timedelta(minutes=minute),
                 text=f"Late post {minute}")
moved = DraftFactory(account=account, author=member, state="scheduled", text="Move me",
                     scheduled_at=timezone.now() + timedelta(days=3))
FreezeFactory(scope=PublishingFreeze.Scope.TEAM, team=team, reason="Calendar freeze")
client = Client()
client.force_login(member)
page = client.get("/drafts/calendar/?view=month&day=2027-03-01").content.decode()
cell = re.search(r'id="day-2027-03-28">(.*?)</td>', page, re.S).group(1)
assert cell.count("Late post") == 3 and "and 2 more" in cell, cell
assert "23:30 @CalendarDesk" in cell and "Calendar freeze" in cell, cell
assert "Late post" not in re.search(r'id="day-2027-03-29">(.*?)</td>', page, re.S).group(1)
later = timezone.localtime() + timedelta(days=5)
response = client.post(f"/drafts/calendar/{moved.pk}/reschedule/", {
    "scheduled_at_day": later.day, "scheduled_at_month": later.month, "scheduled_at_year": later.year,
    "scheduled_at_time": "10:00", "view": "week"})
assert response.status_code == 302, response.status_code
moved.refresh_from_db()
assert timezone.localtime(moved.scheduled_at).date() == later.date()
print("ok")
"""


def test_the_calendar_works_on_sqlite(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "dovecote.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'calendar.sqlite3'}",
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
