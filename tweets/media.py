"""Media in a draft's posts: what X accepts, checked before anything is stored; images cleaned of location and
camera metadata; the rules for alt text and captions; and which files each revision shows.

X's limits (reference/x-platform-2026.md §3): per post, up to 4 images of 5 MB (JPG, PNG, static GIF, WEBP), or
one animated GIF of 15 MB, or one video of up to 512 MB lasting 0.5 to 140 seconds (H.264 in MP4 or MOV).
Images are read and written again with Pillow, so EXIF (GPS, camera), XMP and comments never reach storage or
X; a video is probed with ffprobe (Debian's ffmpeg). Alt text is required for each image and GIF (X takes up to
1,000 characters); a video needs captions (SRT) or a recorded reason why not.

Bluesky and Mastodon differ (`NETWORK_MEDIA`, said when the draft is written, not when it publishes): Bluesky
takes up to 4 images of at most 1,000,000 bytes each and no GIF or video here yet; Mastodon takes images and GIFs
(not video here yet) with alt text of up to 1,500 characters.
"""

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

import srt
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db.models import Q
from PIL import Image, ImageOps, UnidentifiedImageError

from networks.base import BLUESKY, LABELS, MASTODON, X
from tweets.media_models import MediaFile, RevisionMedia

K = MediaFile.Kind
MB = 1024 * 1024
IMAGE_MAX_BYTES = 5 * MB
GIF_MAX_BYTES = 15 * MB
VIDEO_MAX_BYTES = 512 * MB
CAPTIONS_MAX_BYTES = 512 * 1024
VIDEO_MIN_SECONDS, VIDEO_MAX_SECONDS = 0.5, 140
MAX_IMAGES = 4
ALT_TEXT_MAX = 1000
ALT_TEXT_SHORT = 15  # characters: shorter rarely says what a picture shows
MAX_PIXELS = 40_000_000  # a picture larger than this is refused before decoding (a decompression bomb)

_IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
_VIDEO_CONTAINERS = {"mov", "mp4", "m4a", "3gp", "3g2", "mj2"}  # ffprobe's name for the MP4/QuickTime family


@dataclass(frozen=True)
class NetworkMedia:
    """What a network takes in one post: the kinds of file, the largest image, the longest alt text."""

    kinds: tuple[str, ...]
    alt_text_max: int
    image_max_bytes: int | None = None


NETWORK_MEDIA = {
    X: NetworkMedia(kinds=(K.IMAGE, K.GIF, K.VIDEO), alt_text_max=ALT_TEXT_MAX),
    # app.bsky.embed.images: blobs of up to 1,000,000 bytes; its video embed is not published by Dovecote yet.
    BLUESKY: NetworkMedia(kinds=(K.IMAGE,), alt_text_max=2000, image_max_bytes=1_000_000),
    # Mastodon's media descriptions are capped at 1,500 characters; its provider uploads pictures only.
    MASTODON: NetworkMedia(kinds=(K.IMAGE, K.GIF), alt_text_max=1500),
}


def media_rules(network: str | None) -> NetworkMedia:
    return NETWORK_MEDIA.get(network or X, NETWORK_MEDIA[X])


def network_file_errors(file: MediaFile, network: str | None) -> list[str]:
    """What the account's network will not take about this file (its kind, its size), in words that say what to
    do; nothing for X, whose limits are checked when the file is attached."""
    network = network or X
    rules, label, name = media_rules(network), LABELS.get(network, "X"), file.original_name or "the file"
    if file.kind not in rules.kinds:
        what = {K.VIDEO: "videos", K.GIF: "GIFs"}.get(file.kind, "this kind of file")
        return [f"{name}: Dovecote cannot post {what} to {label} yet. Remove it, or post it from an X account."]
    if rules.image_max_bytes and file.is_visual and file.size > rules.image_max_bytes:
        return [
            f"{name} is {file.size:,} bytes; {label} takes pictures of up to {rules.image_max_bytes:,} bytes. "
            "Save it smaller (fewer pixels or a lower quality) and attach it again."
        ]
    return []


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB"


# --- Checking and cleaning one file ------------------------------------------------------------------------


@dataclass
class Checked:
    """A file as it will be stored: its kind, type and measures, and its (cleaned) content."""

    kind: str
    mime_type: str
    content: File
    size: int
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None


def check_image(name: str, data: bytes) -> Checked:
    """An image X accepts, read and written again without its metadata; ValidationError saying what to fix."""
    try:
        image = Image.open(io.BytesIO(data))
        image_format = image.format
        if image_format not in _IMAGE_FORMATS:
            raise ValidationError(
                f"{name} is a {image_format or 'kind of'} file, which X does not take as an image. "
                "Save it as JPG, PNG, GIF or WEBP and attach it again."
            )
        if image.width * image.height > MAX_PIXELS:
            raise ValidationError(f"{name} is too large ({image.width}×{image.height} pixels). Make it smaller.")
        animated = getattr(image, "n_frames", 1) > 1
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            f"{name} could not be read as an image. Check it opens on your computer, save it as JPG or PNG "
            "and attach it again."
        ) from exc
    kind = K.GIF if image_format == "GIF" and animated else K.IMAGE
    limit = GIF_MAX_BYTES if kind == K.GIF else IMAGE_MAX_BYTES
    cleaned, (width, height) = _without_metadata(image, image_format, animated)
    if len(cleaned) > limit:
        what = "an animated GIF" if kind == K.GIF else "an image"
        raise ValidationError(
            f"{name} is {_mb(len(cleaned))}; X takes {what} of up to {_mb(limit)}. Make it smaller "
            "(fewer pixels or, for a photo, JPG) and attach it again."
        )
    return Checked(
        kind=kind,
        mime_type=_IMAGE_FORMATS[image_format],
        content=ContentFile(cleaned),
        size=len(cleaned),
        width=width,
        height=height,
    )


def _without_metadata(image: Image.Image, image_format: str, animated: bool) -> tuple[bytes, tuple[int, int]]:
    """The picture written again with none of its EXIF (location, camera), XMP or comments. A photo's EXIF
    orientation is applied to the pixels first, so it still shows the right way up."""
    out = io.BytesIO()
    icc = image.info.get("icc_profile")  # colour, not identity: kept so colours stay true
    if animated:
        frames = {"save_all": True, "duration": image.info.get("duration", 100), "loop": image.info.get("loop", 0)}
        image.info = {key: image.info[key] for key in ("transparency", "background") if key in image.info}
        image.save(out, format=image_format, **frames)
        return out.getvalue(), image.size
    upright = ImageOps.exif_transpose(image)
    clean = upright.copy()
    clean.info = {key: image.info[key] for key in ("transparency",) if key in image.info}
    options = {"icc_profile": icc} if icc else {}
    if image_format == "JPEG":
        options.update(quality=92, optimize=True)
        if clean.mode not in ("RGB", "L", "CMYK"):
            clean = clean.convert("RGB")
    elif image_format == "WEBP":
        options.update(quality=90)
    clean.save(out, format=image_format, **options)
    return out.getvalue(), clean.size


def check_video(name: str, path: str, size: int) -> Checked:
    """A video X accepts (probed with ffprobe), or ValidationError saying what to fix."""
    if size > VIDEO_MAX_BYTES:
        raise ValidationError(f"{name} is {_mb(size)}; X takes a video of up to 512 MB. Shorten or compress it.")
    probe = _ffprobe(name, path)
    containers = set((probe.get("format", {}).get("format_name") or "").split(","))
    streams = probe.get("streams") or []
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    if not containers & _VIDEO_CONTAINERS or video is None:
        raise ValidationError(f"{name} is not an MP4 or MOV video. Export it as MP4 (H.264) and attach it again.")
    if video.get("codec_name") != "h264":
        raise ValidationError(
            f"{name} uses the {video.get('codec_name') or 'unknown'} video format; X takes H.264. "
            "Export it as MP4 (H.264, AAC sound) and attach it again."
        )
    try:
        seconds = float(probe.get("format", {}).get("duration") or video.get("duration") or 0)
    except ValueError:
        seconds = 0.0
    if not VIDEO_MIN_SECONDS <= seconds <= VIDEO_MAX_SECONDS:
        raise ValidationError(
            f"{name} lasts {seconds:.1f} seconds; X takes videos of 0.5 to 140 seconds (2 minutes 20). "
            "Trim it and attach it again."
        )
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    with open(path, "rb") as handle:
        content = ContentFile(handle.read()) if size <= 8 * MB else None
    return Checked(
        kind=K.VIDEO,
        mime_type="video/quicktime" if "mov" in containers and "mp4" not in containers else "video/mp4",
        content=content or File(open(path, "rb")),  # noqa: SIM115 - closed by the caller once stored
        size=size,
        width=width or None,
        height=height or None,
        duration_ms=int(seconds * 1000),
    )


def _ffprobe(name: str, path: str) -> dict:
    binary = shutil.which("ffprobe")
    if binary is None:
        raise ValidationError(
            "Videos can't be checked on this server (ffprobe is missing): ask an administrator to install ffmpeg."
        )
    try:
        result = subprocess.run(  # noqa: S603 - a fixed program on a file we wrote
            [binary, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", path],
            capture_output=True,
            timeout=60,
            check=False,
        )
        probe = json.loads(result.stdout or b"{}")
    except (subprocess.TimeoutExpired, ValueError) as exc:
        raise ValidationError(f"{name} could not be read as a video. Export it as MP4 and attach it again.") from exc
    if result.returncode != 0 or not isinstance(probe, dict):
        raise ValidationError(f"{name} could not be read as a video. Export it as MP4 and attach it again.")
    return probe


def check_captions(name: str, data: bytes) -> Checked:
    """Captions in SubRip (SRT) form, each cue with a time and text, or ValidationError saying what to fix."""
    if len(data) > CAPTIONS_MAX_BYTES:
        raise ValidationError(f"{name} is {_mb(len(data))}; a captions file should be well under 512 KB.")
    try:
        text = data.decode("utf-8-sig")
        cues = list(srt.parse(text, ignore_errors=False))
    except (UnicodeDecodeError, srt.SRTParseError, ValueError) as exc:
        raise ValidationError(
            f"{name} is not a captions file in SRT form (numbered cues, each with a time like "
            "00:00:01,000 --> 00:00:04,000 and its words). Export the captions as SRT and attach them again."
        ) from exc
    if not cues:
        raise ValidationError(f"{name} has no captions in it. Export the captions as SRT and attach them again.")
    for cue in cues:
        if cue.end <= cue.start or not cue.content.strip():
            raise ValidationError(
                f"{name}: caption {cue.index} ends before it starts or has no words. Correct it and attach it again."
            )
    cleaned = srt.compose(cues).encode("utf-8")
    return Checked(kind=K.CAPTIONS, mime_type="text/srt", content=ContentFile(cleaned), size=len(cleaned))


def check_upload(upload, *, captions: bool = False) -> Checked:
    """Check an uploaded file (Django's UploadedFile) by what it is, not by what its name says."""
    name = _display_name(upload.name)
    if not upload.size:
        raise ValidationError(f"{name} is empty. Choose the file again.")
    if captions:
        return check_captions(name, upload.read(CAPTIONS_MAX_BYTES + 1))
    head = upload.read(16)
    upload.seek(0)
    if _looks_like_video(head):
        return _checked_video(name, upload)
    if upload.size > GIF_MAX_BYTES:
        raise ValidationError(f"{name} is {_mb(upload.size)}; X takes an image of up to 5 MB or a GIF of up to 15 MB.")
    return check_image(name, upload.read())


def _looks_like_video(head: bytes) -> bool:
    return head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free") or head[:4] == b"\x1a\x45\xdf\xa3"


def _checked_video(name: str, upload) -> Checked:
    path = getattr(upload, "temporary_file_path", None)
    if path is not None:
        return check_video(name, path(), upload.size)
    with tempfile.NamedTemporaryFile(suffix=".video") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
        handle.flush()
        return check_video(name, handle.name, upload.size)


def _display_name(name: str | None) -> str:
    base = "".join(ch for ch in os.path.basename(name or "") if ch.isprintable()).strip() or "The file"
    return base[:100]


def media_store(*, upload, by, captions: bool = False) -> MediaFile:
    """Check and clean an uploaded file, then keep it in the default storage. Only `by` may use it until it
    is attached to a draft. Raises ValidationError saying what to fix."""
    checked = check_upload(upload, captions=captions)
    digest = hashlib.sha256()
    checked.content.seek(0)
    for chunk in checked.content.chunks():
        digest.update(chunk)
    checked.content.seek(0)
    media = MediaFile(
        kind=checked.kind,
        original_name=_display_name(upload.name),
        mime_type=checked.mime_type,
        size=checked.size,
        sha256=digest.hexdigest(),
        width=checked.width,
        height=checked.height,
        duration_ms=checked.duration_ms,
        uploaded_by=by,
    )
    try:
        media.file.save("upload", checked.content, save=False)
    finally:
        checked.content.close()
    media.save()
    return media


# --- Alt text and captions ------------------------------------------------------------------------------------

_CAMERA_NAME = re.compile(r"^(img|dsc|dscn|pxl|photo|image|screenshot|screen shot)[\s_-]?\d", re.IGNORECASE)


def alt_text_problems(alt_text: str, file_name: str, *, network: str | None = None) -> tuple[list[str], list[str]]:
    """(errors, hints) for an image's or GIF's alt text: missing, too long for the account's network or just the
    file name are errors; too short is a hint."""
    alt = (alt_text or "").strip()
    limit, label = media_rules(network).alt_text_max, LABELS.get(network or X, "X")
    stem = os.path.splitext(os.path.basename(file_name or ""))[0].strip().lower()
    if not alt:
        return [f"Add alt text to {file_name}: say what the picture shows for people who can't see it."], []
    if len(alt) > limit:
        return [f"The alt text of {file_name} is {len(alt)} characters; {label} takes up to {limit}. Shorten it."], []
    if alt.lower() in (stem, os.path.basename(file_name or "").lower()) or _CAMERA_NAME.match(alt):
        return [f"The alt text of {file_name} is its file name. Describe what the picture shows instead."], []
    if len(alt) < ALT_TEXT_SHORT:
        return [], [f"The alt text of {file_name} is very short: does it say what the picture shows and why?"]
    return [], []


@dataclass(frozen=True)
class Attachment:
    """One file in one post, as a form or a revision gives it."""

    media_id: int
    alt_text: str = ""
    captions_id: int | None = None
    no_captions_reason: str = ""


def clean_media(
    media: list[list[Attachment]] | None, *, posts: int, files: dict[int, MediaFile], network: str | None = None
) -> list:
    """Check each post's media against the network's limits (X's unless said) and the alt-text and captions rules;
    return them tidied
    (alt text stripped, fields a kind does not use emptied) or raise ValidationError with every problem."""
    media = list(media or [])
    errors: list[str] = []
    if any(media[posts:]):
        errors.append("Media are attached to a post that is no longer in the thread. Remove them or add the post.")
    cleaned = []
    for index, items in enumerate(media[:posts]):
        prefix = f"Post {index + 1}: " if posts > 1 else ""
        post_items = []
        kinds = []
        for item in items:
            file = files.get(item.media_id)
            if file is None or file.kind == K.CAPTIONS:
                errors.append(prefix + "A file attached to this post is no longer available. Attach it again.")
                continue
            kinds.append(file.kind)
            errors.extend(prefix + p for p in network_file_errors(file, network))
            if file.is_visual:
                problems, _ = alt_text_problems(item.alt_text, file.original_name or "the image", network=network)
                errors.extend(prefix + p for p in problems)
                post_items.append(Attachment(file.pk, alt_text=item.alt_text.strip()))
            else:
                captions = files.get(item.captions_id) if item.captions_id else None
                reason = (item.no_captions_reason or "").strip()
                if captions is None and not reason:
                    errors.append(
                        prefix + f"Add captions (an SRT file) to {file.original_name or 'the video'}, or say why "
                        "it has none (for example: it has no speech or sound that carries meaning)."
                    )
                post_items.append(
                    Attachment(file.pk, captions_id=captions.pk if captions else None, no_captions_reason=reason)
                )
        errors.extend(prefix + e for e in combination_errors(kinds))
        cleaned.append(post_items)
    while cleaned and not cleaned[-1]:
        cleaned.pop()
    if errors:
        raise ValidationError(errors)
    return cleaned


def combination_errors(kinds: list[str]) -> list[str]:
    if not kinds:
        return []
    if (K.VIDEO in kinds or K.GIF in kinds) and len(kinds) > 1:
        return [
            "A post can have up to 4 images, or one GIF, or one video: not more, and not mixed. Move the others "
            "to another post of the thread."
        ]
    if len(kinds) > MAX_IMAGES:
        return [f"A post can have up to {MAX_IMAGES} images; this one has {len(kinds)}. Move some to another post."]
    return []


def usable_files(user, ids, *, draft=None) -> dict[int, MediaFile]:
    """The files with these ids that `user` may attach: their own not yet attached, or this draft's."""
    ids = {int(i) for i in ids if (str(i).isascii() and str(i).isdigit()) and len(str(i)) < 12}
    if not ids:
        return {}
    mine = Q(uploaded_by=user, draft__isnull=True)
    allowed = mine | Q(draft=draft) if draft is not None else mine
    return {file.pk: file for file in MediaFile.objects.filter(allowed, pk__in=ids)}


# --- Media of a revision -----------------------------------------------------------------------------------------


def revision_media(revision) -> list[list[RevisionMedia]]:
    """Each post's media rows (with their files), in order; [] for a revision without media."""
    if revision is None:
        return []
    rows = list(revision.media.select_related("media", "captions").order_by("position", "order"))
    if not rows:
        return []
    by_post: list[list[RevisionMedia]] = [[] for _ in range(max(row.position for row in rows) + 1)]
    for row in rows:
        by_post[row.position].append(row)
    return by_post


def attachments_of(revision) -> list[list[Attachment]]:
    """A revision's media as attachments (comparable with what a form sends)."""
    return [
        [Attachment(r.media_id, r.alt_text, r.captions_id, r.no_captions_reason) for r in rows]
        for rows in revision_media(revision)
    ]


def media_attach(revision, media: list[list[Attachment]], *, draft) -> None:
    """Store a new revision's media (call in the transaction that made it); the files become the draft's."""
    rows = [
        RevisionMedia(
            revision=revision,
            position=position,
            order=order,
            media_id=item.media_id,
            alt_text=item.alt_text,
            captions_id=item.captions_id,
            no_captions_reason=item.no_captions_reason,
        )
        for position, items in enumerate(media)
        for order, item in enumerate(items)
    ]
    if not rows:
        return
    RevisionMedia.objects.bulk_create(rows)
    ids = {row.media_id for row in rows} | {row.captions_id for row in rows if row.captions_id}
    MediaFile.objects.filter(pk__in=ids, draft__isnull=True).update(draft=draft)


def media_by_revision(revision_ids) -> dict[int, list[list[RevisionMedia]]]:
    """Each revision's media (as revision_media gives them), for many revisions in one query."""
    found: dict[int, list[list[RevisionMedia]]] = {pk: [] for pk in revision_ids}
    rows = RevisionMedia.objects.filter(revision_id__in=found).select_related("media", "captions")
    for row in rows.order_by("revision_id", "position", "order"):
        posts = found[row.revision_id]
        while len(posts) <= row.position:
            posts.append([])
        posts[row.position].append(row)
    return found


def media_changes(before: list[list[RevisionMedia]], after: list[list[RevisionMedia]]) -> list[str]:
    """What changed in the media between two revisions, in words an approver reads: files added, removed or
    moved, alt text, captions and the reason for none."""
    changes = []
    for position in range(max(len(before), len(after))):
        old = before[position] if position < len(before) else []
        new = after[position] if position < len(after) else []
        prefix = f"Post {position + 1}: "
        old_by, new_by = {r.media_id: r for r in old}, {r.media_id: r for r in new}
        for row in new:
            if row.media_id not in old_by:
                alt = f", alt text “{row.alt_text}”" if row.alt_text else ""
                changes.append(f"{prefix}{row.media.original_name} ({row.media.get_kind_display().lower()}) added{alt}")
        for row in old:
            if row.media_id not in new_by:
                changes.append(f"{prefix}{row.media.original_name} removed")
        for row in new:
            was = old_by.get(row.media_id)
            if was is None:
                continue
            name = row.media.original_name
            if was.alt_text != row.alt_text:
                changes.append(f"{prefix}alt text of {name} changed from “{was.alt_text}” to “{row.alt_text}”")
            if was.captions_id != row.captions_id:
                captions = row.captions.original_name if row.captions else "none"
                changes.append(f"{prefix}captions of {name} changed to {captions}")
            if was.no_captions_reason != row.no_captions_reason:
                changes.append(f"{prefix}why {name} has no captions: “{row.no_captions_reason}”")
        kept_old = [r.media_id for r in old if r.media_id in new_by]
        kept_new = [r.media_id for r in new if r.media_id in old_by]
        if kept_old != kept_new:
            changes.append(f"{prefix}the pictures are in a different order")
    return changes


def srt_to_vtt(text: str) -> str:
    """Captions stored as SRT (checked by check_captions) in WebVTT, which browsers' <track> reads."""
    cues = srt.parse(text)
    lines = ["WEBVTT", ""]
    for cue in cues:
        lines += [f"{_vtt_time(cue.start)} --> {_vtt_time(cue.end)}", cue.content, ""]
    return "\n".join(lines)


def _vtt_time(moment) -> str:
    total = int(moment.total_seconds() * 1000)
    hours, rest = divmod(total, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02}:{minutes:02}:{seconds:02}.{millis:03}"
