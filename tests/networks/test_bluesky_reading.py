"""Reading Bluesky through the provider: mentions (notifications), search, and hostile items set aside."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from networks.bluesky import provider as bluesky
from tests.factories import TwitterAccountFactory

DID = "did:plc:deptaccount00000000000001"
PROVIDER = bluesky.PROVIDER
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def account(db, bluesky_sandbox):
    account = TwitterAccountFactory(
        network="bluesky", handle="dept.bsky.social", access_token="app-password", access_token_secret="", x_user_id=DID
    )
    bluesky_sandbox.register_account(account)
    return account


def test_mentions_replies_and_quotes_come_newest_first_with_their_authors(account, bluesky_sandbox):
    own = bluesky_sandbox.state.inject_post("dept.bsky.social", "Our announcement", created_at=T0)
    resident = bluesky_sandbox.add_user("resident.bsky.social", display_name="A Resident")
    mention = bluesky_sandbox.inject_post(
        "resident.bsky.social", "Hello @dept.bsky.social", mention_dids=[DID], created_at=T0 + timedelta(minutes=1)
    )
    reply = bluesky_sandbox.inject_post("other.bsky.social", "When?", reply_to_uri=own["uri"])
    quote = bluesky_sandbox.inject_post("third.bsky.social", "Look at this", quote_uri=own["uri"])
    bluesky_sandbox.inject_post("resident.bsky.social", "Nothing to do with the department")
    page = PROVIDER.mentions_since(account)
    assert [p.id for p in page.posts] == [quote["uri"], reply["uri"], mention["uri"]]
    first_mention = page.posts[2]
    assert first_mention.author.id == resident["did"]
    assert first_mention.author.username == "resident.bsky.social"
    assert first_mention.author.name == "A Resident"
    assert first_mention.entities == {"mentions": [{"id": DID}]}
    assert page.posts[1].reply_to_post_id == own["uri"]
    assert page.posts[1].in_reply_to_user_id == DID
    assert page.posts[0].quoted_post_id == own["uri"]
    assert page.newest_id == datetime.fromisoformat(quote["indexed_at"].replace("Z", "+00:00")).isoformat()


def test_a_handle_in_the_text_without_a_facet_is_a_mention_too(account, bluesky_sandbox):
    post = bluesky_sandbox.inject_post("resident.bsky.social", "cc @Dept.bsky.social please")
    assert [p.id for p in PROVIDER.mentions_since(account).posts] == [post["uri"]]


def test_the_cursor_returns_only_what_came_after_it(account, bluesky_sandbox):
    bluesky_sandbox.inject_post("a.bsky.social", "@dept.bsky.social one")
    first = PROVIDER.mentions_since(account)
    later = bluesky_sandbox.inject_post("b.bsky.social", "@dept.bsky.social two")
    second = PROVIDER.mentions_since(account, since_id=first.newest_id)
    assert [p.id for p in second.posts] == [later["uri"]]
    third = PROVIDER.mentions_since(account, since_id=second.newest_id)
    assert third.posts == [] and third.newest_id == second.newest_id


def test_mentions_are_read_page_by_page_up_to_the_budget(account, bluesky_sandbox):
    for number in range(120):
        bluesky_sandbox.inject_post("a.bsky.social", f"@dept.bsky.social number {number}")
    page = PROVIDER.mentions_since(account, max_pages=2)
    assert page.pages_read == 2 and page.truncated and len(page.posts) == 100
    everything = PROVIDER.mentions_since(account, max_pages=5)
    assert everything.pages_read == 3 and not everything.truncated and len(everything.posts) == 120
    assert len({p.id for p in everything.posts}) == 120


def test_search_finds_the_latest_posts_with_the_words(account, bluesky_sandbox):
    older = bluesky_sandbox.inject_post("a.bsky.social", "Bin collection on Tuesday", created_at=T0)
    newer = bluesky_sandbox.inject_post("b.bsky.social", "No bin collection this week")
    bluesky_sandbox.inject_post("c.bsky.social", "Library hours")
    page = PROVIDER.search(account, query="bin collection")
    assert [p.id for p in page.posts] == [newer["uri"], older["uri"]]
    assert bluesky_sandbox.state.request_log[-1][1] == "app.bsky.feed.searchPosts"
    again = PROVIDER.search(account, query="bin collection", since_id=page.newest_id)
    assert again.posts == []
    latest = bluesky_sandbox.inject_post("d.bsky.social", "Bin collection resumes")
    assert [p.id for p in PROVIDER.search(account, query="bin", since_id=page.newest_id).posts] == [latest["uri"]]


HOSTILE_TEXT = st.one_of(
    st.text(),
    st.sampled_from(["\x00", "a\x00b", "\ud800", "x\udfffy", "\ud83d"]),
    st.none(),
    st.integers(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
HOSTILE_ITEM = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
    st.fixed_dictionaries(
        {},
        optional={
            "uri": st.one_of(HOSTILE_TEXT, st.just("at://did:plc:x/app.bsky.feed.post/3k\ud800")),
            "cid": HOSTILE_TEXT,
            "author": st.one_of(
                HOSTILE_TEXT,
                st.fixed_dictionaries(
                    {}, optional={"did": HOSTILE_TEXT, "handle": HOSTILE_TEXT, "displayName": HOSTILE_TEXT}
                ),
            ),
            "reason": HOSTILE_TEXT,
            "record": st.one_of(
                HOSTILE_TEXT,
                st.fixed_dictionaries(
                    {},
                    optional={
                        "text": HOSTILE_TEXT,
                        "createdAt": st.one_of(HOSTILE_TEXT, st.just("2026-11-02T09:00:00Z")),
                        "reply": st.one_of(HOSTILE_TEXT, st.fixed_dictionaries({"parent": HOSTILE_TEXT})),
                        "facets": st.one_of(HOSTILE_TEXT, st.lists(HOSTILE_TEXT, max_size=2)),
                        "embed": HOSTILE_TEXT,
                        "langs": st.one_of(HOSTILE_TEXT, st.lists(HOSTILE_TEXT, max_size=2)),
                    },
                ),
            ),
            "indexedAt": st.one_of(HOSTILE_TEXT, st.just("2026-11-02T09:00:00.000Z")),
        },
    ),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(HOSTILE_ITEM, min_size=1, max_size=3))
def test_hostile_notifications_are_set_aside_and_never_stop_the_rest(account, bluesky_sandbox, items):
    good = bluesky_sandbox.inject_post("resident.bsky.social", "Hello @dept.bsky.social")
    bluesky_sandbox.set_faults(malformed=items)
    page = PROVIDER.mentions_since(account)
    assert good["uri"] in [p.id for p in page.posts]
    for post in page.posts:
        for text in (post.id, post.text, post.author_id, post.author.username, post.author.name):
            assert "\x00" not in text
            text.encode("utf-8")  # no lone surrogate
    bluesky_sandbox.state.posts.clear()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(HOSTILE_ITEM, min_size=1, max_size=3))
def test_hostile_search_results_are_set_aside_and_never_stop_the_rest(account, bluesky_sandbox, items):
    good = bluesky_sandbox.inject_post("resident.bsky.social", "Council tax bands")
    bluesky_sandbox.set_faults(malformed=items)
    page = PROVIDER.search(account, query="council")
    assert good["uri"] in [p.id for p in page.posts]
    for post in page.posts:
        post.text.encode("utf-8")
    bluesky_sandbox.state.posts.clear()


def test_a_post_with_nul_and_a_lone_surrogate_is_kept_cleaned(account, bluesky_sandbox):
    bluesky_sandbox.set_faults(
        malformed=[
            {
                "uri": "at://did:plc:someone/app.bsky.feed.post/3kxyz",
                "cid": "bafyreib",
                "author": {"did": "did:plc:someone", "handle": "some\x00one.bsky.social", "displayName": "Bad \ud800"},
                "reason": "mention",
                "record": {"text": "Hi\x00 @dept.bsky.social \udfff", "createdAt": "2026-11-02T09:00:00Z"},
                "indexedAt": "2026-11-02T09:00:01.000Z",
            }
        ]
    )
    [post] = PROVIDER.mentions_since(account).posts
    assert post.text == "Hi @dept.bsky.social \ufffd"
    assert post.author.username == "someone.bsky.social"
    assert post.author.name == "Bad \ufffd"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | HOSTILE_TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(item=st.one_of(JSON, HOSTILE_ITEM))
def test_any_item_is_a_clean_post_or_set_aside_as_unreadable(item):
    from twitter_api.client import Unreadable

    try:
        post, indexed = bluesky.parse_item(item)
    except Unreadable:
        return
    assert post.id.startswith("at://")
    for text in (post.id, post.text, post.author_id, post.author.username, post.author.name, post.lang or ""):
        assert "\x00" not in text
        text.encode("utf-8")
