"""Journey: a person chooses their notifications; a colleague submits a draft for their approval; they see the count
in the header and the notice in their list, and the email arrives through the queue's worker."""

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import Membership
from notifications.models import Preference
from tests.conftest import enrol_totp
from tests.e2e.conftest import ARTIFACTS, wait_for
from tests.factories import MembershipFactory
from tweets import services

TEXT = "Our offices are closed on Monday for the bank holiday."


@pytest.fixture
def mail_worker(live_server, tmp_path):
    """A real RQ worker on the `default` queue whose emails are written to files (the web process's locmem outbox
    is in another process)."""
    db = connection.settings_dict
    outbox = tmp_path / "mail"
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(outbox),
        "PYTHONUNBUFFERED": "1",
    }
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "e2e-mail-worker.log", "a")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "default"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield outbox
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def _header(page) -> str:
    return " ".join(page.locator("#header-notifications").inner_text().split())


def _mail(outbox) -> str:
    return "".join(path.read_text() for path in outbox.iterdir()) if outbox.exists() else ""


@pytest.mark.django_db(transaction=True)
def test_a_person_sets_their_choices_and_gets_the_notice_and_the_email(journeys, team, lead, account, mail_worker):
    approver = MembershipFactory(team=team, role=Membership.Role.APPROVER, user__first_name="Ama").user
    secret = enrol_totp(approver)
    author = MembershipFactory(team=team, role=Membership.Role.MEMBER).user

    journey = journeys.start("approver")
    page = journey.sign_in(approver.email, totp_secret=secret)
    assert _header(page) == "Notifications"
    page.locator("#header-notifications").click()
    journey.check()
    assert page.get_by_text("You have no notifications.").is_visible()
    page.get_by_role("link", name="Choose which notifications you get, and how").click()
    journey.check()
    drafts = page.get_by_role("group", name="Drafts waiting for my approval")
    assert drafts.get_by_label("By email").is_checked()
    published = page.get_by_role("group", name="Publishing freezes started (team leads)")
    published.get_by_label("By email").uncheck()
    page.get_by_role("button", name="Save choices").click()
    journey.check()
    assert page.get_by_text("Your notification choices are saved.").is_visible()
    assert Preference.objects.get(user=approver, kind="freeze_started").email is False

    # A colleague submits a draft for approval (not part of the journey: through the service).
    draft = services.draft_create(author=author, account=account, text=TEXT)
    services.draft_submit(draft=draft, by=author)

    page = journey.goto("/")
    assert _header(page) == "Notifications 1 unread"
    page.locator("#header-notifications").click()
    journey.check()
    notice = page.get_by_role("link", name="A post for @DeptComms is waiting for your approval")
    assert notice.is_visible()
    assert page.get_by_text(TEXT).is_visible()
    notice.click()
    journey.check()
    assert re.search(rf"/drafts/{draft.pk}/$", page.url)
    assert _header(page) == "Notifications"

    sent = wait_for(lambda: _mail(mail_worker), timeout=60, message="the approval email from the worker")
    assert f"To: {approver.email}" in sent or approver.email in sent
    assert "Subject: Approval needed: a post for @DeptComms" in sent
