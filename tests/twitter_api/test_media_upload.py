"""X's v2 media endpoints through twitter_api.media against the sandbox: chunked upload, processing status,
alt text, subtitles, expiring ids, the alt-text limit, faults on every step, and metering."""

import io
import time

import pytest
import requests
from PIL import Image

from twitter_api import client, media
from twitter_api.errors import InvalidRequest, Transient
from twitter_api.models import ApiCall


def png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def upload(account, data: bytes, *, media_type="image/png", category="tweet_image", chunk=None):
    chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)] if chunk else [data]
    return media.media_upload(account, chunks=chunks, total_bytes=len(data), media_type=media_type, category=category)


@pytest.fixture(autouse=True)
def _quick_processing(x_sandbox):
    x_sandbox.state.media.check_after_secs = 0


def test_an_image_is_uploaded_in_segments_and_x_keeps_exactly_its_bytes(dept, x_sandbox):
    data = png((300, 200))
    uploaded = upload(dept, data, chunk=500)
    stored = x_sandbox.state.media.uploads[uploaded.id]
    assert stored.finalized and stored.content == data
    assert len(stored.segments) == -(-len(data) // 500)
    assert uploaded.media_key == stored.media_key
    assert uploaded.expires_at.timestamp() == pytest.approx(stored.expires_at, abs=5)


def test_every_call_is_metered_with_the_media_id_out_of_the_endpoint(dept, x_sandbox):
    uploaded = upload(dept, png())
    media.media_alt_text(dept, media_id=uploaded.id, text="A blue rectangle, the department's new logo colour.")
    endpoints = list(ApiCall.objects.order_by("id").values_list("method", "endpoint", "status_code"))
    assert endpoints == [
        ("POST", "/2/media/upload/initialize", 200),
        ("POST", "/2/media/upload/:id/append", 200),
        ("POST", "/2/media/upload/:id/finalize", 200),
        ("POST", "/2/media/metadata", 200),
    ]
    assert x_sandbox.state.media.uploads[uploaded.id].alt_text.startswith("A blue rectangle")


def test_a_video_is_polled_until_x_has_processed_it(dept, x_sandbox):
    x_sandbox.set_faults(media={"processing": 2})
    data = b"\x00\x00\x00\x18ftypmp42" + b"v" * 2000
    uploaded = upload(dept, data, media_type="video/mp4", category="tweet_video")
    statuses = [r for r in x_sandbox.requests if r[1] == "/2/media/upload"]
    assert len(statuses) == 3  # in progress twice, then succeeded
    assert x_sandbox.state.media.uploads[uploaded.id].state == "succeeded"


def test_a_video_x_fails_to_process_is_refused_with_xs_reason(dept, x_sandbox):
    x_sandbox.set_faults(media={"finalize:failed": 1})
    with pytest.raises(InvalidRequest, match="could not process"):
        upload(dept, b"\x00\x00\x00\x18ftypmp42" + b"v" * 100, media_type="video/mp4", category="tweet_video")


def test_captions_are_attached_to_a_video(dept, x_sandbox):
    video = upload(dept, b"\x00\x00\x00\x18ftypmp42" + b"v" * 100, media_type="video/mp4", category="tweet_video")
    srt = b"1\n00:00:00,000 --> 00:00:01,000\nHello\n"
    captions = upload(dept, srt, media_type="text/srt", category="subtitles")
    media.media_subtitles(dept, media_id=video.id, subtitles_id=captions.id)
    assert x_sandbox.state.media.uploads[video.id].subtitles[0]["language_code"] == "EN"


@pytest.mark.parametrize("step", ["initialize", "append", "finalize", "status", "metadata"])
def test_a_fault_at_each_step_is_a_transient_error(dept, x_sandbox, step):
    x_sandbox.set_faults(media={step: 1, "processing": 0})
    with pytest.raises(Transient):
        if step == "metadata":
            uploaded = upload(dept, png())
            media.media_alt_text(dept, media_id=uploaded.id, text="A chart of waiting times by month.")
        elif step == "status":
            upload(dept, b"\x00\x00\x00\x18ftypmp42" + b"v" * 10, media_type="video/mp4", category="tweet_video")
        else:
            upload(dept, png())


def test_a_dropped_finalize_is_uncertain(dept, x_sandbox):
    x_sandbox.set_faults(media={"finalize:drop": 1})
    with pytest.raises(Transient) as raised:
        upload(dept, png())
    assert raised.value.uncertain


def test_alt_text_over_1000_characters_is_refused_by_x_too(dept, x_sandbox, settings):
    uploaded = upload(dept, png())
    session = client.user_client(dept).session
    auth = media.tweepy.OAuth1UserHandler(
        settings.X_CONSUMER_KEY, settings.X_CONSUMER_SECRET, dept.access_token, dept.access_token_secret
    ).apply_auth()
    answer = session.post(
        client.API_HOST + "/2/media/metadata",
        json={"id": uploaded.id, "metadata": {"alt_text": {"text": "a" * 1001}}},
        auth=auth,
    )
    assert answer.status_code == 400
    with pytest.raises(InvalidRequest):
        media.media_alt_text(dept, media_id=uploaded.id, text="a" * 1001)


def test_an_expired_media_id_is_refused_when_posting(dept, x_sandbox):
    x_sandbox.state.media.ttl_seconds = 1
    uploaded = upload(dept, png())
    time.sleep(1.1)
    with pytest.raises(InvalidRequest, match="media"):
        client.post_create(dept, text="With a picture that has gone.", media_ids=[uploaded.id])
    assert x_sandbox.posts_by(dept.x_user_id) == []


def test_a_post_keeps_its_media_and_alt_text_for_everyone_to_see(dept, x_sandbox):
    uploaded = upload(dept, png())
    media.media_alt_text(dept, media_id=uploaded.id, text="The minister opening the library.")
    post = client.post_create(dept, text="The library is open.", media_ids=[uploaded.id])
    listed = requests.get(f"{x_sandbox.url}/_sandbox/posts", params={"author_id": dept.x_user_id}, timeout=5).json()
    assert listed["data"][0]["media"] == [
        {
            "media_key": uploaded.media_key,
            "media_id": uploaded.id,
            "type": "photo",
            "alt_text": "The minister opening the library.",
        }
    ]
    read = client.user_client(dept).get_tweet(
        post.id, expansions=["attachments.media_keys"], media_fields=["alt_text"], user_auth=True
    )
    body = read.json()
    assert body["data"]["attachments"]["media_keys"] == [uploaded.media_key]
    assert body["includes"]["media"][0]["alt_text"] == "The minister opening the library."


def test_someone_elses_media_id_is_not_theirs_to_post(dept, x_sandbox, db):
    from tests.factories import TwitterAccountFactory

    other = TwitterAccountFactory(handle="OtherDept")
    x_sandbox.register_account(other)
    uploaded = upload(dept, png())
    with pytest.raises(InvalidRequest):
        client.post_create(other, text="Not my picture.", media_ids=[uploaded.id])


# --- The contract: each media answer is valid against X's OpenAPI description (version 2.167) ---------------

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
SPEC_PLACES = [ROOT.parent / "shared", ROOT.parent.parent / "shared"]


def _spec() -> dict:
    import json

    for place in SPEC_PLACES:
        path = place / "reference" / "x-openapi" / "openapi.json"
        if path.exists():
            return json.loads(path.read_text())
    pytest.skip("X's OpenAPI description (../shared/reference/x-openapi/openapi.json) is not beside the repository")


def _schema(spec: dict, name: str) -> dict:
    """The named schema with its references inlined and OpenAPI 3.0's `nullable` widened to JSON Schema."""
    components = spec["components"]["schemas"]

    def resolve(node, seen=()):
        if isinstance(node, dict):
            if "$ref" in node:
                ref = node["$ref"].rsplit("/", 1)[-1]
                return {} if ref in seen else resolve(components[ref], (*seen, ref))
            out = {k: resolve(v, seen) for k, v in node.items() if k not in ("nullable", "discriminator", "example")}
            return {"anyOf": [out, {"type": "null"}]} if node.get("nullable") else out
        if isinstance(node, list):
            return [resolve(item, seen) for item in node]
        return node

    return resolve(components[name])


def test_every_media_answer_is_valid_against_xs_openapi_description(dept, x_sandbox):
    import jsonschema

    spec = _spec()
    x_sandbox.set_faults(media={"processing": 1})
    answers = []
    original = client._json

    def keep(response):
        payload = original(response)
        answers.append((response.request.method, client.endpoint_name(response.request.url), payload))
        return payload

    media._json = keep
    try:
        video = upload(dept, b"\x00\x00\x00\x18ftypmp42" + b"v" * 100, media_type="video/mp4", category="tweet_video")
        captions = upload(dept, b"1\n00:00:00,000 --> 00:00:01,000\nHi\n", media_type="text/srt", category="subtitles")
        media.media_subtitles(dept, media_id=video.id, subtitles_id=captions.id)
        image = upload(dept, png())
        media.media_alt_text(dept, media_id=image.id, text="A blue rectangle.")
    finally:
        media._json = original
    schemas = {
        "/2/media/upload/initialize": "InitializeMediaUploadResponse",
        "/2/media/upload/:id/append": "AppendMediaUploadResponse",
        "/2/media/upload/:id/finalize": "FinalizeMediaUploadResponse",
        "/2/media/upload": "GetMediaUploadStatusResponse",
        "/2/media/metadata": "CreateMediaMetadataResponse",
        "/2/media/subtitles": "CreateMediaSubtitlesResponse",
    }
    assert {endpoint for _, endpoint, _ in answers} == set(schemas)
    for _, endpoint, payload in answers:
        jsonschema.validate(payload, _schema(spec, schemas[endpoint]))
        assert isinstance(payload.get("data"), dict)


def test_the_media_of_posts_survive_a_sandbox_restart(dept, x_sandbox):
    from twitter_api.sandbox import SandboxState

    uploaded = upload(dept, png())
    media.media_alt_text(dept, media_id=uploaded.id, text="The minister opening the library.")
    post = client.post_create(dept, text="Kept.", media_ids=[uploaded.id])
    restarted = SandboxState()
    restarted.load_dict(x_sandbox.state.to_dict())
    assert restarted.media.by_post[post.id][0]["alt_text"] == "The minister opening the library."
