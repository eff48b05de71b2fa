"""Publishing posts with media exactly once: each file uploaded once and attached once, one post on X, whatever
fails at each upload step (a 5xx, a dropped connection after X acted, a video X fails to process), and
ids that X no longer keeps are uploaded again, never reused."""

import pytest
import time_machine
from django.utils import timezone

from tests.tweets.media_helpers import images, mp4, stored
from tweets import jobs, publishing, services
from tweets.media import Attachment
from tweets.models import Draft, MediaUpload, PublishAttempt

S = Draft.State


@pytest.fixture(autouse=True)
def _media(settings, tmp_path, x_sandbox):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    x_sandbox.state.media.check_after_secs = 0


def sweep_later(run_jobs, seconds):
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=seconds), tick=True), run_jobs():
        jobs.publish_due_sweep()


def submit(member, account, run_jobs, *, posts, media):
    draft = services.draft_create(author=member, account=account, posts=posts, media=media)
    with run_jobs():
        services.draft_submit(draft=draft, by=member)
    draft.refresh_from_db()
    return draft


def published(x_sandbox, account):
    """(text, [alt text of each medium]) of the account's posts, oldest first."""
    media = x_sandbox.state.media.by_post
    return [
        (p["text"], [m["alt_text"] for m in media.get(p["id"], [])])
        for p in reversed(x_sandbox.posts_by(account.x_user_id))
    ]


def finalized(x_sandbox):
    return x_sandbox.state.media.finalized_count()


def test_a_thread_with_two_images_goes_out_once_with_its_alt_text(personal, member, x_sandbox, run_jobs):
    _, attachments = images(member, 2)
    draft = submit(member, personal, run_jobs, posts=["The library opens.", "More soon."], media=[attachments])
    assert draft.state == S.PUBLISHED
    assert published(x_sandbox, personal) == [
        ("The library opens.", [a.alt_text for a in attachments]),
        ("More soon.", []),
    ]
    assert finalized(x_sandbox) == 2
    assert MediaUpload.objects.count() == 2


def test_the_bytes_x_receives_carry_no_location(personal, member, x_sandbox, run_jobs):
    _, attachments = images(member, 1)
    submit(member, personal, run_jobs, posts=["Photo."], media=[attachments])
    (upload,) = [u for u in x_sandbox.state.media.uploads.values() if u.finalized]
    assert b"Exif" not in upload.content and b"GPS" not in upload.content and b"Canon" not in upload.content


@pytest.mark.parametrize(
    "fault",
    [
        {"initialize": 1},
        {"append": 1},
        {"finalize": 1},
        {"metadata": 1},
        {"initialize:drop": 1},
        {"append:drop": 1},
        {"finalize:drop": 1},
        {"metadata:drop": 1},
    ],
)
def test_a_fault_at_an_upload_step_still_ends_in_one_post_with_its_media_once(
    personal, member, x_sandbox, run_jobs, fault
):
    _, attachments = images(member, 2)
    x_sandbox.set_faults(media=fault)
    draft = submit(member, personal, run_jobs, posts=["Two pictures."], media=[attachments])
    assert draft.state == S.SCHEDULED  # retried later
    assert x_sandbox.posts_by(personal.x_user_id) == []
    sweep_later(run_jobs, 60)
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    assert published(x_sandbox, personal) == [("Two pictures.", [a.alt_text for a in attachments])]
    post_id = x_sandbox.posts_by(personal.x_user_id)[0]["id"]
    attached = [m["media_id"] for m in x_sandbox.state.media.by_post[post_id]]
    assert len(set(attached)) == 2
    # A file that reached X is reused on the retry: at most the one caught by the fault goes up again.
    assert finalized(x_sandbox) <= 3 if fault.get("finalize:drop") else finalized(x_sandbox) == 2


@pytest.mark.parametrize("fault", [{"drop_after_accept": 1}, {"force_5xx": 1}, {"drop_connection": 1}])
def test_an_uncertain_post_with_media_is_reconciled_and_its_media_reused(personal, member, x_sandbox, run_jobs, fault):
    _, attachments = images(member, 1)
    original = publishing._publish_one

    def faulty(draft, token, position, text, reply_to, **kwargs):
        if fault:
            x_sandbox.set_faults(**fault)
            fault.clear()
        return original(draft, token, position, text, reply_to, **kwargs)

    publishing._publish_one = faulty
    try:
        draft = submit(member, personal, run_jobs, posts=["Uncertain with a photo."], media=[attachments])
        for _ in range(2):
            sweep_later(run_jobs, 120)
    finally:
        publishing._publish_one = original
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    assert published(x_sandbox, personal) == [("Uncertain with a photo.", [attachments[0].alt_text])]
    assert finalized(x_sandbox) == 1  # uploaded once, reused by the retry
    assert draft.attempts.filter(state=PublishAttempt.State.SUCCEEDED).count() == 1


def test_an_id_x_no_longer_keeps_is_uploaded_again_not_reused(personal, member, x_sandbox, run_jobs, settings):
    settings.X_MEDIA_REUSE_MARGIN_SECONDS = 60
    x_sandbox.state.media.ttl_seconds = 30  # shorter than the margin: never reused
    _, attachments = images(member, 1)
    x_sandbox.set_faults(force_5xx=0)
    original = publishing._publish_one
    calls = []

    def once_refused(draft, token, position, text, reply_to, **kwargs):
        calls.append(kwargs.get("media_ids"))
        if len(calls) == 1:
            x_sandbox.set_faults(force_5xx=1)
        return original(draft, token, position, text, reply_to, **kwargs)

    publishing._publish_one = once_refused
    try:
        draft = submit(member, personal, run_jobs, posts=["Expiring."], media=[attachments])
        sweep_later(run_jobs, 60)
    finally:
        publishing._publish_one = original
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    assert calls[0] != calls[1]  # a fresh upload, not the id about to expire
    assert finalized(x_sandbox) == 2
    assert published(x_sandbox, personal) == [("Expiring.", [attachments[0].alt_text])]


def test_media_refused_for_good_fail_the_draft_saying_why(personal, member, x_sandbox, run_jobs, tmp_path):
    video = stored(member, "clip.mp4", mp4(tmp_path))
    x_sandbox.set_faults(media={"finalize:failed": 1, "processing": 0})
    media = [[Attachment(video.pk, no_captions_reason="No speech: music only.")]]
    draft = submit(member, personal, run_jobs, posts=["A clip."], media=media)
    assert draft.state == S.FAILED
    assert "could not process" in draft.failure_reason
    assert x_sandbox.posts_by(personal.x_user_id) == []


def test_a_video_goes_up_with_its_captions(personal, member, x_sandbox, run_jobs, tmp_path):
    from tests.tweets.media_helpers import SRT

    video = stored(member, "clip.mp4", mp4(tmp_path))
    captions = stored(member, "clip.srt", SRT, captions=True)
    draft = submit(
        member, personal, run_jobs, posts=["A clip."], media=[[Attachment(video.pk, captions_id=captions.pk)]]
    )
    assert draft.state == S.PUBLISHED
    (post,) = x_sandbox.posts_by(personal.x_user_id)
    (attached,) = x_sandbox.state.media.by_post[post["id"]]
    assert attached["type"] == "video"
    assert x_sandbox.state.media.uploads[attached["media_id"]].subtitles[0]["language_code"] == "EN"


def test_repeated_upload_failures_end_in_failure(personal, member, x_sandbox, run_jobs):
    _, attachments = images(member, 1)
    x_sandbox.set_faults(media={"initialize": 100})
    draft = submit(member, personal, run_jobs, posts=["Never up."], media=[attachments])
    for minutes in range(10, 200, 10):
        sweep_later(run_jobs, minutes * 60)
    draft.refresh_from_db()
    assert draft.state == S.FAILED
    assert "kept failing" in draft.failure_reason
    assert x_sandbox.posts_by(personal.x_user_id) == []


def test_a_rate_limit_on_an_upload_reschedules_at_the_reset_time(personal, member, x_sandbox, run_jobs):
    x_sandbox.set_rate_limit("POST /2/media/upload/initialize", 100, window_seconds=120)
    _, attachments = images(member, 1)
    x_sandbox.set_faults(force_429=1)
    draft = submit(member, personal, run_jobs, posts=["Limited."], media=[attachments])
    assert draft.state == S.SCHEDULED
    assert 60 < (draft.publish_due_at - timezone.now()).total_seconds() <= 125
    sweep_later(run_jobs, 130)
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    assert published(x_sandbox, personal) == [("Limited.", [attachments[0].alt_text])]


def _killed_worker(draft):
    draft.state = S.PUBLISHING
    draft.claim_token, draft.claimed_at = "dead-worker", timezone.now()
    draft.save()
    PublishAttempt.objects.create(draft=draft, revision=draft.current_revision, claim_token="dead-worker")


def test_a_worker_killed_after_x_took_the_post_with_its_media_is_reconciled_not_repeated(
    personal, member, x_sandbox, run_jobs
):
    from tweets import media_publishing

    _, attachments = images(member, 2)
    draft = services.draft_create(author=member, account=personal, posts=["Died after."], media=[attachments])
    _killed_worker(draft)
    # What the dead worker did: its media went up (and were recorded), then X took the post.
    (job,) = media_publishing.plans([(draft, 0)])
    result = media_publishing.upload(job)
    media_publishing.record([result])
    from twitter_api import client

    client.post_create(personal, text="Died after.", media_ids=result.ids)
    sweep_later(run_jobs, publishing.STALE_CLAIM_AFTER.total_seconds() + 5)
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    assert published(x_sandbox, personal) == [("Died after.", [a.alt_text for a in attachments])]
    assert finalized(x_sandbox) == 2


def test_a_worker_killed_before_uploading_is_published_once_with_its_media(personal, member, x_sandbox, run_jobs):
    _, attachments = images(member, 2)
    draft = services.draft_create(author=member, account=personal, posts=["Died before."], media=[attachments])
    _killed_worker(draft)
    sweep_later(run_jobs, publishing.STALE_CLAIM_AFTER.total_seconds() + 5)
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    assert published(x_sandbox, personal) == [("Died before.", [a.alt_text for a in attachments])]
    assert finalized(x_sandbox) == 2


def test_running_the_job_twice_uploads_and_posts_once(personal, member, x_sandbox, run_jobs):
    _, attachments = images(member, 1)
    draft = submit(member, personal, run_jobs, posts=["Twice is once."], media=[attachments])
    with run_jobs():
        jobs.publish_draft(draft.pk)
        jobs.publish_draft(draft.pk)
    assert published(x_sandbox, personal) == [("Twice is once.", [attachments[0].alt_text])]
    assert finalized(x_sandbox) == 1
