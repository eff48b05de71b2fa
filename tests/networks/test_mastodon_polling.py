"""Mastodon mentions polled into the inbox through the provider (monitoring.network_ingest), against the sandbox."""

import pytest

from monitoring import ingest
from monitoring.models import Mention, PollCursor
from twitter_api.models import ApiCall

pytestmark = pytest.mark.django_db


def _poll(account) -> ingest.PollOutcome:
    ingest.cursors_sync()
    cursor = PollCursor.objects.get(key=f"timeline:{account.pk}")
    return ingest.cursor_poll(cursor_id=cursor.pk)


def test_mentions_reach_the_inbox_once_with_their_link_and_the_cursor_moves(mastodon_sandbox, mastodon_account):
    status = mastodon_sandbox.inject_status("alice@other.example", "@comms@social.example.gov.uk when do you open?")
    mastodon_sandbox.set_faults(malformed=[{"id": "77", "type": "mention", "status": {"id": None}}])

    outcome = _poll(mastodon_account)

    assert (outcome.status, outcome.posts_new, outcome.skipped) == ("stored", 1, 1)
    mention = Mention.objects.get()
    assert (mention.network, mention.network_post_id) == ("mastodon", status["id"])
    assert mention.network_url == f"https://other.example/@alice/{status['id']}"
    assert mention.text == "@comms when do you open?"
    assert mention.author_username == "alice@other.example"
    assert PollCursor.objects.get(key=f"timeline:{mastodon_account.pk}").network_cursor

    again = _poll(mastodon_account)
    assert (again.status, again.posts_new) == ("stored", 0)
    assert Mention.objects.count() == 1
    assert ApiCall.objects.filter(endpoint="mastodon:/api/v1/notifications").count() == 2


def test_a_rate_limit_pauses_only_that_cursor_until_the_reset(mastodon_sandbox, mastodon_account):
    mastodon_sandbox.set_faults(force_429=1)

    outcome = _poll(mastodon_account)

    assert outcome.status == "rate_limited"
    cursor = PollCursor.objects.get(key=f"timeline:{mastodon_account.pk}")
    assert cursor.paused_until is not None
    assert "Mastodon" in cursor.last_error
