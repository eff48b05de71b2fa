"""Retention and legal hold: the daily sweep deletes what an account's retention period has passed (drafts never
published, published posts with their history, media files and records of changes on X), never the audit trail,
and nothing of an account on legal hold; a legal hold also stops deletion by people. Set and lifted by admins with a
reason, audited."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import AuditEvent, OnLegalHold
from core.permissions import Refused
from tests.tweets.media_helpers import images, stored
from tweets import jobs, records, retention, services
from tweets.models import Comment, Draft, DraftRevision, DraftTransition, MediaFile, PostOnX, PublishAttempt

S = Draft.State
LONG_AGO = timedelta(days=8 * 365)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path, x_sandbox):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    x_sandbox.state.media.check_after_secs = 0


def aged(draft, by=LONG_AGO):
    when = timezone.now() - by
    Draft.objects.filter(pk=draft.pk).update(updated_at=when, created_at=when)
    PostOnX.objects.filter(draft=draft).update(recorded_at=when)
    return draft


@pytest.fixture
def old_post(personal, member, lead, run_jobs):
    """A post with a picture, published, edited on X and commented on, eight years ago."""
    files, attachments = images(member, count=1)
    draft = services.draft_create(author=member, account=personal, posts=["Flood defences open."], media=[attachments])
    with run_jobs():
        services.draft_submit(draft=draft, by=member)
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    services.comment_create(draft=draft, by=lead, body="Well received.")
    records.x_change_record(
        draft=draft,
        kind=PostOnX.Kind.EDITED_ON_X,
        seen_at=timezone.now(),
        source="poll",
        detail={"post_id": draft.published_post_id, "new_text": "Flood defences now open."},
    )
    return aged(draft)


@pytest.fixture
def old_abandoned(personal, member):
    draft = services.draft_create(author=member, account=personal, posts=["Never sent."])
    services.draft_withdraw(draft=draft, by=member)
    return aged(draft)


@pytest.fixture
def old_waiting(personal, member):
    """Submitted long ago and still waiting: work on its way is never swept."""
    draft = services.draft_create(author=member, account=personal, posts=["Still waiting."], scheduled_at=None)
    Draft.objects.filter(pk=draft.pk).update(state=S.SUBMITTED)
    return aged(draft)


def test_the_sweep_deletes_what_the_period_has_passed_with_everything_kept_with_it(
    old_post, old_abandoned, old_waiting, personal, member, run_jobs, settings
):
    recent = services.draft_create(author=member, account=personal, posts=["Written today."])
    stored = [Path(settings.MEDIA_ROOT) / name for name in MediaFile.objects.values_list("file", flat=True)]
    assert stored and all(path.exists() for path in stored)
    audit_before = AuditEvent.objects.count()

    with run_jobs():
        summary = jobs.records_retention_sweep()

    assert set(Draft.objects.values_list("pk", flat=True)) == {old_waiting.pk, recent.pk}
    for model in (DraftRevision, DraftTransition, PublishAttempt, Comment, MediaFile, PostOnX):
        assert not model.objects.filter(draft__in=[old_post.pk, old_abandoned.pk]).exists(), model
    assert not MediaFile.objects.exists()
    assert not any(path.exists() for path in stored)  # the stored files too
    event = AuditEvent.objects.get(action="records.retention_swept")
    assert event.object_id == str(personal.pk) and event.actor_label == "retention sweep"
    details = event.details
    assert (details["drafts"], details["drafts_never_published"], details["published_posts"]) == (2, 1, 1)
    assert details["media_files"] == 1 and details["records_of_changes_on_x"] == 1 and details["comments"] == 1
    assert details["retention_years"] == 7
    assert summary[personal.handle]["drafts"] == 2
    # The audit trail is never swept: what it said of the deleted drafts is all still there.
    assert AuditEvent.objects.count() == audit_before + 1
    assert AuditEvent.objects.filter(object_type="tweets.Draft", object_id=str(old_post.pk)).exists()


def test_running_the_sweep_twice_deletes_and_audits_once(old_abandoned, personal):
    retention.retention_sweep()
    second = retention.retention_sweep()

    assert second[personal.handle] == {}
    assert AuditEvent.objects.filter(action="records.retention_swept").count() == 1


def test_a_shorter_period_set_by_an_admin_brings_the_sweep_forward(personal, member, admin_user, lead):
    draft = aged(services.draft_create(author=member, account=personal, posts=["Two years old."]), timedelta(days=800))
    retention.retention_sweep()
    assert Draft.objects.filter(pk=draft.pk).exists()  # seven years by default

    with pytest.raises(Refused):
        account_services.account_retention_change(by=lead, account=personal, years=2)
    account_services.account_retention_change(by=admin_user, account=personal, years=2)
    retention.retention_sweep()

    assert not Draft.objects.filter(pk=draft.pk).exists()
    event = AuditEvent.objects.get(action="account.retention_changed")
    assert (event.actor, event.details["from"], event.details["to"]) == (admin_user, 7, 2)
    for years in (0, 101, "3", True):
        with pytest.raises(account_services.RecordsError):
            account_services.account_retention_change(by=admin_user, account=personal, years=years)


def test_a_change_on_x_within_the_period_keeps_the_post(old_post, personal):
    records.x_change_record(
        draft=old_post,
        kind=PostOnX.Kind.DELETED_ON_X,
        seen_at=timezone.now(),
        source="push",
        detail={"post_id": old_post.published_post_id},
    )
    retention.retention_sweep()
    assert Draft.objects.filter(pk=old_post.pk).exists()


# --- Legal hold ---------------------------------------------------------------------------------------------


def test_a_legal_hold_stops_the_sweep_until_it_is_lifted(old_post, old_abandoned, personal, admin_user):
    account_services.account_legal_hold_set(by=admin_user, account=personal, reason="FOI request 2026/114")

    summary = retention.retention_sweep()

    assert summary[personal.handle] == {"held": True}
    assert Draft.objects.filter(pk__in=[old_post.pk, old_abandoned.pk]).count() == 2
    assert MediaFile.objects.count() == 1 and PostOnX.objects.count() == 1
    assert not AuditEvent.objects.filter(action="records.retention_swept").exists()

    account_services.account_legal_hold_lift(by=admin_user, account=personal, reason="Request answered")
    retention.retention_sweep()

    assert not Draft.objects.filter(pk__in=[old_post.pk, old_abandoned.pk]).exists()


def test_a_hold_placed_while_the_sweep_runs_stops_the_rest(old_post, old_abandoned, personal, admin_user):
    # The sweep read the account before the hold; each draft is checked (with the account row locked) as it goes.
    personal.legal_hold_since = None
    account_services.account_legal_hold_set(by=admin_user, account=personal, reason="Litigation hold")

    assert retention.account_sweep(personal) == {}
    assert Draft.objects.filter(pk__in=[old_post.pk, old_abandoned.pk]).count() == 2


def test_a_legal_hold_stops_deletion_by_anyone(old_post, personal, admin_user, member):
    spare = stored(member, "spare.jpg")  # attached to the draft, shown in no revision: deletable but for the hold
    MediaFile.objects.filter(pk=spare.pk).update(draft=old_post)
    account_services.account_legal_hold_set(by=admin_user, account=personal, reason="Inquiry")
    comment = Comment.objects.get(draft=old_post)

    for delete in (
        lambda: retention.delete_with_everything(old_post),  # the sweep's own deletion, without its checks
        comment.delete,
        MediaFile.objects.get(pk=spare.pk).delete,
        PostOnX.objects.get().delete,
        Comment.objects.filter(draft__account=personal).delete,
    ):
        with pytest.raises(OnLegalHold), transaction.atomic():  # (in the test's transaction: a savepoint each)
            delete()
    assert retention.draft_destroy(old_post.pk) is None
    old_post.refresh_from_db()
    assert old_post.current_revision_id is not None  # the refused deletion changed nothing
    assert Draft.objects.filter(pk=old_post.pk).exists() and Comment.objects.filter(pk=comment.pk).exists()
    assert MediaFile.objects.count() == 2 and PostOnX.objects.count() == 1


def test_a_legal_hold_stops_a_person_deleting_in_the_admin(old_post, personal, admin_user, client):
    comment = Comment.objects.get(draft=old_post)
    client.force_login(admin_user)
    url = reverse("admin:tweets_comment_delete", args=[comment.pk])
    account_services.account_legal_hold_set(by=admin_user, account=personal, reason="Inquiry")

    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Comment.objects.filter(pk=comment.pk).exists()

    account_services.account_legal_hold_lift(by=admin_user, account=personal, reason="Inquiry closed")
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Comment.objects.filter(pk=comment.pk).exists()


def test_only_admins_place_or_lift_a_hold_with_a_reason_and_it_is_audited(personal, admin_user, lead):
    with pytest.raises(Refused):
        account_services.account_legal_hold_set(by=lead, account=personal, reason="Mine")
    with pytest.raises(account_services.RecordsError):
        account_services.account_legal_hold_set(by=admin_user, account=personal, reason=" \x00 ")

    account_services.account_legal_hold_set(by=admin_user, account=personal, reason="FOI\x00 2026/7")
    account_services.account_legal_hold_set(by=admin_user, account=personal, reason="Again")  # changes nothing
    personal.refresh_from_db()
    assert personal.on_legal_hold and personal.legal_hold_by == admin_user
    assert personal.legal_hold_reason == "FOI 2026/7"

    with pytest.raises(Refused):
        account_services.account_legal_hold_lift(by=lead, account=personal, reason="Done")
    with pytest.raises(account_services.RecordsError):
        account_services.account_legal_hold_lift(by=admin_user, account=personal, reason="")
    account_services.account_legal_hold_lift(by=admin_user, account=personal, reason="Answered")
    personal.refresh_from_db()
    assert not personal.on_legal_hold and personal.legal_hold_reason == ""

    placed = AuditEvent.objects.get(action="account.legal_hold_set")
    lifted = AuditEvent.objects.get(action="account.legal_hold_lifted")
    assert (placed.actor, placed.details["reason"], placed.team) == (admin_user, "FOI 2026/7", personal.team)
    assert lifted.details["reason"] == "Answered" and lifted.details["hold"]["reason"] == "FOI 2026/7"
