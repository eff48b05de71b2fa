"""The demo's database is SQLite: an item's conversation from stored posts, a saved reply approved and used to reply
(skipping approval where the account allows it), and the approval queue showing the post a reply answers, in a
fresh process on a migrated SQLite file."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import django
django.setup()
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from accounts.models import Membership
from monitoring import services
from monitoring.conversation import conversation_for
from tests.factories import MembershipFactory, TeamFactory, TwitterAccountFactory
from tests.monitoring.factories import InboxItemFactory, MentionFactory
from tweets import saved_replies

call_command("migrate", verbosity=0)
team = TeamFactory(name="Digital Communications", slug="digital-comms")
member = MembershipFactory(team=team, role=Membership.Role.MEMBER).user
approver = MembershipFactory(team=team, role=Membership.Role.APPROVER).user
account = TwitterAccountFactory(team=team, handle="DeptComms", approvals_required=1, saved_replies_skip_approval=True)
root = MentionFactory(tweet_id=1000, text="Has anyone had a passport back?", author_username="asker")
reply = MentionFactory(tweet_id=1001, conversation_id="1000", reply_to_post_id="1000", author_username="citizen",
                       author_name="Cit Izen", text="@DeptComms are passports slow?")
item = InboxItemFactory(team=team, account=account, mention=reply)
print([p.post_id for p in conversation_for(item).posts], conversation_for(item).missing)
saved = saved_replies.saved_reply_create(by=member, account=account, title="Looking into it",
                                         text="Thanks {handle}, we're looking into it.")
version = saved_replies.saved_reply_approve(by=approver, version=saved.versions.get())
text = saved_replies.filled_for(version, snapshot=services.mention_snapshot(reply))
draft = services.item_reply(item=item, by=member, account=account, text=text, saved_reply_version=version, send=True)
print(draft.state, draft.transitions.order_by("-id").values_list("reason", flat=True).first())
other = InboxItemFactory(team=team, account=account, mention=MentionFactory(tweet_id=1002, author_username="bob",
                                                                         text="@DeptComms hello?"))
waiting = services.item_reply(item=other, by=member, account=account, text="@bob Hello", send=True)
from tests.conftest import enrol_totp
enrol_totp(approver)  # approvers sign in with an authenticator
client = Client()
client.force_login(approver)
page = client.get("/drafts/approvals/").content.decode()
print(waiting.state, "Answering @bob" in page)
"""


@pytest.mark.slow
def test_conversations_and_saved_replies_work_on_sqlite(tmp_path, settings):
    env = {
        **os.environ,
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "dovecote.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "REDIS_URL": settings.REDIS_URL,
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()[-3:]
    assert lines == [
        "['1000', '1001'] []",
        "approved Approved by saved reply “Looking into it” v1",
        "submitted True",
    ]
