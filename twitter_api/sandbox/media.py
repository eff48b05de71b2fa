"""The sandbox's media: X's v2 chunked upload, status, alt text and subtitles, in the shapes of X's OpenAPI
description (version 2.167), with media ids that expire, and faults on every step.

Faults (POST /_sandbox/faults {"media": {...}}; each a count, consumed one request at a time):
  "<step>": N         the next N requests of that step answer 503 before acting
  "<step>:drop": N    the next N requests of that step act, then the connection is closed (an uncertain outcome)
  "finalize:failed": N   the next N finalized videos fail processing
  "processing": N     each video reports `in_progress` for N status checks before `succeeded` (default 1)
where <step> is one of initialize, append, finalize, status, metadata, subtitles.
Control: GET /_sandbox/media (uploads and what each post carries), POST /_sandbox/media {"ttl_seconds": N,
"check_after_secs": N} (how long an id lives; how long X asks a client to wait between status checks).
"""

import base64
import hashlib
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP


def invalid_request(parameter: str, value, message: str):
    # state imports this module (for MediaStore), so its error helpers are imported when a request is answered.
    from twitter_api.sandbox import state

    return state.invalid_request(parameter, value, message)


def _unavailable():
    from twitter_api.sandbox.state import SandboxError, problem

    return SandboxError(503, problem(503, "Service Unavailable", "Service Unavailable"))


STEPS = ("initialize", "append", "finalize", "status", "metadata", "subtitles")
MEDIA_TYPES = {
    "video/mp4", "video/webm", "video/mp2t", "video/quicktime", "text/srt", "text/vtt", "image/jpeg", "image/gif",
    "image/bmp", "image/png", "image/webp", "image/pjpeg", "image/tiff", "model/gltf-binary", "model/vnd.usdz+zip",
}  # fmt: skip
CATEGORIES = {"amplify_video", "tweet_gif", "tweet_image", "tweet_video", "dm_gif", "dm_image", "dm_video", "subtitles"}
MB = 1024 * 1024
SIZE_LIMITS = {"tweet_image": 5 * MB, "tweet_gif": 15 * MB, "tweet_video": 512 * MB, "subtitles": MB}
ALT_TEXT_MAX = 1000
# Seconds an id lives: X's examples show about 15 days after initialize and a day after finalize.
DEFAULT_TTL_SECONDS = 86_400
KEEP_CONTENT_BYTES = 16 * MB  # images and captions are kept so a test can read what reached X


@dataclass
class Upload:
    id: str
    media_key: str
    owner_id: str
    media_type: str
    category: str
    total_bytes: int
    expires_at: float
    segments: dict = field(default_factory=dict)  # index -> bytes
    finalized: bool = False
    state: str = ""  # processing: "", pending, in_progress, succeeded, failed
    checks_left: int = 0
    alt_text: str | None = None
    subtitles: list = field(default_factory=list)
    sha256: str = ""

    @property
    def content(self) -> bytes:
        return b"".join(self.segments[i] for i in sorted(self.segments))

    @property
    def ready(self) -> bool:
        return self.finalized and self.state in ("", "succeeded")

    def describe(self) -> dict:
        return {
            "id": self.id,
            "media_key": self.media_key,
            "media_type": self.media_type,
            "category": self.category,
            "size": self.total_bytes,
            "finalized": self.finalized,
            "state": self.state or "succeeded",
            "expires_at": int(self.expires_at),
            "alt_text": self.alt_text,
            "subtitles": self.subtitles,
            "sha256": self.sha256,
        }


class MediaStore:
    """Uploads by id, and the media each created post carries. Its own lock: uploads never wait for posts."""

    def __init__(self):
        self.lock = threading.RLock()
        self.uploads: dict[str, Upload] = {}
        self.by_post: dict[str, list[dict]] = {}
        self.ttl_seconds = DEFAULT_TTL_SECONDS
        self.check_after_secs = 1
        self._last = 0

    def mint_id(self) -> str:
        with self.lock:
            self._last = max(self._last + 1, int(time.time() * 1000) << 12)
            return str(self._last)

    def find(self, media_id: str, user) -> Upload | None:
        """The caller's upload with this id, if it has not expired."""
        upload = self.uploads.get(str(media_id))
        if upload is None or upload.owner_id != user.id or upload.expires_at <= time.time():
            return None
        return upload

    def get(self, media_id: str, user) -> Upload:
        """The caller's unexpired upload, or X's invalid-request answer."""
        upload = self.find(media_id, user)
        if upload is None:
            raise invalid_request("media_id", media_id, f"The media id [{media_id}] is not valid or has expired.")
        return upload

    def attach(self, post_id: str, uploads: list[Upload]) -> None:
        with self.lock:
            self.by_post[post_id] = [
                {"media_key": u.media_key, "media_id": u.id, "type": _x_type(u), "alt_text": u.alt_text}
                for u in uploads
            ]

    def finalized_count(self, owner_id: str | None = None) -> int:
        return sum(1 for u in self.uploads.values() if u.finalized and (owner_id is None or u.owner_id == owner_id))

    def to_dict(self) -> dict:
        return {"by_post": self.by_post}

    def load_dict(self, data: dict) -> None:
        self.by_post = dict((data or {}).get("by_post") or {})

    def describe(self) -> dict:
        with self.lock:
            return {
                "uploads": [u.describe() for u in self.uploads.values()],
                "posts": self.by_post,
                "ttl_seconds": self.ttl_seconds,
                "check_after_secs": self.check_after_secs,
            }


def _x_type(upload: Upload) -> str:
    if upload.category == "tweet_gif":
        return "animated_gif"
    return "video" if upload.media_type.startswith("video/") else "photo"


def _fault(state, step: str, suffix: str = "") -> bool:
    """Consume one unit of the media fault for this step."""
    key = f"{step}{suffix}"
    with state.lock:
        counts = state.faults.media
        if isinstance(counts, dict) and int(counts.get(key) or 0) > 0:
            counts[key] = int(counts[key]) - 1
            return True
    return False


class MediaApi:
    """The media endpoints, mixed into the sandbox's request handler (`self.server.state`, `self.headers`)."""

    def _media_step(self, step: str) -> None:
        if _fault(self.server.state, step):
            raise _unavailable()

    def _media_done(self, step: str, answer):
        if _fault(self.server.state, step, ":drop"):
            from twitter_api.sandbox.server import _Drop

            raise _Drop
        return answer

    def _api_media_initialize(self, user, match, query, body):
        self._media_step("initialize")
        data = self._json_body(body)
        store = self.server.state.media
        media_type, category, total = data.get("media_type"), data.get("media_category"), data.get("total_bytes")
        if media_type not in MEDIA_TYPES:
            raise invalid_request("media_type", media_type, f"The `media_type` value [{media_type}] is not valid.")
        if category not in CATEGORIES:
            raise invalid_request("media_category", category, f"The `media_category` value [{category}] is not valid.")
        if type(total) is not int or total <= 0:
            raise invalid_request("total_bytes", total, "The `total_bytes` field must be a positive integer.")
        if total > SIZE_LIMITS.get(category, 512 * MB):
            raise invalid_request("total_bytes", total, f"The file is too large for media_category {category}.")
        media_id = store.mint_id()
        upload = Upload(
            id=media_id,
            media_key=f"{'7' if media_type.startswith('video/') else '3'}_{media_id}",
            owner_id=user.id,
            media_type=media_type,
            category=category,
            total_bytes=total,
            expires_at=time.time() + store.ttl_seconds,
        )
        with store.lock:
            store.uploads[media_id] = upload
        answer = {"data": {"id": media_id, "media_key": upload.media_key, "expires_after_secs": store.ttl_seconds}}
        return self._media_done("initialize", (200, answer))

    def _api_media_append(self, user, match, query, body):
        self._media_step("append")
        upload = self.server.state.media.get(match.group(1), user)
        fields = self._media_fields(body)
        index, chunk = fields.get("segment_index"), fields.get("media")
        if not isinstance(index, str | int) or not str(index).isdigit() or not 0 <= int(index) <= 999:
            raise invalid_request("segment_index", index, "The `segment_index` field must be between 0 and 999.")
        if not isinstance(chunk, bytes) or not chunk:
            raise invalid_request("media", "", "The `media` field is required.")
        if upload.finalized:
            raise invalid_request("media_id", upload.id, "This upload is already finalized.")
        with self.server.state.media.lock:
            upload.segments[int(index)] = chunk
        return self._media_done("append", (200, {"data": {"expires_at": int(upload.expires_at)}}))

    def _media_fields(self, body: bytes) -> dict:
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("multipart/form-data"):
            message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
            fields = {}
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                payload = part.get_payload(decode=True) or b""
                fields[name] = payload if name == "media" else payload.decode("utf-8", "replace")
            return fields
        data = self._json_body(body)
        media = data.get("media")
        try:
            data["media"] = base64.b64decode(media, validate=True) if isinstance(media, str) else None
        except ValueError:
            raise invalid_request("media", "", "The `media` field is not valid base64.") from None
        return data

    def _api_media_finalize(self, user, match, query, body):
        self._media_step("finalize")
        state = self.server.state
        store = state.media
        upload = store.get(match.group(1), user)
        with store.lock:
            if not upload.finalized:
                received = sum(len(chunk) for chunk in upload.segments.values())
                if received != upload.total_bytes:
                    raise invalid_request(
                        "media_id",
                        upload.id,
                        f"The upload has {received} bytes but initialize said {upload.total_bytes}.",
                    )
                upload.finalized = True
                upload.sha256 = hashlib.sha256(upload.content).hexdigest()
                if upload.total_bytes > KEEP_CONTENT_BYTES or upload.media_type.startswith("video/"):
                    upload.segments = {}  # a video's bytes are not kept: its digest says what arrived
                if upload.media_type.startswith("video/"):
                    upload.state = "failed" if _fault(state, "finalize", ":failed") else "pending"
                    counts = state.faults.media if isinstance(state.faults.media, dict) else {}
                    upload.checks_left = int(counts.get("processing", 1))
        return self._media_done("finalize", (200, {"data": self._media_status_data(upload)}))

    def _media_status_data(self, upload: Upload) -> dict:
        data = {
            "id": upload.id,
            "media_key": upload.media_key,
            "size": upload.total_bytes,
            "expires_after_secs": max(int(upload.expires_at - time.time()), 0),
        }
        if upload.state:
            data["processing_info"] = {"state": upload.state}
            if upload.state in ("pending", "in_progress"):
                data["processing_info"]["check_after_secs"] = self.server.state.media.check_after_secs
                data["processing_info"]["progress_percent"] = 0 if upload.state == "pending" else 50
            data["video"] = {"video_type": upload.media_type}
        return data

    def _api_media_status(self, user, match, query, body):
        self._media_step("status")
        if query.get("command", "STATUS") != "STATUS":
            raise invalid_request("command", query.get("command"), "The `command` query parameter must be STATUS.")
        media_id = query.get("media_id", "")
        if not media_id.isdigit():
            raise invalid_request("media_id", media_id, "The `media_id` query parameter is required.")
        upload = self.server.state.media.get(media_id, user)
        with self.server.state.media.lock:
            if upload.state in ("pending", "in_progress"):
                if upload.checks_left > 0:
                    upload.checks_left -= 1
                    upload.state = "in_progress"
                else:
                    upload.state = "succeeded"
        return self._media_done("status", (200, {"data": self._media_status_data(upload)}))

    def _api_media_metadata(self, user, match, query, body):
        self._media_step("metadata")
        data = self._json_body(body)
        media_id = data.get("id")
        if not isinstance(media_id, str) or not media_id.isdigit():
            raise invalid_request("id", media_id, "The `id` field is required.")
        upload = self.server.state.media.get(media_id, user)
        alt = ((data.get("metadata") or {}).get("alt_text") or {}).get("text")
        if not isinstance(alt, str):
            raise invalid_request("metadata.alt_text.text", alt, "The `text` field is required.")
        if len(alt) > ALT_TEXT_MAX:
            raise invalid_request(
                "metadata.alt_text.text", alt[:50], f"Alt text must be at most {ALT_TEXT_MAX} characters."
            )
        if upload.media_type.startswith("video/"):
            raise invalid_request("id", media_id, "Alt text can only be added to images at the moment.")
        with self.server.state.media.lock:
            upload.alt_text = alt
        answer = {"data": {"id": media_id, "associated_metadata": {"alt_text": {"text": alt}}}}
        return self._media_done("metadata", (200, answer))

    def _api_media_subtitles(self, user, match, query, body):
        self._media_step("subtitles")
        data = self._json_body(body)
        store = self.server.state.media
        video = store.get(str(data.get("id", "")), user)
        subtitles = data.get("subtitles") or {}
        track = store.get(str(subtitles.get("id", "")), user)
        language = subtitles.get("language_code")
        if not video.media_type.startswith("video/") or track.category != "subtitles" or not track.finalized:
            raise invalid_request("subtitles.id", track.id, "The subtitles must be a finalized subtitles upload.")
        if not isinstance(language, str) or len(language) != 2 or not language.isupper() or not language.isalpha():
            raise invalid_request("subtitles.language_code", language, "The `language_code` must be like EN.")
        with store.lock:
            video.subtitles = [s for s in video.subtitles if s["language_code"] != language] + [
                {"id": track.id, "language_code": language, "display_name": str(subtitles.get("display_name", ""))}
            ]
        answer = {
            "data": {
                "id": video.id,
                "media_category": data.get("media_category", "TweetVideo"),
                "associated_subtitles": {"subtitles": video.subtitles},
            }
        }
        return self._media_done("subtitles", (200, answer))

    def _media_for_post(self, user, data: dict) -> list[Upload]:
        """The uploads a POST /2/tweets names in `media.media_ids`, checked as X checks them."""
        media = data.get("media")
        if media is None:
            return []
        ids = media.get("media_ids") if isinstance(media, dict) else None
        if not isinstance(ids, list) or not 1 <= len(ids) <= 4 or not all(isinstance(i, str) for i in ids):
            raise invalid_request("media.media_ids", ids, "The `media.media_ids` field must hold 1 to 4 ids.")
        uploads = []
        for media_id in ids:
            upload = self.server.state.media.find(media_id, user)
            if upload is None or not upload.ready or upload.category == "subtitles":
                raise invalid_request("media.media_ids", media_id, "Your media IDs are invalid.")
            uploads.append(upload)
        if len(uploads) > 1 and any(u.category != "tweet_image" for u in uploads):
            raise invalid_request("media.media_ids", ids, "A post may have 4 images, or one GIF or video.")
        return uploads


def media_control(state, method: str, data: dict):
    """GET/POST /_sandbox/media."""
    store = state.media
    if method == "POST":
        if "ttl_seconds" in data:
            store.ttl_seconds = int(data["ttl_seconds"])
        if "check_after_secs" in data:
            store.check_after_secs = int(data["check_after_secs"])
    return 200, {"data": store.describe()}, {}


__all__ = ["STEPS", "MediaApi", "MediaStore", "media_control"]
