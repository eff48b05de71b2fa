"""Redis down does not take the site down: pages serve from the database without the cache, /healthz says what
is down, and an action whose job cannot be queued is finished by the periodic sweep once Redis is back."""

import logging

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Membership, TwitterAccount
from core import cache as cache_backend
from tests.conftest import enrol_totp
from tests.factories import TEST_PASSWORD, MembershipFactory, TwitterAccountFactory, UserFactory
from tests.monitoring.factories import InboxItemFactory
from tests.tweets.factories import DraftFactory
from tweets import freezes, jobs, publishing, services
from tweets.models import Draft

S = Draft.State
NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens on port 1: every connection is refused


@pytest.fixture
def redis_down(settings, monkeypatch):
    """Point the cache and the job queues at a Redis that is not there; call the result to bring it back."""
    monkeypatch.setattr(cache_backend, "_outages", {})  # each test meets the outage afresh
    up = {"REDIS_URL": settings.REDIS_URL, "CACHES": settings.CACHES, "RQ_QUEUES": settings.RQ_QUEUES}
    settings.REDIS_URL = NOWHERE
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": NOWHERE}}
    settings.RQ_QUEUES = {name: {**queue, "URL": NOWHERE} for name, queue in settings.RQ_QUEUES.items()}
    settings.RQ_ASYNC = True  # as in production: enqueueing needs Redis

    def back_up() -> None:
        for name, value in up.items():
            setattr(settings, name, value)
        settings.RQ_ASYNC = False  # the jobs the sweep queues run here, in-process

    return back_up


@pytest.fixture
def personal(team, lead, x_sandbox):
    account = TwitterAccountFactory(team=team, kind=TwitterAccount.Kind.PERSONAL, responsible_person=lead)
    x_sandbox.register_account(account)
    return account


@pytest.fixture
def press(team, lead, x_sandbox):
    """Needs one approval."""
    account = TwitterAccountFactory(team=team, kind=TwitterAccount.Kind.PRESS_OFFICE, responsible_person=lead)
    x_sandbox.register_account(account)
    return account


def test_a_person_signs_in_while_redis_is_down(client, member, redis_down):
    response = client.post(reverse("account_login"), {"login": member.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("role", ["member", "lead"])
def test_the_main_pages_answer_from_the_database_while_redis_is_down(client, team, account, role, redis_down, caplog):
    user = MembershipFactory(team=team, role=role).user
    if role == Membership.Role.LEAD:
        enrol_totp(user)  # leads must use MFA
    DraftFactory(account=account, author=user, state=S.SUBMITTED, text="Waiting for approval")
    InboxItemFactory(team=team, mention__text="Where is my passport?")
    client.force_login(user)
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        pages = {
            path: client.get(path)
            for path in ("/", "/monitoring/", "/drafts/", "/drafts/approvals/", "/drafts/scheduled/", "/training/")
        }
    assert {path: page.status_code for path, page in pages.items()} == dict.fromkeys(pages, 200)
    assert "Where is my passport?" in pages["/monitoring/"].content.decode()
    assert "Waiting for approval" in pages["/drafts/"].content.decode()
    assert caplog.text.count("unreachable") == 1  # said once, in the log, rather than on every page


def test_healthz_answers_503_naming_redis_while_it_is_down(client, member, redis_down):
    client.force_login(member)  # a browser signed in: its session is read, from the database
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["redis"].startswith("error")
    assert response.json()["database"] == "ok"
    assert response.json()["status"] == "unavailable"


def test_a_draft_approved_while_redis_is_down_is_published_by_the_sweep_once_it_is_back(
    client, press, member, approver, x_sandbox, redis_down, django_capture_on_commit_callbacks
):
    draft = services.draft_create(author=member, account=press, text="Approved during the outage.")
    with django_capture_on_commit_callbacks(execute=True):
        services.draft_submit(draft=draft, by=member)
    assert len(mail.outbox) == 1 and approver.email in mail.outbox[0].to  # sent from here, not from the queue
    client.force_login(approver)
    data = {"revision": draft.current_revision_id, "scheduled_at": ""}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("tweets:draft_approve", args=[draft.pk]), data, follow=True)
    assert response.status_code == 200
    assert "Approved." in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == S.APPROVED  # recorded; its job could not be queued
    assert x_sandbox.posts_by(press.x_user_id) == []

    redis_down()
    with django_capture_on_commit_callbacks(execute=True):
        jobs.publish_due_sweep()

    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    assert [post["text"] for post in x_sandbox.posts_by(press.x_user_id)] == ["Approved during the outage."]


def test_a_post_scheduled_while_redis_is_down_is_published_by_the_sweep_when_due(
    client, personal, member, x_sandbox, redis_down, django_capture_on_commit_callbacks
):
    due = timezone.now() + timezone.timedelta(minutes=10)
    draft = services.draft_create(
        author=member, account=personal, text="Scheduled during the outage.", scheduled_at=due
    )
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("tweets:draft_submit", args=[draft.pk]), follow=True)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.state == S.SCHEDULED

    redis_down()
    with time_machine.travel(due + timezone.timedelta(seconds=30)), django_capture_on_commit_callbacks(execute=True):
        jobs.publish_due_sweep()

    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    assert [post["text"] for post in x_sandbox.posts_by(personal.x_user_id)] == ["Scheduled during the outage."]


def test_a_held_post_released_while_redis_is_down_is_published_by_the_sweep(
    client, personal, member, lead, x_sandbox, redis_down, django_capture_on_commit_callbacks
):
    freeze = freezes.freeze_start(by=lead, scope="everything", reason="Pause")
    draft = services.draft_create(author=member, account=personal, text="Held during the freeze.")
    services.draft_submit(draft=draft, by=member)
    publishing.drafts_publish_due_now()  # a worker finds it due and holds it
    draft.refresh_from_db()
    assert draft.state == S.HELD
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("tweets:freeze_lift", args=[freeze.pk]), follow=True).status_code == 200
        response = client.post(reverse("tweets:draft_publish_now", args=[draft.pk]), follow=True)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.state == S.APPROVED

    redis_down()
    with django_capture_on_commit_callbacks(execute=True):
        jobs.publish_due_sweep()

    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    assert [post["text"] for post in x_sandbox.posts_by(personal.x_user_id)] == ["Held during the freeze."]


def test_an_invitation_made_while_redis_is_down_is_still_emailed(
    admin_user, redis_down, django_capture_on_commit_callbacks
):
    user = UserFactory.build(email="new.person@department.gov.uk")
    with django_capture_on_commit_callbacks(execute=True):
        account_services.user_invite(by=admin_user, user=user)
    assert [message.to for message in mail.outbox] == [["new.person@department.gov.uk"]]
