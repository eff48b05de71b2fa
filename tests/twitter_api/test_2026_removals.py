"""What X removed in 2026 is not offered: no quote posts, likes or follows (gone from self-serve on 2026-04-20), and
reposts are not expected in keyword search (not returned since 2026-05-04)."""

import inspect

from monitoring.demo import DEMO_MONITORS
from twitter_api import client


def test_the_client_offers_no_likes_follows_quotes_or_reposts():
    operations = [name for name, value in vars(client).items() if inspect.isfunction(value) and name[0] != "_"]
    removed = [name for name in operations if any(word in name for word in ("like", "follow", "quote", "retweet"))]
    assert removed == []
    assert not any("quote" in parameter for parameter in inspect.signature(client.post_create).parameters)


def test_search_does_not_return_reposts(x_sandbox, dept):
    original = x_sandbox.inject_post("citizen_jo", "The passport office is closed today")
    x_sandbox.inject_post("someone_else", "The passport office is closed today", retweet_of=original["id"])

    page = client.search_recent("passport")

    assert [post.id for post in page.posts] == [original["id"]]
    assert not any(post.is_retweet for post in page.posts)


def test_the_demo_monitors_spend_no_query_characters_excluding_reposts():
    assert not any("is:retweet" in query for _, _, query, _ in DEMO_MONITORS)
