"""The x_sandbox fixture other apps' tests rely on: routed settings, an empty world per test, direct access."""

import pytest
from django.conf import settings

from twitter_api import client


def test_it_points_the_client_at_the_sandbox(x_sandbox):
    assert settings.X_API_BASE_URL == x_sandbox.url
    assert x_sandbox.url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize("attempt", [1, 2])
def test_each_test_starts_with_an_empty_sandbox(x_sandbox, attempt):
    assert x_sandbox.state.posts == [] and x_sandbox.state.users == {}
    assert x_sandbox.requests == []
    x_sandbox.inject_post("leftover", "left behind?")
    x_sandbox.set_faults(force_5xx=3)


def test_registered_accounts_can_post_and_their_posts_are_listed_newest_first(x_sandbox, dept):
    client.post_create(dept, text="One")
    client.post_create(dept, text="Two")

    assert [p["text"] for p in x_sandbox.posts_by(dept.x_user_id)] == ["Two", "One"]
    assert x_sandbox.requests == [("POST", "/2/tweets", 201), ("POST", "/2/tweets", 201)]


def test_injected_posts_come_back_as_x_renders_them(x_sandbox):
    post = x_sandbox.inject_post("citizen", "@DeptComms help #tax", lang="cy", author_followers=7, author_verified=True)

    assert set(post) == {
        "edit_history_tweet_ids",
        "id",
        "text",
        "author_id",
        "created_at",
        "conversation_id",
        "lang",
        "entities",
    }
    author = x_sandbox.state.users[post["author_id"]]
    assert (author.username, author.followers_count, author.verified) == ("citizen", 7, True)
    assert post["lang"] == "cy"


def test_usernames_x_would_not_allow_are_refused(x_sandbox):
    with pytest.raises(ValueError, match="1 to 15"):
        x_sandbox.inject_post("a_username_that_is_far_too_long", "hello")
