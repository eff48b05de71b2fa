"""What a monitor searches for on Bluesky and Mastodon, and why reads there are outside X's read budget."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from monitoring import budget
from monitoring.network_ingest import search_terms
from twitter_api.models import ApiCall
from twitter_api.query import QuerySyntaxError, parse
from twitter_api.replies import ReplyTarget, reply_verdict
from twitter_api.types import XPost


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("passport", ["passport"]),
        ('"passport office"', ["passport office"]),
        ("#Passports", ["#passports"]),
        ("passport OR visa", ["passport", "visa"]),
        ("(passport OR visa) delay", ["delay"]),  # an AND needs one side: the one with fewest searches
        ("passport delay lang:en -is:retweet", ["passport"]),  # the longest word of the plain ones
        ("from:someone", []),  # nothing plain to search for: not searched on other networks
        ("@someone passport", ["passport"]),
        ("passport OR from:someone", []),  # one side cannot be searched, so neither can the OR
    ],
)
def test_a_monitor_searches_the_plain_words_and_hashtags_every_match_must_contain(query, terms):
    assert search_terms(query) == terms


WORDS = st.sampled_from(["passport", "visa", "delay", "#border", '"long wait"', "office", "queue"])


@st.composite
def queries(draw, depth=2):
    if depth == 0 or draw(st.booleans()):
        return draw(WORDS)
    children = draw(st.lists(queries(depth=depth - 1), min_size=2, max_size=3))
    return "(" + draw(st.sampled_from([" OR ", " "])).join(children) + ")"


@settings(max_examples=150, deadline=None)
@given(queries(), st.lists(WORDS, min_size=1, max_size=6))
def test_every_post_a_monitor_matches_contains_one_of_its_search_terms(query, words):
    """The searches find every post the query matches: a matching post contains one of the terms (the rest, found by
    a term alone, are dropped by the local matcher)."""
    try:
        parsed = parse(query)
    except QuerySyntaxError:
        return
    post = XPost(id="1", text=" ".join(w.strip('"') for w in words), author_id="2", created_at=timezone.now())
    if not parsed.matches(post):
        return
    terms = search_terms(query)
    assert terms
    assert any(parse(f'"{t}"' if " " in t else t).matches(post) for t in terms), (query, post.text, terms)


@pytest.mark.django_db
def test_calls_to_bluesky_and_mastodon_are_outside_x_s_read_budget():
    now = timezone.now()
    ApiCall.objects.create(endpoint="GET /2/users/:id/mentions", method="GET", posts_read=7, created_at=now)
    ApiCall.objects.create(endpoint="bluesky:app.bsky.notification.listNotifications", method="GET", posts_read=500)
    ApiCall.objects.create(endpoint="mastodon:GET /api/v1/notifications", method="GET", posts_read=900, cost=0)
    assert budget.budget_state(now).used == 7
    assert budget.calls_in(budget.month_start(now)).count() == 1
    assert budget.for_dashboard(now=now + timedelta(seconds=1)).posts_read == 7


def test_x_s_reply_rule_holds_only_on_x():
    target = ReplyTarget(post_id="1", author_x_id="99", author_username="someone", text="nothing about us")

    class Account:
        handle = "dept"
        x_user_id = "1"
        api_access = "self_serve"
        network = "x"

    assert reply_verdict(Account(), target).refused
    Account.network = "bluesky"
    verdict = reply_verdict(Account(), target)
    assert verdict.allowed and verdict.certain and "Bluesky" in verdict.reason
    Account.network = "mastodon"
    assert reply_verdict(Account(), None).allowed
