"""The records export as an archive package: a ZIP written as it is sent (constant memory, however long the range
or large the media), holding

- records.csv: one row per event in each post's life (reports.exports.as_csv);
- records.json: the same records in full (reports.exports.as_json);
- one CSV per part of a record (reports.exports.PARTS): media.csv (file name, type, size, SHA-256, X media id, alt
  text, where the file is in the package), changes_on_x.csv (deleted, edited, retracted), and any added later;
- media/<sha256>.<ext>: each media file the posts show (and their captions), once;
- manifest.json and manifest-sha256.txt (BagIt's "checksum  path" lines): every other file with its SHA-256 and
  size, computed from the bytes as they went into the package, so an archive can check it received everything.
  A media file the storage no longer has, or whose bytes no longer match the SHA-256 recorded when it was
  uploaded, is named in manifest.json ("media_missing", "media_changed") rather than silently left out.

Each file is read from the database afresh (the records are streamed, never held), so the package is consistent
with what the export form was asked for at the time of the download.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator

from django.utils import timezone

from reports import exports
from tweets.models import MediaFile

READ_SIZE = 1024 * 1024


class _Sink:
    """Where the ZipFile writes: the bytes wait here until the response takes them. It can tell its position but
    not seek, so zipfile writes each entry's sizes after it (data descriptors), as streaming needs."""

    def __init__(self):
        self._chunks: list[bytes] = []
        self._written = 0

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        self._written += len(data)
        return len(data)

    def tell(self) -> int:
        return self._written

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


class _Package:
    def __init__(self):
        self.sink = _Sink()
        self.zip = zipfile.ZipFile(self.sink, "w", allowZip64=True)
        self.files: list[dict] = []
        self.when = timezone.localtime().timetuple()[:6]

    def add(self, path: str, chunks: Iterable[bytes], *, compress: bool = True) -> Iterator[bytes]:
        """Write one file from its chunks, hashing as it goes; yields what is ready to send."""
        info = zipfile.ZipInfo(path, date_time=self.when)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        digest, size = hashlib.sha256(), 0
        with self.zip.open(info, "w", force_zip64=True) as entry:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                entry.write(chunk)
                yield self.sink.take()
        self.files.append({"path": path, "size": size, "sha256": digest.hexdigest()})
        yield self.sink.take()

    def close(self) -> bytes:
        self.zip.close()
        return self.sink.take()


def _text(lines: Iterable[str]) -> Iterator[bytes]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= 200:
            yield "".join(batch).encode()
            batch = []
    if batch:
        yield "".join(batch).encode()


def _noting_media(records: Iterable[dict], wanted: dict[str, str]) -> Iterator[dict]:
    """The records unchanged, noting on the way each media file (and captions file) they name: path → SHA-256."""
    for record in records:
        for item in record.get("media", []):
            wanted.setdefault(item["archive_path"], item["sha256"])
            if item.get("captions_archive_path"):
                wanted.setdefault(item["captions_archive_path"], item["captions_sha256"])
        yield record


def _stored_names(hashes: Iterable[str]) -> dict[str, str]:
    """For each SHA-256, the name in storage of a file with those bytes."""
    names: dict[str, str] = {}
    hashes = list(hashes)
    for start in range(0, len(hashes), 500):
        for sha256, name in MediaFile.objects.filter(sha256__in=hashes[start : start + 500]).values_list(
            "sha256", "file"
        ):
            if name:
                names.setdefault(sha256, name)
    return names


def package(rows: Callable[[], Iterator[dict]], *, about: dict) -> Iterator[bytes]:
    """The archive package's bytes as they are written. `rows()` reads the records afresh each time it is called;
    `about` (account, dates, who exported it) heads manifest.json."""
    out = _Package()
    wanted: dict[str, str] = {}
    yield from out.add("records.csv", _text(exports.as_csv(_noting_media(rows(), wanted))))
    yield from out.add("records.json", _text(exports.as_json(rows())))
    for part in exports.PARTS:
        yield from out.add(f"{part.key}.csv", _text(exports.part_csv(part, rows())))
    names = _stored_names(set(wanted.values()))
    storage = MediaFile._meta.get_field("file").storage
    missing, changed = [], []
    for path, sha256 in sorted(wanted.items()):
        try:
            stored = storage.open(names[sha256], "rb")  # opened before its entry is begun: none is left half-made
        except (KeyError, OSError):
            missing.append(path)
            continue
        with stored:
            yield from out.add(path, iter(lambda s=stored: s.read(READ_SIZE), b""), compress=False)
        if out.files[-1]["sha256"] != sha256:
            changed.append(path)
    manifest = {
        **about,
        "generated_at": timezone.localtime().isoformat(),
        "algorithm": "SHA-256",
        "files": out.files,
        "media_missing": missing,
        "media_changed": changed,
    }
    listed = list(out.files)
    yield from out.add("manifest.json", [json.dumps(manifest, ensure_ascii=False, indent=2).encode()])
    yield from out.add("manifest-sha256.txt", [("".join(f"{f['sha256']}  {f['path']}\n" for f in listed)).encode()])
    yield out.close()
