"""Records of what happened to a published post on X: deleted on X (X's account events), edited on X (the own-post
readers), and every retraction with who, why, when and each post of the thread. One row per change, never changed;
the same change told twice is recorded once; a deletion Dovecote's own retraction caused is the retraction."""

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import AuditEvent
from tests.factories import TwitterAccountFactory
from tweets import records, services
from tweets.models import Draft, PostOnX
from twitter_api.signals import account_activity
from twitter_api.types import XPost

S = Draft.State
K = PostOnX.Kind
WHEN = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def published(member, account, run_jobs, posts):
    draft = services.draft_create(author=member, account=account, posts=posts)
    with run_jobs():
        services.draft_submit(draft=draft, by=member)
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    return draft


@pytest.fixture
def post(personal, member, run_jobs):
    return published(member, personal, run_jobs, ["Our new guidance on flood defences is out today."])


@pytest.fixture
def thread(personal, member, run_jobs):
    return published(member, personal, run_jobs, ["First of three.", "Second of three.", "Third of three."])


def deleted(account, post_id, event_id="evt-1", **payload):
    x_post = XPost(id=post_id, text="", author_id=account.x_user_id, created_at=WHEN)
    account_activity.send(
        sender=None,
        account_id=account.pk,
        event_type="post.delete",
        event_id=event_id,
        payload={"post": x_post, **payload},
        occurred_at=WHEN,
    )


def test_x_saying_our_post_was_deleted_is_recorded_once(post, personal):
    deleted(personal, post.published_post_id, event_id="evt-1")
    deleted(personal, post.published_post_id, event_id="evt-1")  # the stream delivered it twice
    deleted(personal, post.published_post_id, event_id="poll-42", source="poll")  # and a poll found it too

    record = PostOnX.objects.get()
    assert (record.draft, record.kind, record.source, record.seen_at) == (post, K.DELETED_ON_X, "push", WHEN)
    assert record.x_post_id == post.published_post_id and record.event_id == "evt-1"
    event = AuditEvent.objects.get(action="post.deleted_on_x")
    assert event.object_id == str(post.pk) and event.actor_label == "X"


def test_a_deletion_of_a_post_not_ours_or_on_another_account_records_nothing(post, personal, team):
    other = TwitterAccountFactory(team=team)
    deleted(personal, "999999999999")  # a post on the account that Dovecote did not publish
    deleted(other, post.published_post_id, event_id="evt-2")  # our post's id, told of another account
    account_activity.send(
        sender=None, account_id=personal.pk, event_type="post.create", event_id="evt-3", payload={}, occurred_at=WHEN
    )
    assert not PostOnX.objects.exists()


def test_a_retraction_is_recorded_with_who_why_and_each_post_and_x_telling_of_it_adds_nothing(thread, personal, lead):
    post_ids = list(thread.attempts.order_by("position").values_list("x_post_id", flat=True))

    services.draft_retract(draft=thread, by=lead, reason="Wrong date in the thread")
    for number, post_id in enumerate(post_ids):  # X's account events for the deletions the retraction made
        deleted(personal, post_id, event_id=f"evt-{number}")
    services.draft_retract(draft=thread, by=lead, reason="Clicked twice")

    record = PostOnX.objects.get()
    assert (record.kind, record.source, record.draft) == (K.RETRACTED, "retraction", thread)
    assert record.detail["by_id"] == lead.pk and record.detail["reason"] == "Wrong date in the thread"
    assert [(p["position"], p["post_id"]) for p in record.detail["posts"]] == list(enumerate(post_ids))
    assert all(p["deleted_at"] for p in record.detail["posts"])
    assert not AuditEvent.objects.filter(action="post.deleted_on_x").exists()


def test_x_telling_of_a_deletion_while_the_retraction_is_under_way_is_not_a_deletion_on_x(post, personal):
    records.retraction_started(post.published_post_id)  # the retraction has asked X; its record comes next

    deleted(personal, post.published_post_id)

    assert not PostOnX.objects.exists()


def test_an_edit_on_x_is_kept_with_the_old_and_new_text_and_hostile_text_is_cleaned(post):
    detail = {
        "post_id": post.published_post_id,
        "previous_text": post.text,
        "new_text": "Edited\x00 on X \ud800",
        "new_post_ids": ["123", 456],
        "odd": {"when": WHEN, "nan": float("nan"), "set": {1}},
    }
    record = records.x_change_record(
        draft=post, kind=K.EDITED_ON_X, seen_at=WHEN, source="poll", detail=detail, event_id="edit-1"
    )
    again = records.x_change_record(
        draft=post, kind=K.EDITED_ON_X, seen_at=WHEN, source="poll", detail=detail, event_id="edit-1"
    )

    assert again.pk == record.pk and PostOnX.objects.count() == 1
    record.refresh_from_db()
    assert record.detail["new_text"] == "Edited on X \ufffd"
    assert record.detail["previous_text"] == post.text and record.detail["new_post_ids"] == ["123", 456]
    assert record.detail["odd"] == {"when": WHEN.isoformat(), "nan": None, "set": "{1}"}
    assert AuditEvent.objects.filter(action="post.edited_on_x").count() == 1
    with pytest.raises(PermissionError):
        record.save()


def test_an_unknown_kind_or_source_is_refused(post):
    with pytest.raises(ValueError):
        records.x_change_record(draft=post, kind="vanished", seen_at=WHEN, source="poll", detail={})
    with pytest.raises(ValueError):
        records.x_change_record(draft=post, kind=K.EDITED_ON_X, seen_at=WHEN, source="rumour", detail={})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    post_value=st.one_of(st.none(), st.text(), st.integers(), st.booleans(), st.dictionaries(st.text(), st.text())),
    event_id=st.one_of(st.none(), st.text(max_size=300), st.integers()),
    occurred_at=st.one_of(st.none(), st.datetimes(), st.text()),
    payload_extra=st.dictionaries(st.text(max_size=10), st.one_of(st.none(), st.text(), st.integers())),
)
def test_a_garbled_delete_event_never_fails(post, personal, post_value, event_id, occurred_at, payload_extra):
    account_activity.send(
        sender=None,
        account_id=personal.pk,
        event_type="post.delete",
        event_id=event_id,
        payload={**payload_extra, "post": post_value},
        occurred_at=occurred_at,
    )
    assert PostOnX.objects.exclude(draft=post).count() == 0
