"""Monitoring pauses cleanly when X refuses reads for money (the monthly read cap, or credits used up): the cursor
keeps its place, nothing is polled until an admin says credits are restored, then polling carries on from there."""

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.services import x_credits_restore
from monitoring import ingest
from monitoring.models import Mention, PollCursor
from tests.monitoring.factories import MonitorFactory
from twitter_api.models import CreditsBlock

pytestmark = pytest.mark.django_db


@pytest.fixture
def triage(settings):
    from tests.factories import TeamFactory

    settings.TRIAGE_TEAM_SLUG = "triage"
    return TeamFactory(name="Triage", slug="triage")


@pytest.fixture
def cursor(x_sandbox, team, triage):
    MonitorFactory(team=team, query="passport")
    x_sandbox.inject_post("alice", "passport one")
    ingest.cursors_sync()
    cursor = PollCursor.objects.get(kind=PollCursor.Kind.SEARCH, is_active=True)
    assert ingest.cursor_poll(cursor_id=cursor.pk).status == "stored"
    cursor.refresh_from_db()
    return cursor


def reads(x_sandbox):
    return [s for m, p, s in x_sandbox.requests if p == "/2/tweets/search/recent"]


def test_the_read_cap_pauses_polling_and_restoring_resumes_it_from_where_it_stopped(
    cursor, x_sandbox, admin_user, django_capture_on_commit_callbacks
):
    since = cursor.since_id
    x_sandbox.inject_post("alice", "passport two")
    x_sandbox.state.set_credits(read_cap_reached=True)

    outcome = ingest.cursor_poll(cursor_id=cursor.pk)

    assert outcome.status == "paused"
    cursor.refresh_from_db()
    assert cursor.since_id == since and cursor.lease_token == ""
    block = CreditsBlock.objects.open().get()
    assert (block.scope, block.status_code) == ("reads", 429)
    assert AuditEvent.objects.filter(action="x.credits_exhausted").exists()
    PollCursor.objects.update(next_poll_at=timezone.now())  # due now
    assert ingest.cursors_due() == []
    assert ingest.cursor_poll(cursor_id=cursor.pk).status == "paused"
    assert reads(x_sandbox) == [200, 429]  # nothing asked of X while paused

    x_sandbox.state.set_credits(read_cap_reached=False)
    with django_capture_on_commit_callbacks(execute=True):
        x_credits_restore(by=admin_user, note="New billing cycle")

    assert ingest.cursors_due() == [cursor.pk]
    assert ingest.cursor_poll(cursor_id=cursor.pk).status == "stored"
    assert sorted(Mention.objects.values_list("text", flat=True)) == ["passport one", "passport two"]


def test_the_read_cap_does_not_stop_publishing(cursor, x_sandbox, personal, member):
    from tweets import publishing, services
    from tweets.models import Draft

    x_sandbox.state.set_credits(read_cap_reached=True)
    ingest.cursor_poll(cursor_id=cursor.pk)
    draft = services.draft_create(author=member, account=personal, text="Still publishing.")
    services.draft_submit(draft=draft, by=member)
    publishing.draft_publish(draft_id=draft.pk)
    draft.refresh_from_db()
    assert draft.state == Draft.State.PUBLISHED


def test_credits_used_up_on_a_read_stop_publishing_too(cursor, x_sandbox, personal, member):
    from tweets import publishing, services
    from tweets.models import Draft

    x_sandbox.state.set_credits(exhausted=True)
    assert ingest.cursor_poll(cursor_id=cursor.pk).status == "paused"
    assert CreditsBlock.objects.open().get().scope == "all"
    draft = services.draft_create(author=member, account=personal, text="Must wait.")
    services.draft_submit(draft=draft, by=member)
    assert publishing.draft_publish(draft_id=draft.pk) == publishing.Outcome.SKIPPED
    draft.refresh_from_db()
    assert draft.state == Draft.State.APPROVED


@pytest.fixture
def personal(team, lead, x_sandbox):
    from accounts.models import TwitterAccount
    from tests.factories import TwitterAccountFactory

    account = TwitterAccountFactory(team=team, kind=TwitterAccount.Kind.PERSONAL, responsible_person=lead)
    x_sandbox.register_account(account)
    return account
