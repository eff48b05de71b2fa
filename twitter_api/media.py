"""Uploading media to X with its v2 endpoints, as an account (OAuth 1.0a user context).

tweepy 4.17 uploads only through the retired v1.1 endpoints, so these calls are made here on the tweepy
client's own `requests` session (its metering adapter, sandbox routing and timeout), signed with tweepy's own
OAuth 1.0a handler. OAuth 1.0a signs neither JSON nor multipart bodies, so a chunk goes as multipart.

  POST /2/media/upload/initialize        {"media_type", "total_bytes", "media_category"} -> data.id, expires
  POST /2/media/upload/{id}/append       multipart: media (bytes), segment_index 0..999
  POST /2/media/upload/{id}/finalize     -> data.id, media_key, expires_after_secs, processing_info?
  GET  /2/media/upload?command=STATUS&media_id=   until processing_info.state is succeeded (video)
  POST /2/media/metadata                 {"id", "metadata": {"alt_text": {"text"}}}  (up to 1,000 characters)
  POST /2/media/subtitles                {"id", "media_category": "TweetVideo", "subtitles": {...}}
"""

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import tweepy
from django.conf import settings

from twitter_api.client import API_HOST, _json, _translated_errors, user_client, x_id
from twitter_api.errors import InvalidRequest, Transient

ALT_TEXT_MAX = 1000
# How long a worker waits for X to process a video before trying again later.
PROCESSING_WAIT_SECONDS = 120
CATEGORIES = {"image": "tweet_image", "gif": "tweet_gif", "video": "tweet_video", "captions": "subtitles"}


@dataclass(frozen=True)
class UploadedMedia:
    id: str
    media_key: str
    expires_at: datetime


def _raise_for_status(response) -> None:
    """X's error statuses as tweepy's exceptions (what `_translated_errors` translates), as tweepy's own
    `Client.request` raises them."""
    status = response.status_code
    if status == 400:
        raise tweepy.BadRequest(response)
    if status == 401:
        raise tweepy.Unauthorized(response)
    if status == 403:
        raise tweepy.Forbidden(response)
    if status == 404:
        raise tweepy.NotFound(response)
    if status == 429:
        raise tweepy.TooManyRequests(response)
    if status >= 500:
        raise tweepy.TwitterServerError(response)
    if not 200 <= status < 300:
        raise tweepy.HTTPException(response)


def _call(client: tweepy.Client, method: str, route: str, **kwargs) -> dict:
    """One signed request on the client's session; X's answer as a dict, or a domain error."""
    auth = tweepy.OAuth1UserHandler(
        client.consumer_key, client.consumer_secret, client.access_token, client.access_token_secret
    ).apply_auth()
    with _translated_errors():
        response = client.session.request(
            method, API_HOST + route, auth=auth, headers={"User-Agent": client.user_agent}, **kwargs
        )
        _raise_for_status(response)
        return _json(response)


def _data(payload: dict) -> dict:
    data = payload.get("data")
    return data if isinstance(data, dict) else {}


def _expires(data: dict, default_seconds: int = 86_400) -> datetime:
    seconds = data.get("expires_after_secs")
    if type(seconds) is not int or seconds < 0:
        seconds = default_seconds
    return datetime.now(tz=UTC) + timedelta(seconds=seconds)


def media_upload(
    account,
    *,
    chunks: Iterable[bytes],
    total_bytes: int,
    media_type: str,
    category: str,
    context: str = "publish",
) -> UploadedMedia:
    """Upload one file in segments and wait (boundedly) until X has processed it. Raises Transient when X
    is not ready or failed on the way (upload again later), InvalidRequest when X refuses the file."""
    client = user_client(account, context=context)
    started = _data(
        _call(
            client,
            "POST",
            "/2/media/upload/initialize",
            json={"media_type": media_type, "total_bytes": total_bytes, "media_category": category},
        )
    )
    media_id = x_id(started.get("id"))
    if media_id is None:
        raise Transient("X started the upload but did not say the media id; it will be uploaded again.")
    for index, chunk in enumerate(chunks):
        _call(
            client,
            "POST",
            f"/2/media/upload/{media_id}/append",
            files={"media": ("blob", chunk, "application/octet-stream")},
            data={"segment_index": str(index)},
        )
    done = _data(_call(client, "POST", f"/2/media/upload/{media_id}/finalize"))
    if x_id(done.get("id")) not in (None, media_id):
        raise Transient("X finished a different upload than the one sent; it will be uploaded again.")
    done = _wait_for_processing(client, media_id, done)
    media_key = done.get("media_key") if isinstance(done.get("media_key"), str) else ""
    return UploadedMedia(id=media_id, media_key=media_key, expires_at=_expires(done))


def _wait_for_processing(client, media_id: str, data: dict) -> dict:
    """Poll the upload's status while X processes it (videos); the last answer once it has succeeded."""
    deadline = time.monotonic() + PROCESSING_WAIT_SECONDS
    while True:
        info = data.get("processing_info")
        state = info.get("state") if isinstance(info, dict) else None
        if state in (None, "succeeded"):
            return data
        if state == "failed":
            error = info.get("error") if isinstance(info.get("error"), dict) else {}
            detail = error.get("message") or error.get("name") or "no reason given"
            raise InvalidRequest(f"X could not process the media file: {detail}. Replace the file and try again.")
        wait = info.get("check_after_secs")
        wait = min(max(wait if type(wait) is int else 1, 0), 10)
        if time.monotonic() + wait > deadline:
            raise Transient("X is still processing the video; publishing will be tried again shortly.")
        time.sleep(wait)
        data = {
            **data,
            **_data(_call(client, "GET", "/2/media/upload", params={"command": "STATUS", "media_id": media_id})),
        }


def media_alt_text(account, *, media_id: str, text: str, context: str = "publish") -> None:
    """Give an uploaded image or GIF its alt text (X keeps up to 1,000 characters)."""
    if len(text) > ALT_TEXT_MAX:
        raise InvalidRequest(f"Alt text can be up to {ALT_TEXT_MAX} characters; this is {len(text)}.")
    client = user_client(account, context=context)
    _call(client, "POST", "/2/media/metadata", json={"id": media_id, "metadata": {"alt_text": {"text": text}}})


def media_subtitles(
    account,
    *,
    media_id: str,
    subtitles_id: str,
    language_code: str = "EN",
    display_name: str = "English",
    context: str = "publish",
) -> None:
    """Attach an uploaded captions file (category `subtitles`) to an uploaded video."""
    client = user_client(account, context=context)
    _call(
        client,
        "POST",
        "/2/media/subtitles",
        json={
            "id": media_id,
            "media_category": "TweetVideo",
            "subtitles": {"id": subtitles_id, "language_code": language_code, "display_name": display_name},
        },
    )


def chunked(handle, size: int | None = None) -> Iterable[bytes]:
    """A file's content in upload segments (settings.X_MEDIA_CHUNK_BYTES each)."""
    size = size or settings.X_MEDIA_CHUNK_BYTES
    while chunk := handle.read(size):
        yield chunk
