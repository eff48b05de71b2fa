"""The media flow on SQLite (`make run`'s database): a thread with two pictures written on the compose page (files
uploaded, alt text added), submitted, published by a real RQ worker through the sandbox with its alt text."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

COMPOSE = """
import django
django.setup()
from django.core.management import call_command
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from accounts.models import Membership, TwitterAccount
from tests.factories import MembershipFactory, TeamFactory, TwitterAccountFactory
from tests.tweets.media_helpers import jpeg_with_gps
from tweets.models import Draft, MediaFile

call_command("migrate", verbosity=0)
team = TeamFactory(name="Digital Communications", slug="digital-communications")
lead = MembershipFactory(team=team, role=Membership.Role.LEAD).user
member = MembershipFactory(team=team, role=Membership.Role.MEMBER).user
account = TwitterAccountFactory(
    team=team, kind=TwitterAccount.Kind.PERSONAL, responsible_person=lead, handle="DeptNews", x_user_id="9100",
    access_token="token-DeptNews", access_token_secret="secret-DeptNews",
)
client = Client()
client.force_login(member)
photos = [SimpleUploadedFile(f"p{i}.jpg", jpeg_with_gps(colour=(i * 90, 20, 20))) for i in range(2)]
page = client.post("/drafts/new/", {"account": account.pk, "posts": ["Open today.", "More soon."],
                                    "upload_0": photos, "add_media": "1"})
assert page.status_code == 200, page.status_code
files = list(MediaFile.objects.order_by("pk"))
data = {"account": account.pk, "posts": ["Open today.", "More soon."], "action": "submit",
        "media_0": [f.pk for f in files]}
data.update({f"alt_{f.pk}": f"Picture {f.pk} of the library's opening day, with the minister." for f in files})
saved = client.post("/drafts/new/", data)
assert saved.status_code == 302, saved.content.decode()[-2000:]
draft = Draft.objects.get()
print(draft.state, draft.current_revision.media.count())
"""

STATE = """
import django
django.setup()
from tweets.models import Draft, MediaUpload
draft = Draft.objects.get()
print(draft.state, MediaUpload.objects.count())
"""


@pytest.mark.slow
def test_the_media_flow_works_on_sqlite(tmp_path, x_sandbox, settings):
    x_sandbox.state.add_user(id="9100", username="DeptNews", access_token="token-DeptNews",
                             access_token_secret="secret-DeptNews")  # fmt: skip
    x_sandbox.state.media.check_after_secs = 0
    env = {
        **os.environ,
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "dovecote.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "REDIS_URL": settings.REDIS_URL,
        "RQ_ASYNC": "true",
        "X_API_BASE_URL": x_sandbox.url,
        "X_REQUEST_TIMEOUT_SECONDS": "5",
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    }

    def run(command: list[str]) -> str:
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        assert "Traceback" not in result.stdout + result.stderr, (result.stdout + result.stderr)[-3000:]
        return result.stdout

    assert run([sys.executable, "-c", COMPOSE]).split() == ["approved", "2"]  # policy 0: its job is queued
    run([sys.executable, "manage.py", "rqworker", "publish", "default", "--burst", "--with-scheduler"])
    assert run([sys.executable, "-c", STATE]).split() == ["published", "2"]
    posts = list(reversed(x_sandbox.posts_by("9100")))
    assert [p["text"] for p in posts] == ["Open today.", "More soon."]
    attached = x_sandbox.state.media.by_post[posts[0]["id"]]
    assert [m["alt_text"].startswith("Picture ") for m in attached] == [True, True]
    assert posts[1]["id"] not in x_sandbox.state.media.by_post
