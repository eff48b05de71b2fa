"""twitter_api.client end to end: tweepy against the running sandbox, plain data out, domain errors."""

import socket
from datetime import UTC, datetime

import pytest
import requests

from tests.factories import TwitterAccountFactory
from twitter_api import client
from twitter_api.errors import CredentialsRejected, Forbidden, NotFound, RateLimited, Transient
from twitter_api.types import XPage, XPost, XUser

pytestmark = pytest.mark.django_db


def test_post_create_publishes_as_the_account_and_returns_plain_data(x_sandbox, dept):
    post = client.post_create(dept, text="Our offices are open today.")

    assert isinstance(post, XPost)
    assert post.text == "Our offices are open today."
    assert post.author_id == dept.x_user_id
    assert post.created_at.tzinfo is not None
    assert [p["id"] for p in x_sandbox.posts_by(dept.x_user_id)] == [post.id]


def test_post_create_as_a_reply_links_to_the_post_replied_to(x_sandbox, dept):
    question = x_sandbox.inject_post("worried_citizen", "@DeptComms when do the offices open?")

    reply = client.post_create(dept, text="@worried_citizen At 9am, Monday to Friday.", reply_to_id=question["id"])

    assert reply.reply_to_post_id == question["id"]
    stored = x_sandbox.posts_by(dept.x_user_id)[0]
    assert stored["referenced_tweets"] == [{"type": "replied_to", "id": question["id"]}]
    assert stored["in_reply_to_user_id"] == question["author_id"]
    assert stored["conversation_id"] == question["id"]


def test_posting_the_same_text_twice_is_refused_as_a_duplicate(x_sandbox, dept):
    client.post_create(dept, text="Same words.")

    with pytest.raises(Forbidden) as excinfo:
        client.post_create(dept, text="Same words.")

    assert excinfo.value.is_duplicate
    assert "duplicate content" in excinfo.value.reason
    assert len(x_sandbox.posts_by(dept.x_user_id)) == 1


def test_a_post_that_is_too_long_is_forbidden_but_not_a_duplicate(x_sandbox, dept):
    with pytest.raises(Forbidden) as excinfo:
        client.post_create(dept, text="x" * 281)

    assert not excinfo.value.is_duplicate
    assert "too long" in excinfo.value.reason


def test_post_delete_removes_the_post(x_sandbox, dept):
    post = client.post_create(dept, text="A post to delete.")

    client.post_delete(dept, post_id=post.id)

    assert x_sandbox.posts_by(dept.x_user_id) == []


def test_deleting_a_post_that_does_not_exist_raises_not_found(x_sandbox, dept):
    with pytest.raises(NotFound):
        client.post_delete(dept, post_id="12345")


def test_user_me_says_who_the_credentials_belong_to(x_sandbox, dept):
    me = client.user_me(dept)

    assert me == XUser(
        id=dept.x_user_id, username="DeptComms", name=dept.display_name, verified=True, followers_count=25_000
    )


def test_mentions_since_reads_posts_after_the_cursor_with_their_authors(x_sandbox, dept):
    old = x_sandbox.inject_post("early_bird", "@DeptComms first")
    new = x_sandbox.inject_post(
        "bbc_jane_news",
        "@DeptComms is the minister available? #pressquery",
        author_followers=90_000,
        author_verified=True,
    )
    x_sandbox.inject_post("someone_else", "not a mention of anyone")

    page = client.mentions_since(dept, since_id=old["id"])

    assert isinstance(page, XPage)
    assert [p.id for p in page.posts] == [new["id"]]
    post = page.posts[0]
    assert post.author == XUser(
        id=new["author_id"],
        username="bbc_jane_news",
        name="bbc_jane_news",
        verified=True,
        followers_count=90_000,
    )
    assert post.entities["hashtags"][0]["tag"] == "pressquery"
    assert post.entities["mentions"][0]["username"] == "DeptComms"
    assert post.lang == "en"
    assert post.conversation_id == new["id"]
    assert page.newest_id == new["id"]
    assert (page.pages_read, page.posts_read, page.truncated) == (1, 1, False)


def test_mentions_since_follows_pages_newest_first_up_to_the_page_budget(x_sandbox, dept):
    ids = [x_sandbox.inject_post(f"citizen{n}", f"@DeptComms question {n}")["id"] for n in range(12)]

    page = client.mentions_since(dept, max_results=5, max_pages=2)

    assert [p.id for p in page.posts] == list(reversed(ids))[:10]
    assert (page.pages_read, page.posts_read, page.truncated) == (2, 10, True)
    assert page.newest_id == ids[-1]

    everything = client.mentions_since(dept, max_results=5, max_pages=5)
    assert [p.id for p in everything.posts] == list(reversed(ids))
    assert (everything.pages_read, everything.truncated) == (3, False)


def test_pages_between_two_posts_hold_only_those_in_between_and_say_how_far_they_reached(x_sandbox, dept):
    ids = [x_sandbox.inject_post(f"citizen{n}", f"@DeptComms passport {n}")["id"] for n in range(12)]
    between = {"since_id": ids[2], "until_id": ids[9], "max_results": 5}  # posts 3 to 8, newest first

    for stream in (
        client.mentions_pages(dept, max_pages=5, **between),
        client.search_pages("passport", max_pages=5, **between),
    ):
        assert [p.id for page in stream for p in page] == list(reversed(ids[3:9]))
        assert (stream.newest, stream.oldest, stream.truncated) == (int(ids[8]), int(ids[3]), False)
    first_page_only = client.mentions_pages(dept, max_pages=1, **between)  # 5 a page (a search takes 10 at least)
    assert [p.id for page in first_page_only for p in page] == list(reversed(ids[4:9]))
    assert (first_page_only.oldest, first_page_only.truncated) == (int(ids[4]), True)


def test_mentions_since_with_nothing_new_returns_an_empty_page(x_sandbox, dept):
    last = x_sandbox.inject_post("citizen", "@DeptComms hello")

    page = client.mentions_since(dept, since_id=last["id"])

    assert page == XPage(posts=[], newest_id=None, pages_read=1, posts_read=0, truncated=False)


def test_mentions_of_a_user_x_does_not_know_raise_not_found(x_sandbox):
    stranger = TwitterAccountFactory(x_user_id="777")
    x_sandbox.state.add_user(
        username="ghost", access_token=stranger.access_token, access_token_secret=stranger.access_token_secret
    )

    with pytest.raises(NotFound):
        client.mentions_since(stranger)


def test_recent_posts_lists_the_accounts_own_posts_newest_first(x_sandbox, dept):
    first = client.post_create(dept, text="First")
    second = client.post_create(dept, text="Second")
    x_sandbox.inject_post("citizen", "@DeptComms not ours")

    posts = client.recent_posts(dept)

    assert [p.id for p in posts] == [second.id, first.id]
    assert client.recent_posts(dept, since_id=first.id)[0].id == second.id


def test_an_account_without_credentials_is_rejected_before_calling_x(x_sandbox, dept):
    dept.access_token = ""

    with pytest.raises(CredentialsRejected):
        client.user_me(dept)

    assert x_sandbox.requests == []


def test_revoked_tokens_raise_credentials_rejected(x_sandbox, dept):
    x_sandbox.revoke(dept)

    with pytest.raises(CredentialsRejected) as excinfo:
        client.user_me(dept)

    assert excinfo.value.status_code == 401
    assert "reconnect" in excinfo.value.message


def test_a_wrong_consumer_secret_fails_the_signature_check(x_sandbox, dept, settings):
    settings.X_CONSUMER_SECRET = "not-the-real-secret"

    with pytest.raises(CredentialsRejected):
        client.user_me(dept)


def test_a_wrong_bearer_token_is_rejected(x_sandbox, settings):
    settings.X_BEARER_TOKEN = "stolen-or-expired"

    with pytest.raises(CredentialsRejected):
        client.search_recent("passport")


def test_a_request_without_credentials_gets_xs_401(x_sandbox):
    response = requests.get(f"{x_sandbox.url}/2/users/me", timeout=5)

    assert response.status_code == 401
    assert response.json() == {"title": "Unauthorized", "detail": "Unauthorized", "type": "about:blank", "status": 401}


def test_rate_limited_calls_raise_with_the_reset_time_from_the_headers(x_sandbox, dept):
    x_sandbox.set_rate_limit("GET /2/users/me", 2, window_seconds=600)
    client.user_me(dept)
    client.user_me(dept)

    with pytest.raises(RateLimited) as excinfo:
        client.user_me(dept)

    reset_at = excinfo.value.reset_at
    window_start = x_sandbox.state.windows[("GET /2/users/me", f"user:{dept.x_user_id}")][0]
    assert reset_at == datetime.fromtimestamp(window_start + 600, tz=UTC)
    assert "limiting" in excinfo.value.message


def test_rate_limits_are_counted_per_token(x_sandbox, dept):
    other = TwitterAccountFactory()
    x_sandbox.register_account(other)
    x_sandbox.set_rate_limit("GET /2/users/me", 1)

    client.user_me(dept)
    client.user_me(other)
    with pytest.raises(RateLimited):
        client.user_me(dept)


def test_a_forced_429_raises_rate_limited(x_sandbox, dept):
    x_sandbox.set_faults(force_429=1)

    with pytest.raises(RateLimited):
        client.mentions_since(dept)
    assert client.mentions_since(dept).pages_read == 1


def test_a_server_error_is_transient_and_certain_not_to_have_acted(x_sandbox, dept):
    x_sandbox.set_faults(force_5xx=1)

    with pytest.raises(Transient) as excinfo:
        client.post_create(dept, text="Try me")

    assert not excinfo.value.uncertain
    assert excinfo.value.status_code == 503
    assert x_sandbox.posts_by(dept.x_user_id) == []


def test_a_connection_dropped_after_x_accepted_the_post_is_transient_and_uncertain(x_sandbox, dept):
    x_sandbox.set_faults(drop_after_accept=1)

    with pytest.raises(Transient) as excinfo:
        client.post_create(dept, text="Did this go out?")

    assert excinfo.value.uncertain
    assert [p["text"] for p in x_sandbox.posts_by(dept.x_user_id)] == ["Did this go out?"]
    assert [p.text for p in client.recent_posts(dept)] == ["Did this go out?"]


def test_a_timeout_is_transient_and_uncertain(x_sandbox, dept, settings):
    settings.X_REQUEST_TIMEOUT_SECONDS = 0.2
    x_sandbox.set_faults(latency=0.5)

    with pytest.raises(Transient) as excinfo:
        client.user_me(dept)

    assert excinfo.value.uncertain


def test_a_refused_connection_is_transient_and_certain(x_sandbox, dept, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.X_API_BASE_URL = f"http://127.0.0.1:{port}"

    with pytest.raises(Transient) as excinfo:
        client.post_create(dept, text="Nobody is listening")

    assert not excinfo.value.uncertain


def test_search_recent_finds_matching_posts_after_the_cursor(x_sandbox):
    before = x_sandbox.inject_post("citizen_a", "My passport renewal is late")
    match = x_sandbox.inject_post("citizen_b", "Still waiting on my PASSPORT, three weeks now", lang="en")
    x_sandbox.inject_post("citizen_c", "Lovely weather today")
    x_sandbox.inject_post("citizen_d", "passport photo booth broken", lang="fr")

    page = client.search_recent("passport lang:en", since_id=before["id"])

    assert [p.id for p in page.posts] == [match["id"]]
    assert page.posts[0].author.username == "citizen_b"
    assert page.newest_id == match["id"]


def test_search_recent_follows_next_tokens_up_to_the_page_budget(x_sandbox):
    ids = [x_sandbox.inject_post(f"person{n}", f"#NHS waiting list post {n}")["id"] for n in range(25)]
    x_sandbox.inject_post("noise", "nothing to see")

    page = client.search_recent("#nhs", max_results=10, max_pages=2)

    assert [p.id for p in page.posts] == list(reversed(ids))[:20]
    assert (page.pages_read, page.posts_read, page.truncated) == (2, 20, True)
    rest = client.search_recent("#nhs", since_id=ids[19], max_results=10)
    assert [p.id for p in rest.posts] == list(reversed(ids[20:]))


def test_search_recent_refuses_a_query_longer_than_the_limit(x_sandbox, settings):
    from twitter_api.errors import InvalidRequest

    settings.X_QUERY_LENGTH_LIMIT = 20
    x_sandbox.state.query_length_limit = 20

    with pytest.raises(InvalidRequest) as excinfo:
        client.search_recent("passport OR visa OR driving licence")

    assert "too long" in excinfo.value.message


def test_search_recent_reports_a_query_x_cannot_parse(x_sandbox):
    from twitter_api.errors import InvalidRequest

    with pytest.raises(InvalidRequest) as excinfo:
        client.search_recent("(passport OR")

    assert excinfo.value.status_code == 400


def test_text_x_accepts_is_posted_even_if_our_drafting_rules_are_stricter(x_sandbox, dept):
    # 280 weighted characters with a URL counted as 23, and an emoji counted as 2.
    text = "🎉 " + "a" * 250 + " https://www.gov.uk/some/very/long/path/that/counts/as/23"
    post = client.post_create(dept, text=text)

    assert post.text == text


def test_text_with_characters_x_refuses_is_an_invalid_request(x_sandbox, dept):
    from twitter_api.errors import InvalidRequest

    with pytest.raises(InvalidRequest):
        client.post_create(dept, text="Hello \ufffe")


def test_search_recent_only_sees_the_last_seven_days_like_x(x_sandbox):
    from datetime import timedelta

    now = datetime.now(tz=UTC)
    x_sandbox.inject_post("old_news", "passport queues", created_at=now - timedelta(days=8))
    recent = x_sandbox.inject_post("new_news", "passport queues again", created_at=now - timedelta(days=6))

    assert [p.id for p in client.search_recent("passport").posts] == [recent["id"]]


def answer(body: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response.headers["content-type"] = "application/json; charset=utf-8"
    response._content = body
    return response


def test_an_answer_is_read_once_and_kept_for_the_meter_and_the_caller():
    response = answer('{"data": [{"id": "1", "text": "café ☕"}], "meta": {"result_count": 1}}'.encode())

    payload = client._json(response)

    assert payload == {"data": [{"id": "1", "text": "café ☕"}], "meta": {"result_count": 1}}
    assert client._decoded(response) is payload


def test_an_answer_only_pythons_json_reader_accepts_is_read_as_before():
    # A lone surrogate escape and a NaN: orjson refuses both, Python's reader (and so requests) takes them.
    response = answer(b'{"data": [{"id": "1", "text": "half \\ud83d a pair"}], "meta": {"score": NaN}}')

    payload = client._json(response)

    assert payload["data"][0]["text"] == "half \ud83d a pair"
    assert payload["meta"]["score"] != payload["meta"]["score"]  # NaN


def test_an_answer_that_is_not_json_is_transient():
    with pytest.raises(Transient, match="could not read"), client._translated_errors():
        client._json(answer(b"<html>502 Bad Gateway</html>"))
