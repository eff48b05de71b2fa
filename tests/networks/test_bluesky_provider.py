"""The Bluesky provider against the local sandbox: every operation, sessions, metering, faults."""

import json

import pytest

from networks.base import provider_for
from networks.bluesky import provider as bluesky
from tests.factories import TwitterAccountFactory
from twitter_api.client import metered_in_bulk
from twitter_api.errors import CredentialsRejected, InvalidRequest, NotFound, RateLimited, Transient
from twitter_api.models import ApiCall

DID = "did:plc:deptaccount00000000000001"
PROVIDER = bluesky.PROVIDER


@pytest.fixture
def account(db, bluesky_sandbox):
    account = TwitterAccountFactory(
        network="bluesky", handle="dept.bsky.social", access_token="app-password", access_token_secret="", x_user_id=DID
    )
    bluesky_sandbox.register_account(account)
    return account


def test_the_provider_is_the_accounts_networks(account):
    assert provider_for(account) is PROVIDER


def test_a_post_is_made_as_the_account_and_read_back_among_recent_posts(account, bluesky_sandbox):
    post = PROVIDER.post_create(account, text="Hello from the department https://gov.uk/x")
    assert post.id.startswith(f"at://{DID}/app.bsky.feed.post/")
    assert post.author_id == DID
    stored = bluesky_sandbox.posts_by(DID)
    assert [p["uri"] for p in stored] == [post.id]
    facets = stored[0]["record"]["facets"]
    assert facets[0]["features"][0] == {"$type": "app.bsky.richtext.facet#link", "uri": "https://gov.uk/x"}
    recent = PROVIDER.recent_posts(account)
    assert [p.id for p in recent] == [post.id]
    assert recent[0].text == "Hello from the department https://gov.uk/x"


def test_a_reply_carries_the_parents_and_the_threads_root(account, bluesky_sandbox):
    root = bluesky_sandbox.inject_post("resident.bsky.social", "Is the office open today?")
    parent = bluesky_sandbox.inject_post("neighbour.bsky.social", "Asking too", reply_to_uri=root["uri"])
    reply = PROVIDER.post_create(account, text="Yes, until five.", reply_to_id=parent["uri"])
    assert reply.reply_to_post_id == parent["uri"]
    record = bluesky_sandbox.posts_by(DID)[0]["record"]
    assert record["reply"] == {
        "root": {"uri": root["uri"], "cid": root["cid"]},
        "parent": {"uri": parent["uri"], "cid": parent["cid"]},
    }
    assert PROVIDER.recent_posts(account)[0].reply_to_post_id == parent["uri"]


def test_a_reply_to_a_post_that_is_gone_is_not_found(account):
    with pytest.raises(NotFound, match="Bluesky could not find the post this replies to"):
        PROVIDER.post_create(account, text="Yes", reply_to_id=f"at://{DID}/app.bsky.feed.post/3zzzzzzzzzzzz")


def test_a_mention_of_a_known_handle_is_a_facet_with_its_did(account, bluesky_sandbox):
    friend = bluesky_sandbox.add_user("partner.bsky.social")
    PROVIDER.post_create(account, text="Thanks @partner.bsky.social and @nobody.bsky.social")
    facets = bluesky_sandbox.posts_by(DID)[0]["record"]["facets"]
    assert facets == [
        {
            "$type": "app.bsky.richtext.facet",
            "index": {"byteStart": 7, "byteEnd": 27},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": friend["did"]}],
        }
    ]


def test_images_are_uploaded_as_blobs_and_embedded_with_their_alt_text(account, bluesky_sandbox):
    first = PROVIDER.media_upload(account, data=b"\xff\xd8jpeg" * 10, mime_type="image/jpeg", alt_text="A map")
    second = PROVIDER.media_upload(account, data=b"\x89PNG" * 10, mime_type="image/png", alt_text="A chart")
    blob = json.loads(first)["blob"]
    assert blob["$type"] == "blob" and blob["ref"]["$link"].startswith("bafkrei") and blob["size"] == 60
    PROVIDER.post_create(account, text="Two pictures", media_ids=[first, second])
    embed = bluesky_sandbox.posts_by(DID)[0]["record"]["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    assert [(i["alt"], i["image"]["mimeType"]) for i in embed["images"]] == [
        ("A map", "image/jpeg"),
        ("A chart", "image/png"),
    ]


def test_an_image_over_a_million_bytes_is_refused_by_bluesky(account):
    with pytest.raises(InvalidRequest, match="Bluesky said the request was not valid: BlobTooLarge"):
        PROVIDER.media_upload(account, data=b"x" * 1_000_001, mime_type="image/jpeg", alt_text="Big")


def test_text_over_300_graphemes_is_refused_by_bluesky(account, bluesky_sandbox):
    # 301 flags: each two code points, one grapheme; 2,408 bytes, under the byte limit.
    text = "\U0001f1ec\U0001f1e7" * 301
    with pytest.raises(InvalidRequest, match="300 graphemes"):
        PROVIDER.post_create(account, text=text)
    assert bluesky_sandbox.posts_by(DID) == []
    PROVIDER.post_create(account, text="\U0001f1ec\U0001f1e7" * 300)
    assert len(bluesky_sandbox.posts_by(DID)) == 1


def test_a_deleted_post_is_gone_and_deleting_it_again_is_not_found(account, bluesky_sandbox):
    post = PROVIDER.post_create(account, text="Posted by mistake")
    PROVIDER.post_delete(account, post_id=post.id)
    assert bluesky_sandbox.posts_by(DID) == []
    with pytest.raises(NotFound, match="no longer on Bluesky"):
        PROVIDER.post_delete(account, post_id=post.id)


def test_the_same_idempotency_key_makes_one_post(account, bluesky_sandbox):
    first = PROVIDER.post_create(account, text="Once only", idempotency_key="dovecote-1-2-0")
    again = PROVIDER.post_create(account, text="Once only", idempotency_key="dovecote-1-2-0")
    assert again.id == first.id
    assert again.text == "Once only"
    assert len(bluesky_sandbox.posts_by(DID)) == 1
    other = PROVIDER.post_create(account, text="Once only", idempotency_key="dovecote-1-3-0")
    assert other.id != first.id


def test_the_same_key_makes_one_post_when_bluesky_answers_a_repeat_with_a_500(account, bluesky_sandbox):
    # Bluesky's PDS has answered a repeated record key with 500 InternalServerError (bluesky-social/atproto#3718).
    bluesky_sandbox.state.duplicate_rkey_style = "internal"
    first = PROVIDER.post_create(account, text="Once only", idempotency_key="dovecote-7-1-0")
    again = PROVIDER.post_create(account, text="Once only", idempotency_key="dovecote-7-1-0")
    assert again.id == first.id
    assert len(bluesky_sandbox.posts_by(DID)) == 1


def test_the_keyed_record_key_is_a_tid_the_same_for_the_same_key():
    key = bluesky.tid_for_key("dovecote-1-2-0")
    assert key == bluesky.tid_for_key("dovecote-1-2-0") != bluesky.tid_for_key("dovecote-1-2-1")
    assert len(key) == 13 and key[0] in "234567abcdefghij"
    assert set(key) <= set("234567abcdefghijklmnopqrstuvwxyz")


def test_a_dropped_answer_is_uncertain_and_a_retry_with_the_key_makes_no_second_post(account, bluesky_sandbox):
    bluesky_sandbox.set_faults(drop_after_accept=1)
    with pytest.raises(Transient) as caught:
        PROVIDER.post_create(account, text="Made, then the line dropped", idempotency_key="dovecote-9-1-0")
    assert caught.value.uncertain
    assert "Bluesky did not answer" in caught.value.message
    assert len(bluesky_sandbox.posts_by(DID)) == 1
    again = PROVIDER.post_create(account, text="Made, then the line dropped", idempotency_key="dovecote-9-1-0")
    assert [p["uri"] for p in bluesky_sandbox.posts_by(DID)] == [again.id]


def test_a_5xx_is_transient_and_certain(account, bluesky_sandbox):
    PROVIDER.profile(account)  # logged in
    bluesky_sandbox.set_faults(force_5xx=1)
    with pytest.raises(Transient) as caught:
        PROVIDER.post_create(account, text="Hello")
    assert not caught.value.uncertain
    assert "Bluesky is having problems" in caught.value.message
    assert bluesky_sandbox.posts_by(DID) == []


def test_a_429_is_rate_limited_until_blueskys_reset(account, bluesky_sandbox):
    PROVIDER.profile(account)
    bluesky_sandbox.set_faults(force_429=1)
    with pytest.raises(RateLimited, match="Bluesky is limiting") as caught:
        PROVIDER.mentions_since(account)
    reset = int(caught.value.reset_at.timestamp())
    sent = [r for r in ApiCall.objects.filter(status_code=429)]
    assert len(sent) == 1 and int(sent[0].rate_limit_reset.timestamp()) == reset


def test_a_connection_refused_is_transient_and_certain(account, settings):
    settings.BLUESKY_API_BASE_URL = "http://127.0.0.1:9"
    with pytest.raises(Transient) as caught:
        PROVIDER.post_create(account, text="Hello")
    assert not caught.value.uncertain
    assert "Could not connect to Bluesky" in caught.value.message


def test_a_wrong_app_password_is_rejected_naming_bluesky(account, bluesky_sandbox):
    account.access_token = "wrong-password"
    with pytest.raises(CredentialsRejected, match="Bluesky rejected this account's app password"):
        PROVIDER.recent_posts(account)


def test_the_session_is_kept_so_several_calls_log_in_once(account, bluesky_sandbox):
    PROVIDER.post_create(account, text="One")
    PROVIDER.recent_posts(account)
    PROVIDER.profile(account)
    PROVIDER.mentions_since(account)
    assert bluesky_sandbox.calls("com.atproto.server.createSession") == 1


def test_new_credentials_mean_a_new_session(account, bluesky_sandbox):
    from django.utils import timezone

    PROVIDER.profile(account)
    account.credentials_updated_at = timezone.now()
    PROVIDER.profile(account)
    assert bluesky_sandbox.calls("com.atproto.server.createSession") == 2


def test_a_lapsed_token_is_refreshed_not_logged_in_again(account, bluesky_sandbox):
    PROVIDER.profile(account)
    bluesky_sandbox.set_faults(expire_tokens=True)
    PROVIDER.post_create(account, text="After the token lapsed")
    PROVIDER.profile(account)
    assert bluesky_sandbox.calls("com.atproto.server.createSession") == 1
    assert bluesky_sandbox.calls("com.atproto.server.refreshSession") == 1
    assert len(bluesky_sandbox.posts_by(DID)) == 1


def test_a_session_bluesky_forgot_is_made_again_with_the_app_password(account, bluesky_sandbox):
    PROVIDER.profile(account)
    bluesky_sandbox.state.revoke_sessions(DID)
    PROVIDER.profile(account)
    assert bluesky_sandbox.calls("com.atproto.server.createSession") == 2


def test_the_profile_is_read_as_bluesky_shows_it(account, bluesky_sandbox):
    bluesky_sandbox.state.users[DID]["avatar"] = "https://cdn.bsky.app/img/avatar/plain/x@jpeg"
    profile = PROVIDER.profile(account)
    assert profile.id == DID
    assert profile.username == "dept.bsky.social"
    assert profile.name == account.display_name
    assert profile.description == "The department's account."
    assert profile.profile_image_url == "https://cdn.bsky.app/img/avatar/plain/x@jpeg"
    assert profile.url is None


def test_connect_says_who_bluesky_says_the_account_is(account):
    assert bluesky.connect(account) == {
        "did": DID,
        "handle": "dept.bsky.social",
        "display_name": account.display_name,
    }


def test_post_url_is_the_bluesky_apps(account):
    url = PROVIDER.post_url(account, f"at://{DID}/app.bsky.feed.post/3kabc")
    assert url == "https://bsky.app/profile/dept.bsky.social/post/3kabc"


def test_every_request_is_metered_as_one_row(account, bluesky_sandbox):
    PROVIDER.post_create(account, text="Metered")
    PROVIDER.recent_posts(account)
    rows = list(ApiCall.objects.order_by("id").values_list("endpoint", "method", "status_code", "posts_created"))
    assert rows == [
        ("bluesky:com.atproto.server.createSession", "POST", 200, 0),
        ("bluesky:com.atproto.repo.createRecord", "POST", 200, 1),
        ("bluesky:com.atproto.repo.listRecords", "GET", 200, 0),
    ]
    listed = ApiCall.objects.get(endpoint="bluesky:com.atproto.repo.listRecords")
    assert listed.posts_read == 1 and listed.account == account and listed.cost == 0
    assert listed.rate_limit_limit == 3000


def test_calls_metered_in_bulk_are_written_together_at_the_end(account, bluesky_sandbox):
    with metered_in_bulk() as rows:
        PROVIDER.profile(account)
        PROVIDER.recent_posts(account)
        assert ApiCall.objects.count() == 0
        assert len(rows) == 3
    assert ApiCall.objects.count() == 3


def test_a_failed_request_is_metered_with_its_error(account, bluesky_sandbox):
    PROVIDER.profile(account)
    bluesky_sandbox.set_faults(force_5xx=1)
    with pytest.raises(Transient):
        PROVIDER.profile(account)
    failed = ApiCall.objects.get(status_code=500)
    assert failed.endpoint == "bluesky:app.bsky.actor.getProfile"
    assert "InternalServerError" in failed.error


def test_a_token_about_to_lapse_is_refreshed_before_it_is_used(account, bluesky_sandbox, time_machine):
    from datetime import UTC, datetime

    time_machine.move_to(datetime.now(tz=UTC), tick=True)
    bluesky_sandbox.state.access_ttl = 20 * 60
    PROVIDER.profile(account)
    time_machine.shift(10 * 60)  # within the quarter of an hour before it lapses, when atproto refreshes
    PROVIDER.profile(account)
    PROVIDER.profile(account)  # the refreshed session was kept: no second refresh
    assert bluesky_sandbox.calls("com.atproto.server.createSession") == 1
    assert bluesky_sandbox.calls("com.atproto.server.refreshSession") == 1


def test_only_the_accounts_own_posts_are_deleted(account, bluesky_sandbox):
    from twitter_api.errors import Forbidden

    theirs = bluesky_sandbox.inject_post("resident.bsky.social", "Not yours")
    with pytest.raises(Forbidden, match="only its own posts"):
        PROVIDER.post_delete(account, post_id=theirs["uri"])
    assert bluesky_sandbox.posts_by(theirs["did"])


def test_an_unreadable_media_reference_is_refused_before_posting(account, bluesky_sandbox):
    with pytest.raises(InvalidRequest, match="Upload the image again"):
        PROVIDER.post_create(account, text="Pic", media_ids=["not json"])
    assert bluesky_sandbox.posts_by(DID) == []


def test_no_answer_in_time_is_uncertain_and_the_retry_with_the_key_makes_one_post(account, bluesky_sandbox, settings):
    import time

    PROVIDER.profile(account)
    settings.NETWORK_REQUEST_TIMEOUT_SECONDS = 0.3
    bluesky_sandbox.set_faults(latency=0.8)
    with pytest.raises(Transient) as caught:
        PROVIDER.post_create(account, text="Slow", idempotency_key="dovecote-3-1-0")
    assert caught.value.uncertain
    bluesky_sandbox.set_faults(latency=0)
    time.sleep(0.8)  # the sandbox finishes what it was asked
    settings.NETWORK_REQUEST_TIMEOUT_SECONDS = 5
    again = PROVIDER.post_create(account, text="Slow", idempotency_key="dovecote-3-1-0")
    assert [p["uri"] for p in bluesky_sandbox.posts_by(DID)] == [again.id]
    timed_out = ApiCall.objects.get(endpoint="bluesky:com.atproto.repo.createRecord", status_code=None)
    assert "Timeout" in timed_out.error


def test_every_session_the_sandbox_issues_can_be_read_however_many_posts_it_has_made(account, bluesky_sandbox):
    """A token's signature is base64url whatever the sandbox's clock says (it once ended in the clock's digits, which
    the client could not decode from the tenth post on)."""
    from django.core.cache import cache

    for number in range(14):
        bluesky_sandbox.inject_post("citizen.bsky.social", f"Post number {number}.")
        cache.clear()  # a new session each time
        assert bluesky.PROVIDER.profile(account).id == account.x_user_id


def test_a_key_with_its_time_gives_a_record_key_of_that_time_so_the_post_sorts_among_the_others():
    from datetime import UTC, datetime

    when = int(datetime(2026, 12, 3, 12, 0, tzinfo=UTC).timestamp() * 1_000_000)
    first, second = bluesky.tid_for_key(f"dovecote-7-9-0@{when}"), bluesky.tid_for_key(f"dovecote-7-9-1@{when + 1}")
    assert first == bluesky.tid_for_key(f"dovecote-7-9-0@{when}")  # the same on every retry
    assert first < second  # the thread's posts in order
    assert bluesky.tid_for_key("dovecote-1-2-0") < first  # an old-style key: within 2023
    tid_value = sum(bluesky._B32_SORTABLE.index(c) << (5 * i) for i, c in enumerate(reversed(first)))
    assert tid_value >> 10 == when
