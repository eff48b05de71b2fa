"""Publishing many due drafts together (publishing.drafts_publish_batch): the same exactly-once guarantees.

Drafts due in the same second are published by one job in batches, calling X concurrently. Whatever X does
to some of the calls, each approved draft ends up as exactly one post, and everything is recorded.
"""

import threading
import time

import pytest
import time_machine
from django.utils import timezone

from accounts.models import AuditEvent, TwitterAccount
from tests.factories import TwitterAccountFactory
from tweets import freezes, jobs, publishing, services
from tweets.models import Draft, PublishAttempt, PublishingFreeze
from twitter_api.models import ApiCall

S = Draft.State


def schedule(member, account, texts, when, run_jobs):
    drafts = []
    for text in texts:
        posts = text if isinstance(text, list) else [text]
        draft = services.draft_create(author=member, account=account, posts=posts, scheduled_at=when)
        with run_jobs():
            services.draft_submit(draft=draft, by=member)
        drafts.append(draft)
    return drafts


def run_due_job(when, run_jobs, seconds_after=1):
    with time_machine.travel(when + timezone.timedelta(seconds=seconds_after), tick=True), run_jobs():
        return jobs.publish_due()


def sweep_later(run_jobs, when, seconds):
    with time_machine.travel(when + timezone.timedelta(seconds=seconds), tick=True), run_jobs():
        jobs.publish_due_sweep()


def sandbox_texts(x_sandbox, account):
    return sorted(p["text"] for p in x_sandbox.posts_by(account.x_user_id))


@pytest.fixture
def when():
    return timezone.now() + timezone.timedelta(hours=1)


def test_more_than_a_batch_is_published_once_each_with_history_audit_and_metering(
    personal, member, x_sandbox, run_jobs, when, settings
):
    settings.PUBLISH_BATCH_SIZE = 10
    count = 25  # three batches
    texts = [f"Batch post {i}." for i in range(count)]
    drafts = schedule(member, personal, texts, when, run_jobs)
    calls_before = ApiCall.objects.count()

    outcomes = run_due_job(when, run_jobs)

    assert outcomes == {d.pk: "published" for d in drafts}
    assert sandbox_texts(x_sandbox, personal) == sorted(texts)
    by_text = {p["text"]: p["id"] for p in x_sandbox.posts_by(personal.x_user_id)}
    for draft in drafts:
        draft.refresh_from_db()
        assert draft.state == S.PUBLISHED
        assert draft.published_post_id == by_text[draft.text]
        assert draft.published_at is not None and draft.claim_token == ""
        assert list(draft.transitions.values_list("to_state", flat=True))[-2:] == [S.PUBLISHING, S.PUBLISHED]
        attempt = draft.attempts.get()
        assert attempt.state == PublishAttempt.State.SUCCEEDED and attempt.x_post_id == draft.published_post_id
        assert attempt.accepted_at is not None
    published_events = AuditEvent.objects.filter(action="draft.published", object_type="tweets.Draft")
    assert sorted(int(e.object_id) for e in published_events) == sorted(d.pk for d in drafts)
    assert published_events.first().team == personal.team
    creates = ApiCall.objects.filter(method="POST", endpoint="/2/tweets", account=personal)
    assert ApiCall.objects.count() - calls_before == count == creates.count()
    assert all(call.status_code == 201 and call.posts_created == 1 for call in creates)


def test_running_the_due_job_again_publishes_nothing_more(personal, member, x_sandbox, run_jobs, when):
    schedule(member, personal, ["Once only.", "Also once."], when, run_jobs)
    run_due_job(when, run_jobs)
    assert run_due_job(when, run_jobs, seconds_after=2) == {}
    assert sandbox_texts(x_sandbox, personal) == ["Also once.", "Once only."]


def test_nothing_publishes_before_its_time(personal, member, x_sandbox, run_jobs, when):
    schedule(member, personal, ["Not yet."], when, run_jobs)
    with time_machine.travel(when - timezone.timedelta(seconds=30), tick=False), run_jobs():
        assert publishing.drafts_publish_batch().outcomes == {}
    assert x_sandbox.posts_by(personal.x_user_id) == []


@pytest.mark.parametrize(
    "faults",
    [
        pytest.param({"drop_after_accept": 3}, id="dropped after X accepted"),
        pytest.param({"drop_connection": 3}, id="dropped before X acted"),
        pytest.param({"force_5xx": 3}, id="server errors"),
        pytest.param({"force_429": 2}, id="rate limited"),
    ],
)
def test_faults_in_a_batch_still_give_exactly_one_post_per_draft(personal, member, x_sandbox, run_jobs, when, faults):
    x_sandbox.set_rate_limit("POST /2/tweets", 300, window_seconds=60)
    texts = [f"Faulty day {i}." for i in range(8)]
    drafts = schedule(member, personal, texts, when, run_jobs)
    x_sandbox.set_faults(**faults)
    first = run_due_job(when, run_jobs)
    if "drop_after_accept" in faults:  # X has them: found among the account's posts, not sent again
        assert set(first.values()) == {"published"}
        assert PublishAttempt.objects.filter(draft__in=drafts, reconciled=True).count() == 3
    else:
        assert 0 < list(first.values()).count("retry") <= 3
    for minutes in range(1, 5):  # retries come back through the sweep, each after its backoff or reset time
        sweep_later(run_jobs, when, 60 * minutes)
    assert sandbox_texts(x_sandbox, personal) == sorted(texts)
    for draft in drafts:
        draft.refresh_from_db()
        assert draft.state == S.PUBLISHED, draft.failure_reason
        assert draft.attempts.filter(state=PublishAttempt.State.SUCCEEDED).count() == 1


def test_timeouts_in_a_batch_are_reconciled_not_repeated(personal, member, x_sandbox, run_jobs, when, settings):
    settings.X_REQUEST_TIMEOUT_SECONDS = 0.3
    texts = [f"Slow X {i}." for i in range(4)]
    drafts = schedule(member, personal, texts, when, run_jobs)
    x_sandbox.set_faults(latency=0.8)
    outcomes = run_due_job(when, run_jobs)
    assert set(outcomes.values()) == {"retry"}  # outcome unknown: each is checked before its next try
    x_sandbox.set_faults(latency=0)
    time.sleep(1.0)  # the sandbox finishes creating the posts it was still working on
    sweep_later(run_jobs, when, 600)
    assert sandbox_texts(x_sandbox, personal) == sorted(texts)
    for draft in drafts:
        draft.refresh_from_db()
        assert draft.state == S.PUBLISHED
        assert draft.attempts.get(state=PublishAttempt.State.SUCCEEDED).reconciled


def test_a_duplicate_refusal_in_a_batch_counts_as_the_earlier_success(personal, member, x_sandbox, run_jobs, when):
    from twitter_api import client

    earlier = client.post_create(personal, text="Already out there.")
    [dup, fresh] = schedule(member, personal, ["Already out there.", "Brand new."], when, run_jobs)
    assert run_due_job(when, run_jobs) == {dup.pk: "published", fresh.pk: "published"}
    dup.refresh_from_db()
    assert dup.published_post_id == earlier.id
    assert sandbox_texts(x_sandbox, personal) == ["Already out there.", "Brand new."]


def test_a_freeze_holds_its_accounts_drafts_and_not_others(personal, team, lead, member, x_sandbox, run_jobs, when):
    other = TwitterAccountFactory(team=team, kind=TwitterAccount.Kind.PERSONAL, responsible_person=lead)
    x_sandbox.register_account(other)
    [frozen] = schedule(member, personal, ["Frozen post."], when, run_jobs)
    [free] = schedule(member, other, ["Free post."], when, run_jobs)
    freeze = freezes.freeze_start(
        by=lead, scope=PublishingFreeze.Scope.ACCOUNT, account=personal, reason="Purdah for this account."
    )
    run_due_job(when, run_jobs)
    frozen.refresh_from_db()
    free.refresh_from_db()
    assert frozen.state == S.HELD and frozen.held_by == freeze
    assert free.state == S.PUBLISHED
    assert x_sandbox.posts_by(personal.x_user_id) == []
    assert sandbox_texts(x_sandbox, other) == ["Free post."]


def test_threads_and_retried_drafts_due_with_a_batch_go_the_one_draft_way(personal, member, x_sandbox, run_jobs, when):
    simple, thread = schedule(member, personal, ["Simple one.", ["Thread one.", "Thread two."]], when, run_jobs)
    outcomes = run_due_job(when, run_jobs)
    assert outcomes == {simple.pk: "published", thread.pk: "published"}
    posts = list(reversed(x_sandbox.posts_by(personal.x_user_id)))
    thread_posts = [p for p in posts if p["text"].startswith("Thread")]
    assert [p["text"] for p in thread_posts] == ["Thread one.", "Thread two."]
    assert thread_posts[1]["referenced_tweets"] == [{"type": "replied_to", "id": thread_posts[0]["id"]}]


def test_a_suspended_account_fails_its_drafts_with_a_reason(personal, member, x_sandbox, run_jobs, when):
    [draft] = schedule(member, personal, ["Suspended."], when, run_jobs)
    TwitterAccount.objects.filter(pk=personal.pk).update(status=TwitterAccount.Status.SUSPENDED)
    assert run_due_job(when, run_jobs) == {draft.pk: "failed"}
    draft.refresh_from_db()
    assert draft.state == S.FAILED and "reconnect" in draft.failure_reason
    assert x_sandbox.posts_by(personal.x_user_id) == []


def test_a_worker_killed_mid_batch_is_reconciled_by_the_sweep_once_the_claim_is_stale(
    personal, member, x_sandbox, run_jobs, when
):
    """X created some of the batch's posts, then the worker died: the sweep finishes each exactly once."""
    from unittest import mock

    from twitter_api import client

    texts = [f"Interrupted {i}." for i in range(6)]
    drafts = schedule(member, personal, texts, when, run_jobs)
    real_post_create = client.post_create

    def created_then_died(account, *, text, **kwargs):
        if text in texts[:3]:
            real_post_create(account, text=text, **kwargs)  # X has it; the worker never hears back
        raise SystemExit("worker killed")

    with mock.patch.object(client, "post_create", side_effect=created_then_died), pytest.raises(SystemExit):
        run_due_job(when, run_jobs)
    assert set(Draft.objects.filter(pk__in=[d.pk for d in drafts]).values_list("state", flat=True)) == {S.PUBLISHING}
    assert PublishAttempt.objects.filter(draft__in=drafts, state=PublishAttempt.State.IN_FLIGHT).count() == 6

    sweep_later(run_jobs, when, 60)  # the claim is fresh: another worker may still be on it
    assert sandbox_texts(x_sandbox, personal) == sorted(texts[:3])
    sweep_later(run_jobs, when, publishing.STALE_CLAIM_AFTER.total_seconds() + 60)
    assert sandbox_texts(x_sandbox, personal) == sorted(texts)
    for draft in drafts:
        draft.refresh_from_db()
        assert draft.state == S.PUBLISHED
        succeeded = draft.attempts.get(state=PublishAttempt.State.SUCCEEDED)
        assert succeeded.reconciled == (draft.text in texts[:3])


def test_the_dashboard_schedule_drops_posts_as_soon_as_a_batch_publishes_them(
    client, personal, member, x_sandbox, run_jobs, when
):
    schedule(member, personal, ["On the dashboard until published."], when, run_jobs)
    client.force_login(member)
    assert "On the dashboard until published." in client.get("/").content.decode()

    run_due_job(when, run_jobs)  # the batch moves drafts with bulk updates, which send no save signals

    with time_machine.travel(when + timezone.timedelta(seconds=5)):
        assert "On the dashboard until published." not in client.get("/").content.decode()


def test_threads_retries_and_stale_claims_go_in_the_same_batch_as_single_posts(
    personal, member, x_sandbox, run_jobs, when
):
    simple, thread = schedule(member, personal, ["Simple two.", ["Thread A.", "Thread B."]], when, run_jobs)
    [stalled] = schedule(member, personal, ["Stalled."], when, run_jobs)
    Draft.objects.filter(pk=stalled.pk).update(
        state=S.PUBLISHING, claim_token="dead-worker", claimed_at=when - publishing.STALE_CLAIM_AFTER
    )
    PublishAttempt.objects.create(draft=stalled, revision=stalled.current_revision, claim_token="dead-worker")
    with time_machine.travel(when + timezone.timedelta(seconds=1), tick=True), run_jobs():
        result = publishing.drafts_publish_batch()
    assert result.outcomes == {simple.pk: "published", thread.pk: "published", stalled.pk: "published"}
    assert sandbox_texts(x_sandbox, personal) == ["Simple two.", "Stalled.", "Thread A.", "Thread B."]
    assert AuditEvent.objects.filter(action="draft.publish_reclaimed", object_id=str(stalled.pk)).exists()


def test_the_posts_of_several_threads_go_to_x_at_the_same_time(personal, member, x_sandbox, run_jobs, when, settings):
    from unittest import mock

    from twitter_api import client

    settings.PUBLISH_CONCURRENCY = 8
    threads = [[f"Thread {i} first.", f"Thread {i} second."] for i in range(4)]
    drafts = schedule(member, personal, threads, when, run_jobs)
    real_post_create, lock, calls = client.post_create, threading.Lock(), {"now": 0, "most": 0}

    def slow_post_create(account, **kwargs):
        with lock:
            calls["now"] += 1
            calls["most"] = max(calls["most"], calls["now"])
        time.sleep(0.2)
        try:
            return real_post_create(account, **kwargs)
        finally:
            with lock:
                calls["now"] -= 1

    with mock.patch.object(client, "post_create", side_effect=slow_post_create):
        outcomes = run_due_job(when, run_jobs)
    assert outcomes == {draft.pk: "published" for draft in drafts}
    assert calls["most"] == 4  # each round sends one post of every thread at once
    assert len(x_sandbox.posts_by(personal.x_user_id)) == 8


def test_a_frozen_draft_is_reported_held(personal, lead, member, x_sandbox, run_jobs, when):
    [frozen] = schedule(member, personal, ["Frozen again."], when, run_jobs)
    freezes.freeze_start(by=lead, scope=PublishingFreeze.Scope.EVERYTHING, reason="Election period.")
    assert run_due_job(when, run_jobs) == {frozen.pk: "held"}
