"""networks.mastodon.provider end to end: Mastodon.py against the running sandbox, plain data out, domain errors."""

from datetime import UTC, datetime

import pytest

from networks import provider_for
from networks.mastodon.provider import PROVIDER
from twitter_api.errors import CredentialsRejected, InvalidRequest, NotFound
from twitter_api.types import XPost

pytestmark = pytest.mark.django_db


def test_the_account_s_provider_is_mastodon_s(mastodon_account):
    assert provider_for(mastodon_account) is PROVIDER
    assert (PROVIDER.name, PROVIDER.label, PROVIDER.max_media, PROVIDER.alt_text_limit) == (
        "mastodon",
        "Mastodon",
        4,
        1500,
    )


def test_post_create_publishes_as_the_account_and_returns_plain_data(mastodon_sandbox, mastodon_account):
    post = PROVIDER.post_create(mastodon_account, text="Our offices are open today.\nCome in & see us.")

    assert isinstance(post, XPost)
    assert post.text == "Our offices are open today.\nCome in & see us."
    assert post.author_id == "10937"
    assert post.created_at.tzinfo is not None
    assert abs((datetime.now(UTC) - post.created_at).total_seconds()) < 60
    assert [s["id"] for s in mastodon_sandbox.statuses_by("10937")] == [post.id]
    # Sent to the sandbox for the account's own instance.
    assert ("POST", "/api/v1/statuses", 200, "social.example.gov.uk") in mastodon_sandbox.requests


def test_a_reply_names_the_status_it_answers(mastodon_sandbox, mastodon_account):
    question = mastodon_sandbox.inject_status("citizen@other.example", "@comms@social.example.gov.uk when?")

    reply = PROVIDER.post_create(mastodon_account, text="@citizen@other.example At 9am.", reply_to_id=question["id"])

    assert reply.reply_to_post_id == question["id"]
    stored = mastodon_sandbox.statuses_by("10937")[0]
    assert stored["in_reply_to_id"] == question["id"]
    # The remote mention is written as typed, not as the `@citizen` the HTML shows.
    assert reply.text == "@citizen@other.example At 9am."


def test_the_same_idempotency_key_makes_one_status(mastodon_sandbox, mastodon_account):
    first = PROVIDER.post_create(mastodon_account, text="Once only.", idempotency_key="draft-1-rev-2-0")
    again = PROVIDER.post_create(mastodon_account, text="Once only.", idempotency_key="draft-1-rev-2-0")
    other = PROVIDER.post_create(mastodon_account, text="Once only.", idempotency_key="draft-1-rev-3-0")

    assert first.id == again.id != other.id
    assert len(mastodon_sandbox.statuses_by("10937")) == 2


def test_a_status_over_the_instance_limit_is_refused_with_mastodon_s_words(mastodon_sandbox, mastodon_account):
    with pytest.raises(InvalidRequest) as refused:
        PROVIDER.post_create(mastodon_account, text="a" * 501)

    assert refused.value.status_code == 422
    assert "Mastodon (social.example.gov.uk)" in refused.value.message
    assert "Text character limit of 500 exceeded" in refused.value.message
    assert mastodon_sandbox.statuses_by("10937") == []


def test_the_instance_limit_is_respected_when_it_is_raised(mastodon_sandbox, mastodon_account):
    mastodon_sandbox.set_max_characters(1000)

    assert PROVIDER.connect(mastodon_account)["max_characters"] == 1000
    post = PROVIDER.post_create(mastodon_account, text="b" * 800)

    assert len(post.text) == 800
    with pytest.raises(InvalidRequest, match="limit of 1000 exceeded"):
        PROVIDER.post_create(mastodon_account, text="b" * 1001)


def test_links_count_as_23_and_remote_mentions_as_the_user(mastodon_sandbox, mastodon_account):
    link = "https://www.gov.uk/" + "x" * 200
    text = f"{link} @someone@a.very.long.instance.example " + "c" * (500 - 23 - 1 - len("@someone") - 1)

    post = PROVIDER.post_create(mastodon_account, text=text)

    assert link in post.text
    with pytest.raises(InvalidRequest):
        PROVIDER.post_create(mastodon_account, text=text + "d")


def test_connect_says_who_the_token_belongs_to(mastodon_sandbox, mastodon_account):
    assert PROVIDER.connect(mastodon_account) == {
        "id": "10937",
        "acct": "comms",
        "display_name": "Department for Comms",
        "max_characters": 500,
    }


def test_a_bad_token_is_rejected_naming_mastodon(mastodon_sandbox, mastodon_account):
    mastodon_account.access_token = "revoked"

    with pytest.raises(CredentialsRejected) as rejected:
        PROVIDER.profile(mastodon_account)

    assert rejected.value.status_code == 401
    assert "Mastodon (social.example.gov.uk) rejected" in rejected.value.message
    assert "connect it again" in rejected.value.message


def test_an_account_with_no_instance_is_refused_before_any_request(mastodon_sandbox, mastodon_account):
    mastodon_account.instance_url = ""

    with pytest.raises(InvalidRequest, match="no Mastodon instance"):
        PROVIDER.post_create(mastodon_account, text="Hello")
    assert mastodon_sandbox.requests == []


def test_post_delete_removes_the_status_and_a_second_delete_is_not_found(mastodon_sandbox, mastodon_account):
    post = PROVIDER.post_create(mastodon_account, text="Posted by mistake.")

    PROVIDER.post_delete(mastodon_account, post_id=post.id)

    assert mastodon_sandbox.statuses_by("10937") == []
    with pytest.raises(NotFound, match="Mastodon"):
        PROVIDER.post_delete(mastodon_account, post_id=post.id)


def test_recent_posts_are_the_account_s_own_newest_first_as_plain_text(mastodon_sandbox, mastodon_account):
    mastodon_sandbox.inject_status("someone", "Not ours.")
    first = PROVIDER.post_create(mastodon_account, text="First.\n\nA second paragraph.")
    second = PROVIDER.post_create(mastodon_account, text="Reply <to> #Tag", reply_to_id=first.id)

    posts = PROVIDER.recent_posts(mastodon_account)

    assert [p.id for p in posts] == [second.id, first.id]
    assert posts[1].text == "First.\n\nA second paragraph."
    assert posts[0].text == "Reply <to> #Tag"
    assert posts[0].reply_to_post_id == first.id
    assert posts[0].entities["hashtags"] == [{"tag": "tag"}]


def test_media_upload_sends_the_alt_text_and_waits_until_it_is_processed(mastodon_sandbox, mastodon_account):
    mastodon_sandbox.set_faults(media_processing_polls=2)

    media_id = PROVIDER.media_upload(
        mastodon_account, data=b"\x89PNG\r\n\x1a\n" + b"0" * 64, mime_type="image/png", alt_text="A map of the site"
    )
    post = PROVIDER.post_create(mastodon_account, text="Where to find us.", media_ids=[media_id])

    media = mastodon_sandbox.state.media[media_id]
    assert media.description == "A map of the site"
    assert media.status_id == int(post.id)
    gets = [r for r in mastodon_sandbox.requests if r[1] == f"/api/v1/media/{media_id}"]
    assert [r[2] for r in gets] == [206, 206, 200]


def test_alt_text_over_1500_characters_is_refused(mastodon_sandbox, mastodon_account):
    with pytest.raises(InvalidRequest, match="Description is too long"):
        PROVIDER.media_upload(mastodon_account, data=b"png", mime_type="image/png", alt_text="a" * 1501)


def test_more_than_four_images_are_refused(mastodon_sandbox, mastodon_account):
    ids = [
        PROVIDER.media_upload(mastodon_account, data=b"png", mime_type="image/png", alt_text=f"Image {n}")
        for n in range(5)
    ]

    with pytest.raises(InvalidRequest, match="more than 4"):
        PROVIDER.post_create(mastodon_account, text="Too many.", media_ids=ids)


def test_profile_is_the_account_as_mastodon_shows_it(mastodon_sandbox, mastodon_account):
    mastodon_sandbox.add_user("comms", id="10937", note="News & updates\nfrom the department")

    profile = PROVIDER.profile(mastodon_account)

    assert profile.id == "10937"
    assert profile.username == "comms"
    assert profile.name == "Department for Comms"
    assert profile.description == "News & updates\nfrom the department"
    assert profile.url == "https://social.example.gov.uk/@comms"
    assert profile.profile_image_url.startswith("https://social.example.gov.uk/")


def test_post_url_is_on_the_account_s_instance(mastodon_account):
    assert PROVIDER.post_url(mastodon_account, "113") == "https://social.example.gov.uk/@comms/113"


def test_mentions_since_reads_mentions_newest_first_and_moves_the_cursor(mastodon_sandbox, mastodon_account):
    older = mastodon_sandbox.inject_status("alice@other.example", "@comms@social.example.gov.uk hello")
    mastodon_sandbox.inject_status("bob", "no mention here")
    newer = mastodon_sandbox.inject_status("bob", "@comms thanks!")

    page = PROVIDER.mentions_since(mastodon_account)

    assert [p.id for p in page.posts] == [newer["id"], older["id"]]
    alice = page.posts[1].author
    assert (alice.username, alice.name) == ("alice@other.example", "alice")
    assert page.posts[1].text == "@comms hello"
    assert page.newest_id is not None

    later = mastodon_sandbox.inject_status("carol", "@comms one more")
    again = PROVIDER.mentions_since(mastodon_account, since_id=page.newest_id)
    assert [p.id for p in again.posts] == [later["id"]]
    assert PROVIDER.mentions_since(mastodon_account, since_id=again.newest_id).posts == []


def test_mentions_since_follows_the_link_header_across_pages(mastodon_sandbox, mastodon_account):
    from networks.mastodon import provider

    ids = [mastodon_sandbox.inject_status(f"user{n}", f"@comms number {n}")["id"] for n in range(5)]
    original = provider.NOTIFICATIONS_PAGE
    provider.NOTIFICATIONS_PAGE = 2
    try:
        page = PROVIDER.mentions_since(mastodon_account, max_pages=5)
        budget = PROVIDER.mentions_since(mastodon_account, max_pages=2)
    finally:
        provider.NOTIFICATIONS_PAGE = original

    assert [p.id for p in page.posts] == list(reversed(ids))
    assert (page.pages_read, page.truncated) == (3, False)
    assert (budget.pages_read, budget.truncated, len(budget.posts)) == (2, True, 4)


def test_search_finds_words_and_hashtags_newest_first(mastodon_sandbox, mastodon_account):
    one = mastodon_sandbox.inject_status("alice", "The flood warning is lifted #floods")
    two = mastodon_sandbox.inject_status("bob", "Another flood warning for the valley")
    mastodon_sandbox.inject_status("carol", "Nothing about water")

    words = PROVIDER.search(mastodon_account, query="flood warning")
    tag = PROVIDER.search(mastodon_account, query="#floods")

    assert [p.id for p in words.posts] == [two["id"], one["id"]]
    assert [p.id for p in tag.posts] == [one["id"]]
    newer = mastodon_sandbox.inject_status("dan", "flood warning again")
    assert [p.id for p in PROVIDER.search(mastodon_account, query="flood warning", since_id=words.newest_id).posts] == [
        newer["id"]
    ]


def test_an_instance_without_full_text_search_finds_nothing_rather_than_failing(mastodon_sandbox, mastodon_account):
    mastodon_sandbox.inject_status("alice", "flood warning")
    mastodon_sandbox.set_faults(search_enabled=False)

    page = PROVIDER.search(mastodon_account, query="flood warning", since_id="5")

    assert page.posts == []
    assert page.newest_id == "5"


def test_a_mention_names_our_account_as_dovecote_keeps_it_and_links_to_the_status(mastodon_sandbox, mastodon_account):
    status = mastodon_sandbox.inject_status("alice@other.example", "@comms thanks")

    [post] = PROVIDER.mentions_since(mastodon_account).posts

    # Dovecote keeps Mastodon handles as user@instance: the mention of the local `comms` matches it.
    assert post.entities["mentions"] == [{"username": "comms@social.example.gov.uk", "id": "10937"}]
    assert post.url == status["url"] == f"https://other.example/@alice/{status['id']}"
