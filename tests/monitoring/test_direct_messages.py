"""Direct messages: polled from X's dm_events into the owning team's inbox as private items, metered, hostile data
set aside one message at a time, stored once; answered privately through the same approvals, exactly once."""

import pytest
from django.utils import timezone

from monitoring import ingest
from monitoring.direct import DM_TAG
from monitoring.models import InboxItem, Mention, PollCursor, PollRun
from twitter_api.models import ApiCall

pytestmark = pytest.mark.django_db


def dm_cursor(account) -> PollCursor:
    return PollCursor.objects.get(kind=PollCursor.Kind.DIRECT, account=account)


def send_dm(x_sandbox, sender: str, account, text: str):
    sender_user = x_sandbox.state.user_for_author(sender)
    recipient = x_sandbox.state.users[account.x_user_id]
    return x_sandbox.state.direct.send(sender_id=sender_user.id, recipient_id=recipient.id, text=text)


def poll(account):
    ingest.cursors_sync()
    return ingest.cursor_poll(cursor_id=dm_cursor(account).pk)


def test_a_dm_arrives_as_a_private_item_in_the_accounts_team_inbox(x_sandbox, team, account):
    x_sandbox.register_account(account)
    event = send_dm(x_sandbox, "citizen_jo", account, "Still waiting for my refund, it's been six weeks")

    outcome = poll(account)

    assert (outcome.status, outcome.posts_new) == ("stored", 1)
    mention = Mention.objects.get()
    assert mention.is_direct_message and mention.tweet_id == event.id
    assert mention.author_username == "citizen_jo"
    assert mention.dm_conversation_id == event.conversation_id
    assert mention.sentiment < 0  # the tuned sentiment reads the complaint
    item = InboxItem.objects.get()
    assert (item.team, item.account, item.is_private) == (team, account, True)
    assert [t.name for t in item.tags.all()] == [DM_TAG]
    assert item.priority == "high"
    assert dm_cursor(account).since_id == event.id


def test_the_poll_is_metered_and_the_next_reads_only_newer_messages(x_sandbox, account):
    x_sandbox.register_account(account)
    send_dm(x_sandbox, "citizen_jo", account, "first")
    poll(account)
    send_dm(x_sandbox, "citizen_jo", account, "second")

    outcome = poll(account)

    assert (outcome.posts_new, Mention.objects.count()) == (1, 2)
    calls = ApiCall.objects.filter(endpoint="/2/dm_events", account=account)
    assert calls.count() == 2 and all(c.status_code == 200 for c in calls)
    assert sum(c.posts_read for c in calls) >= 2  # each event returned is metered as a resource read


def test_the_accounts_own_replies_in_the_conversation_are_not_inbox_items(x_sandbox, account):
    me = x_sandbox.register_account(account)
    citizen = x_sandbox.state.user_for_author("citizen_jo")
    x_sandbox.state.direct.send(sender_id=citizen.id, recipient_id=me.id, text="hello")
    x_sandbox.state.direct.send(sender_id=me.id, recipient_id=citizen.id, text="Hello, how can we help?")

    poll(account)

    assert list(Mention.objects.values_list("text", flat=True)) == ["hello"]


HOSTILE = [
    "not an object",
    {"id": "abc", "event_type": "MessageCreate", "text": "an id that is not one", "sender_id": "5"},
    {"id": "77", "event_type": "MessageCreate", "text": ["a", "list"], "sender_id": "5"},
    {"id": "78", "event_type": "MessageCreate", "text": "no sender"},
    {"id": "79", "event_type": 12, "text": "odd type", "sender_id": "5"},
    {"id": "80", "event_type": "ParticipantsJoin", "sender_id": "5"},
    {"id": "99999999999999999999999", "event_type": "MessageCreate", "text": "too big", "sender_id": "5"},
]


@pytest.mark.parametrize("raw", HOSTILE, ids=range(len(HOSTILE)))
def test_one_unreadable_event_never_stops_the_rest(x_sandbox, account, raw):
    me = x_sandbox.register_account(account)
    send_dm(x_sandbox, "citizen_jo", account, "before")
    x_sandbox.state.direct.inject_raw(recipient_id=me.id, raw=raw)
    send_dm(x_sandbox, "citizen_jo", account, "after")

    outcome = poll(account)

    assert outcome.status == "stored"
    assert sorted(Mention.objects.values_list("text", flat=True)) == ["after", "before"]
    assert InboxItem.objects.count() == 2
    assert dm_cursor(account).last_error == ""


def test_nul_and_lone_surrogates_are_cleaned_not_fatal(x_sandbox, account):
    me = x_sandbox.register_account(account)
    x_sandbox.state.direct.inject_raw(
        recipient_id=me.id,
        raw={
            "id": "1900000000000000001",
            "event_type": "MessageCreate",
            "text": "bad\x00text \ud800 here",
            "sender_id": "123",
            "dm_conversation_id": "123-456; DROP TABLE",
            "created_at": "not a date",
        },
    )

    poll(account)

    mention = Mention.objects.get()
    assert "\x00" not in mention.text and "\ufffd" in mention.text
    assert mention.dm_conversation_id == ""  # not a conversation id: not kept (it would go into a URL)


def test_a_rate_limited_poll_pauses_the_cursor_and_stores_nothing(x_sandbox, account):
    x_sandbox.register_account(account)
    send_dm(x_sandbox, "citizen_jo", account, "hello")
    x_sandbox.set_faults(force_429=1)

    outcome = poll(account)

    assert outcome.status == "rate_limited"
    cursor = dm_cursor(account)
    assert cursor.paused_until is not None and cursor.since_id is None
    assert Mention.objects.count() == 0


def test_a_crash_before_the_commit_loses_nothing_and_the_next_poll_stores_once(x_sandbox, account, monkeypatch):
    from monitoring import direct

    x_sandbox.register_account(account)
    send_dm(x_sandbox, "citizen_jo", account, "hello")
    real = direct.items_arrive

    def arrive_then_die(**kwargs):
        real(**kwargs)
        raise SystemExit("worker killed")

    monkeypatch.setattr(direct, "items_arrive", arrive_then_die)
    with pytest.raises(SystemExit):
        poll(account)
    assert Mention.objects.count() == 0 and dm_cursor(account).since_id is None
    monkeypatch.setattr(direct, "items_arrive", real)
    PollCursor.objects.filter(kind=PollCursor.Kind.DIRECT).update(lease_until=timezone.now())

    poll(account)
    poll(account)

    assert (Mention.objects.count(), InboxItem.objects.count()) == (1, 1)
    assert PollRun.objects.filter(posts_new=1).count() == 1


def test_dm_cursors_keep_polling_when_the_read_budget_pauses_searches(x_sandbox, account, monkeypatch):
    from monitoring import budget

    x_sandbox.register_account(account)
    ingest.cursors_sync()
    monkeypatch.setattr(budget, "search_paused", lambda: True)

    assert dm_cursor(account).pk in ingest.cursors_due()


# --- Answering: the same approvals, then sent privately into the conversation, exactly once -------------------


def _messages_from(x_sandbox, account) -> list[str]:
    return [e.text for e in x_sandbox.state.direct.events if e.raw is None and e.sender_id == account.x_user_id]


@pytest.fixture
def dm_item(x_sandbox, account):
    account.approvals_required = 1
    account.replies_need_approval = True
    account.save()
    x_sandbox.register_account(account)
    send_dm(x_sandbox, "citizen_jo", account, "Can you check my application? Ref 4411")
    poll(account)
    return InboxItem.objects.get()


def _approve_and_publish(draft, member, approver, capture, *, times=1):
    from tweets.publishing import draft_publish
    from tweets.services import draft_approve, draft_submit

    with capture(execute=True):
        draft_submit(draft=draft, by=member)
        draft_approve(draft=draft, by=approver)
    for _ in range(times):
        with capture(execute=True):
            draft_publish(draft_id=draft.pk)
    draft.refresh_from_db()


def test_a_dm_reply_waits_for_approval_then_goes_back_privately_once(
    x_sandbox, account, member, approver, dm_item, django_capture_on_commit_callbacks
):
    from monitoring import services
    from tweets.models import Draft

    draft = services.item_reply(item=dm_item, by=member, account=account, text="We have found it: it is approved.")
    assert draft.dm_conversation_id == dm_item.mention.dm_conversation_id and draft.in_reply_to_post_id == ""
    assert _messages_from(x_sandbox, account) == []  # nothing leaves before approval

    _approve_and_publish(draft, member, approver, django_capture_on_commit_callbacks, times=2)

    assert draft.state == Draft.State.PUBLISHED
    assert _messages_from(x_sandbox, account) == ["We have found it: it is approved."]
    assert x_sandbox.posts_by(account.x_user_id) == []  # never posted publicly
    dm_item.refresh_from_db()
    assert dm_item.status == "replied"
    sent = ApiCall.objects.get(method="POST", endpoint="/2/dm_conversations/:id/messages")
    assert (sent.status_code, sent.posts_created) == (201, 1)


def test_a_send_dropped_after_x_accepted_is_reconciled_not_sent_again(
    x_sandbox, account, member, approver, dm_item, django_capture_on_commit_callbacks
):
    from monitoring import services
    from tweets.models import Draft, PublishAttempt

    draft = services.item_reply(item=dm_item, by=member, account=account, text="Thanks, we are on it.")
    x_sandbox.set_faults(drop_after_accept=1)

    _approve_and_publish(draft, member, approver, django_capture_on_commit_callbacks)

    assert draft.state == Draft.State.PUBLISHED
    assert _messages_from(x_sandbox, account) == ["Thanks, we are on it."]
    attempt = draft.attempts.get(state=PublishAttempt.State.SUCCEEDED)
    assert attempt.reconciled and attempt.x_post_id == draft.published_post_id


def test_a_dm_is_answered_only_from_the_account_it_was_sent_to(team, account, member, dm_item):
    from monitoring import services
    from tests.factories import TwitterAccountFactory

    other = TwitterAccountFactory(team=team, responsible_person=member)
    with pytest.raises(services.TransitionError):
        services.item_reply(item=dm_item, by=member, account=other, text="hello")
