"""Files for media tests: real JPEG/PNG/GIF/WEBP made with Pillow (a JPEG carrying GPS EXIF and XMP), an MP4
made with ffmpeg, SRT captions; and stored media ready to attach."""

import io
import os
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from tweets.media import Attachment, media_store

XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/'
    b'exif/1.0/" exif:GPSLatitude="51,30.2N" exif:GPSLongitude="0,7.6W"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "Canon EOS 5D Mark IV"
    exif[ExifTags.Base.Orientation] = 6  # rotated: the cleaned picture must still stand the right way up
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (0.0, 7.0, 40.1)
    return exif


def image_bytes(fmt="JPEG", size=(64, 48), colour=(200, 30, 30), **kwargs) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt, **kwargs)
    return out.getvalue()


def noise(fmt="PNG", size=(300, 300)) -> bytes:
    """A picture that does not compress: its size after cleaning is about its pixels' size."""
    out = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(out, fmt)
    return out.getvalue()


def jpeg_with_gps(size=(64, 48), colour=(200, 30, 30)) -> bytes:
    return image_bytes("JPEG", size, colour, exif=gps_exif(), xmp=XMP)


def animated_gif(frames=3) -> bytes:
    out = io.BytesIO()
    images = [Image.new("RGB", (20, 20), (i * 80, 255 - i * 80, 40)) for i in range(frames)]
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0, comment=b"secret")
    return out.getvalue()


def mp4(tmp_path, seconds=1.0, size="64x64") -> bytes:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed (bin/ensure-media installs it)")
    path = tmp_path / "clip.mp4"
    source = f"testsrc=duration={seconds}:size={size}:rate=10"
    command = [shutil.which("ffmpeg"), "-v", "error", "-y", "-f", "lavfi", "-i", source, "-c:v", "libx264"]
    subprocess.run([*command, "-pix_fmt", "yuv420p", str(path)], check=True)  # noqa: S603
    return path.read_bytes()


SRT = b"1\n00:00:00,000 --> 00:00:01,000\nThe minister opens the library.\n\n"


def upload(name: str, data: bytes, content_type="application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored(user, name="photo.jpg", data=None, **kwargs):
    return media_store(upload=upload(name, data if data is not None else jpeg_with_gps()), by=user, **kwargs)


def images(user, count=2, alt="The minister cutting the ribbon at the new library in Leeds."):
    """`count` stored images (distinct pictures) and attachments for them with alt text."""
    files = [stored(user, f"photo{i}.jpg", jpeg_with_gps(colour=(10 * i, 80, 200))) for i in range(count)]
    return files, [Attachment(f.pk, alt_text=f"{alt} ({i + 1})") for i, f in enumerate(files)]
