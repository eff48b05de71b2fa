"""Email: by each person's choice, on the `default` queue after commit only, once however often it is asked for,
and through a real RQ worker on the demo's SQLite."""

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.core import mail

from notifications import services
from notifications.jobs import notification_email
from notifications.kinds import Channels
from notifications.models import Notification, Preference
from tests.monitoring.factories import InboxItemFactory
from tweets import services as tweets_services

ROOT = Path(__file__).resolve().parents[2]


def _submit(account, author):
    draft = tweets_services.draft_create(author=author, account=account, text="Offices close at 4pm.")
    return tweets_services.draft_submit(draft=draft, by=author)


def test_the_approval_email_goes_only_to_those_who_want_it(committed, account, member, approver, lead):
    services.preferences_save(user=approver, choices={"approval_needed": Channels(in_app=True, email=False)})
    with committed():
        _submit(account, member)

    assert [m.to for m in mail.outbox] == [[lead.email]]
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {approver.pk, lead.pk}


def test_who_wants_no_notice_in_the_app_gets_none(committed, account, member, approver, lead):
    services.preferences_save(user=lead, choices={"approval_needed": Channels(in_app=False, email=True)})
    with committed():
        _submit(account, member)

    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {approver.pk}
    assert sorted(to for m in mail.outbox for to in m.to) == sorted([approver.email, lead.email])


def test_an_email_this_app_sends_waits_for_the_commit_and_goes_on_the_default_queue(
    committed, team, other_team, lead, outsider
):
    item = InboxItemFactory(team=other_team)
    with mock.patch("core.queues.enqueue_or_run_here") as enqueue, committed() as callbacks:
        from monitoring import services as monitoring_services

        monitoring_services.item_escalate(item=item, by=outsider, to_team=team, note="Please answer this one.")
        assert enqueue.call_count == 0  # nothing before the commit
    assert len(callbacks) >= 1
    notice = Notification.objects.get(kind="item_passed")
    enqueue.assert_called_once_with("default", "notifications.jobs.notification_email", notification_id=notice.pk)
    assert mail.outbox == []


def test_an_email_this_app_sends_is_sent_once_however_often_it_is_asked(committed, team, other_team, lead, outsider):
    from monitoring import services as monitoring_services

    item = InboxItemFactory(team=other_team)
    with committed():
        monitoring_services.item_escalate(item=item, by=outsider, to_team=team, note="Please answer this one.")
    notice = Notification.objects.get(kind="item_passed")

    assert notification_email(notification_id=notice.pk) is False  # already sent, by the queued job
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [lead.email]
    assert message.subject == f"{outsider} passed an inbox item on to {team}"
    assert "Please answer this one." in message.body
    assert f"/monitoring/items/{item.escalations.get().pk}/" in message.body
    assert "/notifications/preferences/" in message.body


def test_a_kind_without_email_by_default_sends_none_until_chosen(committed, member):
    services.notify(kind="post_published", recipients=[member], key="k1", title="Published")
    assert mail.outbox == []
    services.preferences_save(user=member, choices={"post_published": Channels(in_app=False, email=True)})
    with committed():
        services.notify(kind="post_published", recipients=[member], key="k2", title="Published again")
    assert [m.subject for m in mail.outbox] == ["Published again"]
    assert not Notification.objects.get(key="k2").in_app


def test_a_failed_send_can_be_retried(committed, member):
    Preference.objects.create(user=member, kind="post_published", in_app=True, email=True)
    with mock.patch("notifications.jobs.send_mail", side_effect=OSError("mail server down")) as send, committed():
        services.notify(kind="post_published", recipients=[member], key="k", title="Published")
    assert send.call_count == 1  # the queued job ran, and failed (RQ records it)
    notice = Notification.objects.get()
    assert notice.emailed_at is None
    assert notification_email(notification_id=notice.pk) is True
    assert len(mail.outbox) == 1


SQLITE_EMAIL = """
import django
django.setup()
from django.core.management import call_command
from accounts.models import Membership
from tests.factories import MembershipFactory, TeamFactory
from tests.monitoring.factories import InboxItemFactory
from monitoring import services

call_command("migrate", verbosity=0)
team = TeamFactory(name="Digital Communications", slug="digital-communications")
other = TeamFactory(name="Customer Service", slug="customer-service")
lead = MembershipFactory(team=team, role=Membership.Role.LEAD, user__email="lead@department.gov.uk").user
member = MembershipFactory(team=other, role=Membership.Role.MEMBER).user
item = InboxItemFactory(team=other)
services.item_escalate(item=item, by=member, to_team=team, note="Yours, I think.")
"""

SQLITE_STATE = """
import django
django.setup()
from notifications.models import Notification
print([(n.recipient.email, n.emailed_at is not None) for n in Notification.objects.all()])
"""


@pytest.mark.slow
def test_the_demos_worker_sends_the_email_on_sqlite(tmp_path, settings):
    outbox = tmp_path / "mail"
    env = {
        **os.environ,
        "DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "dovecote.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "REDIS_URL": settings.REDIS_URL,
        "RQ_ASYNC": "true",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(outbox),
    }

    def run(command: list[str]) -> str:
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        assert "Traceback" not in result.stdout + result.stderr, (result.stdout + result.stderr)[-3000:]
        return result.stdout

    run([sys.executable, "-c", SQLITE_EMAIL])
    assert not outbox.exists() or not any(outbox.iterdir())  # queued, not sent by the web process
    run([sys.executable, "manage.py", "rqworker", "default", "--burst"])

    assert run([sys.executable, "-c", SQLITE_STATE]).strip() == "[('lead@department.gov.uk', True)]"
    sent = "".join(path.read_text() for path in outbox.iterdir())
    assert "To: lead@department.gov.uk" in sent
    assert "passed an inbox item on to Digital Communications" in sent
