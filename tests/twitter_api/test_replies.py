"""Replies X will accept: the one rule (twitter_api.replies) as a table, and the sandbox enforcing X's own rule."""

from dataclasses import dataclass

import pytest

from twitter_api import client
from twitter_api.errors import Forbidden
from twitter_api.replies import ReplyTarget, reply_verdict

ACCOUNT_ID = "1500000000000000009"


@dataclass
class Account:
    handle: str = "DeptComms"
    x_user_id: str = ACCOUNT_ID
    api_access: str = "self_serve"


def target(text="", author="111", quoted="", username="citizen_jo"):
    return ReplyTarget(post_id="5", author_x_id=author, author_username=username, text=text, quoted_author_x_id=quoted)


@pytest.mark.parametrize(
    ("access", "post", "allowed", "certain", "says"),
    [
        ("self_serve", target("@DeptComms when does it open?"), True, True, "mentioned @DeptComms"),
        ("self_serve", target("hello @deptcomms"), True, True, "mentioned"),  # X's handles ignore case
        ("self_serve", target("@DeptCommsX is not us"), False, True, "did not mention"),
        ("self_serve", target("email DeptComms@example.com"), False, True, "did not mention"),
        ("self_serve", target("Nothing about us at all"), False, True, "X will refuse this reply"),
        ("self_serve", target("Quoting you", quoted=ACCOUNT_ID), True, True, "quoted one of @DeptComms's posts"),
        ("self_serve", target("Quoting another", quoted="222"), False, True, "did not mention"),
        ("self_serve", target("Our own post", author=ACCOUNT_ID), True, True, "own post"),
        ("self_serve", None, False, False, "has not seen this post"),
        ("enterprise", target("Nothing about us"), True, True, "not limited"),
        ("public_utility", None, True, True, "not limited"),
    ],
)
def test_who_may_reply_through_the_api(access, post, allowed, certain, says):
    verdict = reply_verdict(Account(api_access=access), post)
    assert (verdict.allowed, verdict.certain) == (allowed, certain)
    assert says in verdict.reason
    assert verdict.refused is (not allowed and certain)
    if not allowed:
        assert "X's own app" in verdict.instead and "new post" in verdict.instead


# --- The sandbox enforces X's rule ------------------------------------------------------------------------------


def test_the_sandbox_accepts_a_reply_where_the_author_mentioned_the_account(x_sandbox, dept):
    parent = x_sandbox.inject_post("citizen_jo", "@DeptComms when does the consultation open?")
    post = client.post_create(dept, text="@citizen_jo On Monday.", reply_to_id=parent["id"])
    assert post.reply_to_post_id == parent["id"]


def test_the_sandbox_refuses_a_reply_that_was_not_summoned_with_xs_words(x_sandbox, dept):
    parent = x_sandbox.inject_post("citizen_jo", "The consultation is a mess")
    with pytest.raises(Forbidden) as refused:
        client.post_create(dept, text="@citizen_jo Sorry to hear that.", reply_to_id=parent["id"])
    assert "not been mentioned or otherwise engaged" in refused.value.reason
    assert not refused.value.is_duplicate
    assert x_sandbox.posts_by(dept.x_user_id) == []


def test_the_sandbox_accepts_a_reply_to_a_post_quoting_the_account(x_sandbox, dept):
    ours = client.post_create(dept, text="Our consultation opens on Monday.")
    parent = x_sandbox.inject_post("citizen_jo", "Look at this", quote_of=ours.id)
    assert client.post_create(dept, text="@citizen_jo Thanks.", reply_to_id=parent["id"]).id


def test_the_sandbox_accepts_a_thread(x_sandbox, dept):
    first = client.post_create(dept, text="1/2 Our consultation opens on Monday.")
    assert client.post_create(dept, text="2/2 Details on the website.", reply_to_id=first.id).id


def test_an_app_that_is_not_self_serve_may_reply_anywhere(x_sandbox, dept):
    x_sandbox.state.set_access(self_serve=False)
    parent = x_sandbox.inject_post("citizen_jo", "The consultation is a mess")
    assert client.post_create(dept, text="@citizen_jo Sorry to hear that.", reply_to_id=parent["id"]).id


def test_the_sandbox_is_told_the_app_s_access_over_http(x_sandbox):
    import requests

    session = requests.Session()
    session.trust_env = False
    answer = session.post(f"{x_sandbox.url}/_sandbox/app", json={"self_serve": False}, timeout=5).json()
    assert answer["data"]["self_serve"] is False
    answer = session.post(f"{x_sandbox.url}/_sandbox/credits", json={"exhausted": True}, timeout=5).json()
    assert answer["data"]["credits_exhausted"] is True
    assert x_sandbox.state.access.credits_exhausted


def test_quote_posts_are_refused_to_self_serve_apps(x_sandbox, dept):
    import requests
    from django.conf import settings
    from requests_oauthlib import OAuth1

    parent = x_sandbox.inject_post("citizen_jo", "Something to quote")
    auth = OAuth1(settings.X_CONSUMER_KEY, settings.X_CONSUMER_SECRET, dept.access_token, dept.access_token_secret)
    session = requests.Session()
    session.trust_env = False
    answer = session.post(
        f"{x_sandbox.url}/2/tweets", json={"text": "Look", "quote_tweet_id": parent["id"]}, auth=auth, timeout=5
    )
    assert answer.status_code == 403
    assert "Quote posts" in answer.json()["detail"]
