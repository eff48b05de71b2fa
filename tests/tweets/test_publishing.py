"""Publishing against the X sandbox: exactly one post per approved draft, whatever X does; none otherwise."""

import time

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from tweets import jobs, publishing, services
from tweets.models import Draft, PublishAttempt

S = Draft.State


@pytest.fixture
def corporate(account, x_sandbox):
    x_sandbox.register_account(account)
    return account


def publish(member, account, text, run_jobs, **kwargs):
    draft = services.draft_create(author=member, account=account, text=text, **kwargs)
    with run_jobs():
        services.draft_submit(draft=draft, by=member)
    draft.refresh_from_db()
    return draft


def texts(x_sandbox, account):
    return [p.post.text if hasattr(p, "post") else p["text"] for p in x_sandbox.posts_by(account.x_user_id)]


def sweep_later(run_jobs, seconds):
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=seconds), tick=True), run_jobs():
        jobs.publish_due_sweep()


def test_a_policy_zero_draft_is_published_on_submit(personal, member, x_sandbox, run_jobs):
    draft = publish(member, personal, "Visiting the new library in Leeds today.", run_jobs)
    assert draft.state == S.PUBLISHED
    assert texts(x_sandbox, personal) == ["Visiting the new library in Leeds today."]
    assert draft.published_post_id == x_sandbox.posts_by(personal.x_user_id)[0]["id"]
    assert draft.post_url.endswith(f"/{personal.handle}/status/{draft.published_post_id}")
    assert list(draft.transitions.values_list("to_state", flat=True))[-3:] == [S.APPROVED, S.PUBLISHING, S.PUBLISHED]


def test_an_approved_draft_is_published_once_and_an_unapproved_one_never(
    corporate, member, approver, lead, x_sandbox, run_jobs
):
    approved = publish(member, corporate, "Approved post.", run_jobs)
    waiting = publish(member, corporate, "Waiting post.", run_jobs)
    with run_jobs():
        services.draft_approve(draft=approved, by=approver)
        services.draft_approve(draft=approved, by=lead)
        services.draft_approve(draft=waiting, by=approver)
    with run_jobs():
        jobs.publish_due_sweep()
        jobs.publish_draft(approved.pk)
    approved.refresh_from_db()
    waiting.refresh_from_db()
    assert approved.state == S.PUBLISHED
    assert waiting.state == S.SUBMITTED
    assert texts(x_sandbox, corporate) == ["Approved post."]


def test_a_thread_is_published_as_replies_each_post_once(personal, member, x_sandbox, run_jobs):
    draft = services.draft_create(
        author=member, account=personal, posts=["One: the plan.", "Two: the detail.", "Three: the end."]
    )
    with run_jobs():
        services.draft_submit(draft=draft, by=member)
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    posts = list(reversed(x_sandbox.posts_by(personal.x_user_id)))
    assert [p["text"] for p in posts] == ["One: the plan.", "Two: the detail.", "Three: the end."]
    assert draft.published_post_id == posts[0]["id"]
    replies = [p.get("in_reply_to_post_id") or p.get("reply_to") or _reply_of(p) for p in posts]
    assert replies == [None, posts[0]["id"], posts[1]["id"]]


def _reply_of(post):
    for ref in post.get("referenced_tweets") or []:
        if ref.get("type") == "replied_to":
            return ref["id"]
    return None


def test_a_thread_interrupted_midway_resumes_without_repeating_posts(personal, member, x_sandbox, run_jobs):
    draft = services.draft_create(author=member, account=personal, posts=["First part.", "Second part."])
    x_sandbox.set_faults(force_5xx=0)
    # The first post goes through; the second meets a 5xx.
    original = publishing._publish_one
    calls = []

    def flaky(draft, token, position, text, reply_to):
        calls.append(position)
        if position == 1 and calls.count(1) == 1:
            x_sandbox.set_faults(force_5xx=1)
        return original(draft, token, position, text, reply_to)

    publishing._publish_one = flaky
    try:
        with run_jobs():
            services.draft_submit(draft=draft, by=member)
        draft.refresh_from_db()
        assert draft.state == S.SCHEDULED
        sweep_later(run_jobs, 60)
    finally:
        publishing._publish_one = original
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    assert sorted(texts(x_sandbox, personal)) == ["First part.", "Second part."]


def test_a_reply_goes_to_the_post_it_answers(personal, member, x_sandbox, run_jobs):
    # X accepts the reply: the citizen mentioned the account (x-platform-2026.md section 2).
    citizen = x_sandbox.inject_post("citizen_kate", f"@{personal.handle} when does the library open?")
    draft = publish(member, personal, "@citizen_kate It opens at 9am.", run_jobs, in_reply_to_post_id=citizen["id"])
    assert draft.state == S.PUBLISHED
    mine = x_sandbox.posts_by(personal.x_user_id)
    assert len(mine) == 1
    assert _reply_of(mine[0]) == citizen["id"] or mine[0].get("in_reply_to_post_id") == citizen["id"]


def test_a_dropped_connection_after_x_accepted_is_reconciled_not_repeated(personal, member, x_sandbox, run_jobs):
    x_sandbox.set_faults(drop_after_accept=1)
    draft = publish(member, personal, "Dropped after accept.", run_jobs)
    assert draft.state == S.PUBLISHED
    assert texts(x_sandbox, personal) == ["Dropped after accept."]
    attempt = draft.attempts.get(state=PublishAttempt.State.SUCCEEDED)
    assert attempt.reconciled
    assert attempt.x_post_id == draft.published_post_id


def test_a_timeout_is_reconciled_before_any_retry(personal, member, x_sandbox, run_jobs, settings):
    settings.X_REQUEST_TIMEOUT_SECONDS = 0.3
    x_sandbox.set_faults(latency=0.8)
    draft = publish(member, personal, "Slow X today.", run_jobs)
    assert draft.state == S.SCHEDULED  # outcome unknown: checked before the next try
    x_sandbox.set_faults(latency=0)
    time.sleep(1.0)  # the sandbox finishes creating the post it was still working on
    sweep_later(run_jobs, 60)
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    assert texts(x_sandbox, personal) == ["Slow X today."]
    assert draft.attempts.filter(state=PublishAttempt.State.SUCCEEDED, reconciled=True).count() == 1


def test_server_errors_are_retried_with_backoff(personal, member, x_sandbox, run_jobs):
    x_sandbox.set_faults(force_5xx=2)
    draft = publish(member, personal, "Retry me.", run_jobs)
    assert draft.state == S.SCHEDULED
    first_due = draft.publish_due_at
    assert first_due > timezone.now()
    sweep_later(run_jobs, 1)  # not due yet: nothing happens
    draft.refresh_from_db()
    assert draft.publish_due_at == first_due
    assert texts(x_sandbox, personal) == []
    sweep_later(run_jobs, 60)
    draft.refresh_from_db()
    assert draft.state == S.SCHEDULED  # the second 5xx
    assert draft.publish_due_at - timezone.now() > first_due - draft.created_at  # backs off further
    sweep_later(run_jobs, 600)
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    assert texts(x_sandbox, personal) == ["Retry me."]


def test_a_rate_limit_reschedules_at_the_reset_time(personal, member, x_sandbox, run_jobs):
    x_sandbox.set_rate_limit("POST /2/tweets", 100, window_seconds=120)
    x_sandbox.set_faults(force_429=1)
    draft = publish(member, personal, "Rate limited.", run_jobs)
    assert draft.state == S.SCHEDULED
    wait = (draft.publish_due_at - timezone.now()).total_seconds()
    assert 60 < wait <= 125
    sweep_later(run_jobs, 130)
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    assert texts(x_sandbox, personal) == ["Rate limited."]


def test_a_duplicate_refusal_counts_as_an_earlier_success(personal, member, x_sandbox, run_jobs):
    from twitter_api import client

    earlier = client.post_create(personal, text="Already out there.")
    draft = publish(member, personal, "Already out there.", run_jobs)
    assert draft.state == S.PUBLISHED
    assert draft.published_post_id == earlier.id
    assert texts(x_sandbox, personal) == ["Already out there."]


def test_a_worker_killed_mid_call_is_reconciled_by_the_sweep(personal, member, x_sandbox, run_jobs):
    """The worker recorded its attempt and X created the post, then the worker died."""
    from twitter_api import client

    draft = services.draft_create(author=member, account=personal, text="Worker died here.")
    draft.state = S.PUBLISHING
    draft.claim_token, draft.claimed_at = "dead-worker", timezone.now()
    draft.save()
    PublishAttempt.objects.create(draft=draft, revision=draft.current_revision, claim_token="dead-worker")
    client.post_create(personal, text="Worker died here.")
    with run_jobs():
        jobs.publish_due_sweep()  # the claim is fresh: another worker may still be on it
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHING
    sweep_later(run_jobs, publishing.STALE_CLAIM_AFTER.total_seconds() + 5)
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    assert texts(x_sandbox, personal) == ["Worker died here."]


def test_a_worker_killed_before_x_answered_is_published_once_by_the_sweep(personal, member, x_sandbox, run_jobs):
    draft = services.draft_create(author=member, account=personal, text="Never reached X.")
    draft.state = S.PUBLISHING
    draft.claim_token, draft.claimed_at = "dead-worker", timezone.now()
    draft.save()
    PublishAttempt.objects.create(draft=draft, revision=draft.current_revision, claim_token="dead-worker")
    sweep_later(run_jobs, publishing.STALE_CLAIM_AFTER.total_seconds() + 5)
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    assert texts(x_sandbox, personal) == ["Never reached X."]
    assert draft.attempts.get(state=PublishAttempt.State.FAILED).error_kind == "not_found"


def test_running_the_job_twice_publishes_once(personal, member, x_sandbox, run_jobs):
    draft = publish(member, personal, "Twice is once.", run_jobs)
    with run_jobs():
        jobs.publish_draft(draft.pk)
        jobs.publish_draft(draft.pk)
    assert texts(x_sandbox, personal) == ["Twice is once."]


def test_only_one_of_two_racing_claims_wins(personal, member):
    draft = services.draft_create(author=member, account=personal, text="Race.")
    Draft.objects.filter(pk=draft.pk).update(state=S.APPROVED)
    assert publishing._claim(draft.pk) is not None
    assert publishing._claim(draft.pk) is None


def test_rejected_credentials_fail_the_draft_and_tell_the_author(personal, member, x_sandbox, run_jobs):
    x_sandbox.revoke(personal)
    draft = publish(member, personal, "Nobody will see this.", run_jobs)
    assert draft.state == S.FAILED
    assert "credentials" in draft.failure_reason
    assert texts(x_sandbox, personal) == []
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert "was not published" in mail.outbox[0].subject


def test_a_permanent_refusal_keeps_xs_reason(personal, member, x_sandbox, run_jobs):
    draft = publish(member, personal, "Reply to a deleted post.", run_jobs, in_reply_to_post_id="999999")
    assert draft.state == S.FAILED
    assert draft.failure_reason
    assert draft.attempts.get().error_kind == "permanent"
    assert texts(x_sandbox, personal) == []


def test_repeated_server_errors_end_in_failure(personal, member, x_sandbox, run_jobs):
    x_sandbox.set_faults(force_5xx=100)
    draft = publish(member, personal, "X is down all day.", run_jobs)
    for minutes in range(10, 200, 10):
        sweep_later(run_jobs, minutes * 60)
    draft.refresh_from_db()
    assert draft.state == S.FAILED
    assert "kept failing" in draft.failure_reason
    assert texts(x_sandbox, personal) == []


def test_every_fault_leaves_exactly_one_post_per_approved_draft(corporate, member, approver, lead, x_sandbox, run_jobs):
    x_sandbox.set_rate_limit("POST /2/tweets", 1000, window_seconds=60)
    faults = [
        {"drop_after_accept": 1},
        {"force_5xx": 1},
        {"force_429": 1},
        {"drop_connection": 1},
        {},
    ]
    approved, unapproved = [], []
    for index, fault in enumerate(faults):
        draft = publish(member, corporate, f"Approved post {index}.", run_jobs)
        other = publish(member, corporate, f"Unapproved post {index}.", run_jobs)
        x_sandbox.set_faults(**fault)
        with run_jobs():
            services.draft_approve(draft=draft, by=approver)
            services.draft_approve(draft=draft, by=lead)
            services.draft_approve(draft=other, by=approver)
        approved.append(draft)
        unapproved.append(other)
    for _ in range(3):
        sweep_later(run_jobs, 300)
    posted = texts(x_sandbox, corporate)
    assert sorted(posted) == sorted(f"Approved post {i}." for i in range(len(faults)))
    for draft in approved:
        draft.refresh_from_db()
        assert draft.state == S.PUBLISHED


def test_the_job_says_what_happened_as_an_outcome(personal, member, x_sandbox, run_jobs):
    draft = publish(member, personal, "Said once.", run_jobs)
    assert draft.state == S.PUBLISHED
    with run_jobs():
        assert jobs.publish_draft(draft.pk) is publishing.Outcome.SKIPPED
