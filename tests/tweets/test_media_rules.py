"""What X accepts in a post, checked before anything is stored: formats, sizes, GIFs, video length, how many and
which together; alt text and captions; and images cleaned of location and camera metadata (a real JPEG with GPS
EXIF and XMP, PNG and WEBP with EXIF, a GIF with a comment)."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import ExifTags, Image

from tests.tweets.media_helpers import (
    SRT,
    XMP,
    animated_gif,
    gps_exif,
    image_bytes,
    jpeg_with_gps,
    mp4,
    noise,
    stored,
    upload,
)
from tweets import media
from tweets.media import Attachment, alt_text_problems, clean_media
from tweets.models import MediaFile

K = MediaFile.Kind


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


# --- Metadata ---------------------------------------------------------------------------------------------


def test_a_jpeg_from_a_phone_loses_its_location_camera_and_xmp_before_it_is_stored(member):
    original = jpeg_with_gps(size=(64, 48))
    before = Image.open(io.BytesIO(original))
    assert before.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] == (51.0, 30.0, 12.5)
    assert "xmp" in before.info
    file = stored(member, "IMG_2041.jpg", original)
    with file.file.open("rb") as handle:
        kept = handle.read()
    after = Image.open(io.BytesIO(kept))
    assert len(after.getexif()) == 0
    assert "exif" not in after.info and "xmp" not in after.info
    for marker in (b"Exif", b"GPS", b"Canon", b"xmpmeta", b"51,30.2N"):
        assert marker not in kept
    # The EXIF orientation (6: turned a quarter) is applied to the pixels, so it still stands the right way up.
    assert after.size == (48, 64) == (file.width, file.height)
    assert file.original_name == "IMG_2041.jpg" and "IMG_2041" not in file.file.name


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_lose_their_exif_too(member, fmt):
    extra = {"exif": gps_exif()} | ({"xmp": XMP} if fmt == "WEBP" else {})
    original = image_bytes(fmt, **extra)
    assert len(Image.open(io.BytesIO(original)).getexif()) > 0
    file = stored(member, f"map.{fmt.lower()}", original)
    with file.file.open("rb") as handle:
        after = Image.open(io.BytesIO(handle.read()))
    assert len(after.getexif()) == 0 and "xmp" not in after.info
    assert file.mime_type == f"image/{fmt.lower()}"


def test_an_animated_gif_keeps_its_frames_and_loses_its_comment(member):
    file = stored(member, "wave.gif", animated_gif(frames=3))
    assert file.kind == K.GIF
    with file.file.open("rb") as handle:
        data = handle.read()
    after = Image.open(io.BytesIO(data))
    assert after.n_frames == 3
    assert b"secret" not in data


# --- Files X refuses ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("notes.txt", b"hello, this is not a picture", "could not be read as an image"),
        ("scan.bmp", image_bytes("BMP"), "X does not take as an image"),
        ("scan.tiff", image_bytes("TIFF"), "X does not take as an image"),
        ("empty.png", b"", "is empty"),
        ("huge.png", b"\x89PNG" + b"0" * (16 * 1024 * 1024), "5 MB"),
        ("truncated.jpg", jpeg_with_gps()[:200], "could not be read as an image"),
    ],
)
def test_files_x_refuses_are_refused_saying_what_to_fix(member, name, data, message):
    with pytest.raises(ValidationError) as raised:
        stored(member, name, data)
    assert message in " ".join(raised.value.messages)
    assert name in " ".join(raised.value.messages) or "empty" in message
    assert not MediaFile.objects.exists()


def test_an_image_over_5_mb_after_cleaning_is_refused(member, monkeypatch):
    monkeypatch.setattr(media, "IMAGE_MAX_BYTES", 1000)
    with pytest.raises(ValidationError, match="X takes an image of up to"):
        stored(member, "big.png", noise("PNG"))


def test_a_picture_too_many_pixels_is_refused_before_decoding(member, monkeypatch):
    monkeypatch.setattr(media, "MAX_PIXELS", 100)
    with pytest.raises(ValidationError):
        stored(member, "wide.png", image_bytes("PNG", size=(50, 50)))


@pytest.mark.parametrize(
    "seconds, ok",
    [(0.3, False), (1.0, True), (141.0, False)],
)
def test_a_video_must_last_half_a_second_to_140_seconds(member, tmp_path, seconds, ok):
    data = mp4(tmp_path, seconds=seconds, size="32x32")
    if ok:
        file = stored(member, "clip.mp4", data)
        assert (file.kind, file.mime_type) == (K.VIDEO, "video/mp4")
        assert 900 <= file.duration_ms <= 1100
    else:
        with pytest.raises(ValidationError, match="0.5 to 140 seconds"):
            stored(member, "clip.mp4", data)


def test_a_file_that_says_it_is_a_video_but_is_not_is_refused(member):
    with pytest.raises(ValidationError, match="could not be read as a video|not an MP4"):
        stored(member, "clip.mp4", b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 50)


@pytest.mark.parametrize(
    "data, ok",
    [
        (SRT, True),
        (b"1\n00:00:02,000 --> 00:00:01,000\nBackwards\n\n", False),
        (b"just some words", False),
        (b"\xff\xfe\x00bad", False),
    ],
)
def test_captions_must_be_srt(member, data, ok):
    if ok:
        assert stored(member, "clip.srt", data, captions=True).kind == K.CAPTIONS
    else:
        with pytest.raises(ValidationError, match="SRT|caption"):
            stored(member, "clip.srt", data, captions=True)


# --- Alt text -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "alt, error, hint",
    [
        ("", "Add alt text", None),
        ("   ", "Add alt text", None),
        ("a" * 1001, "X takes up to 1000", None),
        ("a" * 1000, None, None),
        ("IMG_2041", "is its file name", None),
        ("img_2041.jpg", "is its file name", None),
        ("DSC_0001 at the event", "is its file name", None),
        ("A dog", None, "very short"),
        ("The minister cutting the ribbon at the new library.", None, None),
    ],
)
def test_alt_text_rules(alt, error, hint):
    errors, hints = alt_text_problems(alt, "IMG_2041.jpg")
    assert (error is None) == (not errors)
    assert (hint is None) == (not hints)
    if error:
        assert error in errors[0]
    if hint:
        assert hint in hints[0]


# --- What may go together in a post ------------------------------------------------------------------------------


def _files(member, kinds):
    made = []
    for kind in kinds:
        if kind == "image":
            made.append(stored(member, "photo.jpg", jpeg_with_gps(colour=(len(made) * 20, 0, 0))))
        elif kind == "gif":
            made.append(stored(member, "wave.gif", animated_gif()))
        else:
            file = MediaFile.objects.create(
                kind=K.VIDEO, mime_type="video/mp4", size=10, sha256="0" * 64, uploaded_by=member, file="x.mp4"
            )
            made.append(file)
    return made


ALT = "The minister cutting the ribbon at the new library."


@pytest.mark.parametrize(
    "kinds, ok",
    [
        (["image"], True),
        (["image"] * 4, True),
        (["image"] * 5, False),
        (["gif"], True),
        (["gif", "image"], False),
        (["video"], True),
        (["video", "image"], False),
        (["video", "gif"], False),
    ],
)
def test_a_post_has_up_to_4_images_or_one_gif_or_one_video(member, kinds, ok):
    files = _files(member, kinds)
    items = [Attachment(f.pk, alt_text=ALT, no_captions_reason="Music only, no speech.") for f in files]
    by_id = {f.pk: f for f in files}
    if ok:
        assert clean_media([items], posts=1, files=by_id) == [
            [
                Attachment(
                    f.pk,
                    alt_text=ALT if f.is_visual else "",
                    no_captions_reason="" if f.is_visual else "Music only, no speech.",
                )
                for f in files
            ]
        ]
    else:
        with pytest.raises(ValidationError, match="up to 4 images"):
            clean_media([items], posts=1, files=by_id)


def test_a_video_needs_captions_or_a_reason(member):
    (video,) = _files(member, ["video"])
    with pytest.raises(ValidationError, match="Add captions"):
        clean_media([[Attachment(video.pk)]], posts=1, files={video.pk: video})
    captions = stored(member, "clip.srt", SRT, captions=True)
    files = {video.pk: video, captions.pk: captions}
    assert clean_media([[Attachment(video.pk, captions_id=captions.pk)]], posts=1, files=files)


def test_each_post_of_a_thread_is_checked_and_named(member):
    first, second = _files(member, ["image", "image"])
    media_ = [[Attachment(first.pk, alt_text=ALT)], [Attachment(second.pk)]]
    with pytest.raises(ValidationError) as raised:
        clean_media(media_, posts=2, files={first.pk: first, second.pk: second})
    assert raised.value.messages == [
        "Post 2: Add alt text to photo.jpg: say what the picture shows for people who can't see it."
    ]


def test_media_on_a_post_not_in_the_thread_are_refused(member):
    (file,) = _files(member, ["image"])
    with pytest.raises(ValidationError, match="no longer in the thread"):
        clean_media([[], [Attachment(file.pk, alt_text=ALT)]], posts=1, files={file.pk: file})


def test_a_file_someone_else_uploaded_cannot_be_attached(member, lead, account):
    from tweets import services

    (theirs,) = _files(lead, ["image"])
    with pytest.raises(ValidationError, match="no longer available"):
        services.draft_create(
            author=member, account=account, text="Borrowed picture.", media=[[Attachment(theirs.pk, alt_text=ALT)]]
        )


def test_upload_names_are_never_trusted_for_the_type(member):
    file = stored(member, "looks-like.gif", image_bytes("PNG"))
    assert (file.kind, file.mime_type) == (K.IMAGE, "image/png")
    assert upload("x", b"").name == "x"


def test_files_never_saved_into_a_draft_are_forgotten_after_two_days(member, account):
    import time_machine
    from django.utils import timezone

    from tweets import services
    from tweets.media_jobs import media_unattached_purge

    with time_machine.travel(timezone.now() - timezone.timedelta(days=3)):
        forgotten = stored(member, "left.jpg")
        kept = stored(member, "kept.jpg", jpeg_with_gps(colour=(1, 2, 3)))
    services.draft_create(author=member, account=account, text="Kept.", media=[[Attachment(kept.pk, ALT)]])
    recent = stored(member, "recent.jpg", jpeg_with_gps(colour=(4, 5, 6)))
    path = forgotten.file.path
    assert media_unattached_purge() == 1
    assert set(MediaFile.objects.values_list("pk", flat=True)) == {kept.pk, recent.pk}
    assert not __import__("os").path.exists(path)
    assert media_unattached_purge() == 0
