"""The records export's archive package: a ZIP with records.csv and records.json, a CSV per part (media, changes on
X), the media files, and a manifest whose SHA-256 and size of each file match the files in the package. Media
references and alt text are present; retractions and changes on X are in; hostile text is written safely; direct
messages stay out without a reason; the export is audited."""

import csv
import hashlib
import io
import json
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, TwitterAccount
from reports import exports
from tests.factories import TwitterAccountFactory
from tests.tweets.media_helpers import images
from tweets import records, services
from tweets.models import Draft, MediaFile, PostOnX

MANIFESTS = {"manifest.json", "manifest-sha256.txt"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path, x_sandbox):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.RQ_ASYNC = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    x_sandbox.state.media.check_after_secs = 0


@pytest.fixture
def personal(team, lead, x_sandbox):
    """A personal account known to the sandbox: policy 0, so a submitted draft publishes at once."""
    account = TwitterAccountFactory(team=team, kind=TwitterAccount.Kind.PERSONAL, responsible_person=lead)
    x_sandbox.register_account(account)
    return account


@pytest.fixture
def published(personal, member, lead, django_capture_on_commit_callbacks):
    """A thread with two pictures (one alt text a spreadsheet would run), edited on X; a post retracted."""
    files, attachments = images(member, count=2, alt='=HYPERLINK("https://evil.example") the minister')
    thread = services.draft_create(
        author=member, account=personal, posts=["The library opens.", "More soon."], media=[attachments, []]
    )
    single = services.draft_create(author=member, account=personal, posts=["Wrong date, sorry."])
    with django_capture_on_commit_callbacks(execute=True):
        services.draft_submit(draft=thread, by=member)
        services.draft_submit(draft=single, by=member)
    thread.refresh_from_db()
    single.refresh_from_db()
    assert thread.state == single.state == Draft.State.PUBLISHED
    records.x_change_record(
        draft=thread,
        kind=PostOnX.Kind.EDITED_ON_X,
        seen_at=timezone.now(),
        source="poll",
        detail={"post_id": thread.published_post_id, "previous_text": "The library opens.", "new_text": "Opened!"},
    )
    services.draft_retract(draft=single, by=lead, reason="Wrong date")
    return thread, single, files


def _package(client, user, account, **extra) -> zipfile.ZipFile:
    client.force_login(user)
    today = timezone.localdate()
    params = {"account": account.pk, "format": "zip", **extra}
    for name in ("start", "end"):
        params |= {f"{name}_day": today.day, f"{name}_month": today.month, f"{name}_year": today.year}
    response = client.get(reverse("reports:export"), params)
    assert response.status_code == 200, response.content[:2000]
    assert response.streaming and response["Content-Type"] == "application/zip"
    assert f"records-{account.handle}-" in response["Content-Disposition"] and ".zip" in response["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _csv(package, name) -> list[dict]:
    return list(csv.DictReader(io.StringIO(package.read(name).decode("utf-8"))))


def test_the_manifest_lists_every_file_with_a_sha256_and_size_that_match(client, lead, personal, published):
    package = _package(client, lead, personal)

    assert package.testzip() is None
    names = set(package.namelist())
    manifest = json.loads(package.read("manifest.json"))
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == names - MANIFESTS
    for path, entry in listed.items():
        data = package.read(path)
        assert (entry["size"], entry["sha256"]) == (len(data), hashlib.sha256(data).hexdigest()), path
    lines = package.read("manifest-sha256.txt").decode().splitlines()
    assert sorted(lines) == sorted(f"{f['sha256']}  {f['path']}" for f in manifest["files"])
    assert {"records.csv", "records.json", "media.csv", "changes_on_x.csv"} <= names
    assert manifest["account"] == f"@{personal.handle}" and manifest["algorithm"] == "SHA-256"
    assert manifest["media_missing"] == [] and manifest["media_changed"] == []


def test_media_references_alt_text_and_the_files_themselves_are_in(client, lead, personal, published, x_sandbox):
    thread, _, files = published
    package = _package(client, lead, personal)

    media = _csv(package, "media.csv")
    assert [(m["draft_id"], m["post"], m["order"]) for m in media] == [
        (str(thread.pk), "1", "1"),
        (str(thread.pk), "1", "2"),
    ]
    for row, file in zip(media, files, strict=True):
        assert row["file_name"] == file.original_name and row["mime_type"] == file.mime_type
        assert row["alt_text"].startswith("'=HYPERLINK(")  # a spreadsheet shows it, never runs it
        assert row["x_media_id"] and row["x_media_id"] in {
            m["media_id"] for m in x_sandbox.state.media.by_post[thread.published_post_id]
        }
        stored = package.read(row["archive_path"])
        assert hashlib.sha256(stored).hexdigest() == row["sha256"] == file.sha256
        assert stored == MediaFile.objects.get(pk=file.pk).file.read()
    record = next(r for r in json.loads(package.read("records.json")) if r["draft_id"] == thread.pk)
    assert [m["alt_text"] for m in record["media"]] == [a["alt_text"] for a in media_alts(files)]


def media_alts(files):
    return [{"alt_text": f'=HYPERLINK("https://evil.example") the minister ({i + 1})'} for i in range(len(files))]


def test_retractions_and_changes_on_x_are_in(client, lead, personal, published):
    thread, single, _ = published
    package = _package(client, lead, personal)

    data = {r["draft_id"]: r for r in json.loads(package.read("records.json"))}
    assert data[single.pk]["state"] == "retracted" and data[single.pk]["retraction_reason"] == "Wrong date"
    assert data[single.pk]["retracted_by"] == lead.email
    (retraction,) = data[single.pk]["changes_on_x"]
    assert retraction["kind"] == "retracted" and retraction["detail"]["reason"] == "Wrong date"
    assert retraction["detail"]["posts"][0]["post_id"] == single.published_post_id
    (edit,) = data[thread.pk]["changes_on_x"]
    assert edit["detail"]["new_text"] == "Opened!"
    changes = _csv(package, "changes_on_x.csv")
    assert {(c["draft_id"], c["kind"]) for c in changes} == {
        (str(thread.pk), "edited_on_x"),
        (str(single.pk), "retracted"),
    }
    rows = _csv(package, "records.csv")
    assert any(r["record"] == "change on X" and "now: Opened!" in r["detail"] for r in rows)
    assert any(r["record"] == "media" and "alt text: =HYPERLINK" in r["detail"] for r in rows)
    event = AuditEvent.objects.get(action="records.exported")
    assert event.actor == lead and event.details["format"] == "zip"


def test_a_part_added_later_carries_hostile_text_safely(client, lead, personal, published, monkeypatch):
    hostile = {"text": "=cmd|'/c calc'!A1 \x00 half \ud83d", "nested": {"value": "+1\x00"}}
    part = exports.Part(key="ratings", columns=["text", "nested"], read=lambda draft: [hostile])
    monkeypatch.setattr(exports, "PARTS", [*exports.PARTS, part])

    package = _package(client, lead, personal)

    figures = _csv(package, "ratings.csv")
    assert len(figures) == 2  # one per exported draft
    assert figures[0]["text"] == "'=cmd|'/c calc'!A1  half \ufffd"
    assert json.loads(figures[0]["nested"]) == {"value": "+1"}
    record = json.loads(package.read("records.json"))[0]
    assert record["ratings"] == [{"text": "=cmd|'/c calc'!A1  half \ufffd", "nested": {"value": "+1"}}]
    rows = [r for r in _csv(package, "records.csv") if r["record"] == "ratings"]
    assert len(rows) == 2 and "\x00" not in rows[0]["detail"]


def test_a_media_file_gone_from_storage_is_named_not_silently_left_out(client, lead, personal, published):
    _, _, files = published
    gone = MediaFile.objects.get(pk=files[0].pk)
    gone.file.storage.delete(gone.file.name)

    package = _package(client, lead, personal)

    manifest = json.loads(package.read("manifest.json"))
    assert manifest["media_missing"] == [exports.media_path(gone.sha256, gone.extension)]
    assert manifest["media_missing"][0] not in package.namelist()


def test_direct_message_replies_stay_out_of_the_package_without_a_reason(client, lead, personal, published):
    thread, _, _ = published
    Draft.objects.filter(pk=thread.pk).update(dm_conversation_id="123-456")

    package = _package(client, lead, personal)

    assert thread.pk not in {r["draft_id"] for r in json.loads(package.read("records.json"))}
    assert all(m["draft_id"] != str(thread.pk) for m in _csv(package, "media.csv"))
    assert not any(name.startswith("media/") for name in package.namelist())

    with_reason = _package(client, lead, personal, include_private="on", private_reason="FOI-2026-0042 asks for it")
    assert thread.pk in {r["draft_id"] for r in json.loads(with_reason.read("records.json"))}
