"""The media step of publishing (tweets.publishing): just before a post is sent, its media go up to X.

Three parts, because the calls to X run in worker threads that must not touch the database:
1. `plan` (database): each post's media rows, and the uploads of the same files X still keeps for the account
   (an id is reused only while it has more than settings.X_MEDIA_REUSE_MARGIN_SECONDS to live);
2. `upload` (X only): upload what has no valid id, give images and GIFs their alt text and videos their
   captions when X does not hold them yet; it returns what it did even when a later call fails;
3. `record` (database): the new ids and what X now holds, so a retry reuses them instead of uploading again.
A retry after an uncertain post reuses the same ids, so a post that did reach X is found by reconciling and
the media are never attached twice.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from networks import X, provider_for
from tweets.media_models import MediaFile, MediaUpload, RevisionMedia
from tweets.models import PublishAttempt
from twitter_api import media as x_media
from twitter_api.errors import InvalidRequest, XApiError


@dataclass
class Job:
    """One post's media, to upload as `account`."""

    account: object
    items: list[RevisionMedia]
    kept: dict[int, MediaUpload]  # MediaFile id -> an upload X still keeps


@dataclass
class Held:
    """What X holds for one file after the step (new or reused)."""

    media_file_id: int
    x_media_id: str
    media_key: str = ""
    expires_at: object = None
    alt_text: str = ""
    captions_file_id: int | None = None
    upload_pk: int | None = None  # the MediaUpload row it came from; None when uploaded now


@dataclass
class Result:
    account_id: int
    ids: list[str] = field(default_factory=list)
    held: list[Held] = field(default_factory=list)
    error: XApiError | None = None


def plans(posts: list[tuple[object, int]]) -> list[Job | None]:
    """For each (draft, position): that post's media in the draft's current revision, with the uploads X still
    keeps for the account (reusable), or None for a post without media. Two queries, however many drafts."""
    revisions = {draft.current_revision_id for draft, _ in posts}
    rows: dict[tuple[int, int], list[RevisionMedia]] = {}
    for row in (
        RevisionMedia.objects.filter(revision_id__in=revisions).select_related("media", "captions").order_by("order")
    ):
        rows.setdefault((row.revision_id, row.position), []).append(row)
    wanted = [(draft, rows.get((draft.current_revision_id, position))) for draft, position in posts]
    fresh_until = timezone.now() + timedelta(seconds=settings.X_MEDIA_REUSE_MARGIN_SECONDS)
    kept: dict[tuple[int, int], MediaUpload] = {}
    files = {row.media_id for _, items in wanted for row in items or ()}
    if files:
        for upload in MediaUpload.objects.filter(
            media_id__in=files, account_id__in={draft.account_id for draft, _ in wanted}, expires_at__gt=fresh_until
        ).order_by("-expires_at"):
            kept.setdefault((upload.account_id, upload.media_id), upload)
    return [
        Job(
            account=draft.account,
            items=items,
            kept={row.media_id: kept[key] for row in items if (key := (draft.account_id, row.media_id)) in kept},
        )
        if items
        else None
        for draft, items in wanted
    ]


def _send_file(account, file: MediaFile):
    with file.file.open("rb") as handle:
        return x_media.media_upload(
            account,
            chunks=x_media.chunked(handle),
            total_bytes=file.size,
            media_type=file.mime_type,
            category=x_media.CATEGORIES[file.kind],
        )


# How long another network keeps what was uploaded but not yet posted, as far as reusing it goes (Bluesky collects
# blobs no record uses; Mastodon keeps unattached media for a day): an hour, to be safe.
OTHER_NETWORK_KEEPS = timedelta(hours=1)


def _upload_elsewhere(job: Job, result: Result) -> Result:
    """Bluesky and Mastodon: each image goes up with its alt text in one call (networks provider); no captions."""
    provider = provider_for(job.account)
    for item in job.items:
        file = item.media
        try:
            kept = job.kept.get(file.pk)
            if kept is not None and kept.alt_text == (item.alt_text or ""):
                held = Held(file.pk, kept.x_media_id, "", kept.expires_at, kept.alt_text, upload_pk=kept.pk)
            else:
                with file.file.open("rb") as handle:
                    media_id = provider.media_upload(
                        job.account, data=handle.read(), mime_type=file.mime_type, alt_text=item.alt_text or ""
                    )
                held = Held(file.pk, media_id, "", timezone.now() + OTHER_NETWORK_KEEPS, item.alt_text or "")
            result.held.append(held)
            result.ids.append(held.x_media_id)
        except XApiError as exc:
            result.error = exc
            return result
    return result


def upload(job: Job) -> Result:
    """Put the post's media on X (in a worker thread: no database). Stops at the first refusal, keeping what
    was done before it in the result."""
    result = Result(account_id=job.account.pk)
    if (getattr(job.account, "network", X) or X) != X:
        return _upload_elsewhere(job, result)
    for item in job.items:
        file = item.media
        try:
            kept = job.kept.get(file.pk)
            if kept is not None:
                held = Held(
                    file.pk,
                    kept.x_media_id,
                    kept.media_key,
                    kept.expires_at,
                    kept.alt_text,
                    kept.captions_file_id,
                    upload_pk=kept.pk,
                )
            else:
                uploaded = _send_file(job.account, file)
                held = Held(file.pk, uploaded.id, uploaded.media_key, uploaded.expires_at)
            result.held.append(held)
            if file.is_visual and item.alt_text and held.alt_text != item.alt_text:
                x_media.media_alt_text(job.account, media_id=held.x_media_id, text=item.alt_text)
                held.alt_text = item.alt_text
            if item.captions_id and held.captions_file_id != item.captions_id:
                captions = _send_file(job.account, item.captions)
                x_media.media_subtitles(job.account, media_id=held.x_media_id, subtitles_id=captions.id)
                held.captions_file_id = item.captions_id
            result.ids.append(held.x_media_id)
        except XApiError as exc:
            result.error = exc
            return result
    return result


def record(results: list[Result]) -> None:
    """Keep what X now holds: new ids, and alt text or captions given to ids reused."""
    new = []
    for result in results:
        for held in result.held:
            if held.upload_pk is None:
                new.append(
                    MediaUpload(
                        media_id=held.media_file_id,
                        account_id=result.account_id,
                        x_media_id=held.x_media_id,
                        media_key=held.media_key,
                        expires_at=held.expires_at,
                        alt_text=held.alt_text,
                        captions_file_id=held.captions_file_id,
                    )
                )
            else:
                MediaUpload.objects.filter(pk=held.upload_pk).update(
                    alt_text=held.alt_text, captions_file_id=held.captions_file_id
                )
    MediaUpload.objects.bulk_create(new)


def refused_for_media(exc: XApiError) -> bool:
    """Did X refuse a post because of its media ids (expired sooner than it said, say)? Then they are
    forgotten and the post tried again with fresh uploads."""
    return isinstance(exc, InvalidRequest) and "media" in exc.message.lower()


def forget(account, media_ids: list[str]) -> None:
    MediaUpload.objects.filter(account=account, x_media_id__in=media_ids).update(expires_at=timezone.now())


def record_failed_try(draft, position: int, token: str, error: XApiError) -> None:
    """A post whose media could not go up counts as a failed try of it, so media that never go up end in failure
    after as many tries as a post would."""
    PublishAttempt.objects.create(
        draft=draft,
        revision_id=draft.current_revision_id,
        position=position,
        claim_token=token,
        state=PublishAttempt.State.FAILED,
        error_kind="transient",
        error=f"Uploading the media: {error.message}",
        finished_at=timezone.now(),
    )
