"""The boundary where X's JSON becomes plain data: whatever X sends, it never raises, and what it gives back holds
only text PostgreSQL and UTF-8 accept; what cannot be read is set aside with the reason."""

from datetime import UTC, datetime

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twitter_api import client
from twitter_api.types import snowflake_time

# Text as X might garble it: any character, with NULs and surrogates (lone, or a split pair) mixed in.
awkward_text = st.lists(
    st.one_of(
        st.characters(exclude_categories=()),
        st.sampled_from(["\x00", "\ud800", "\udfff", "\ud83d", "\ude00", "\ud83d\ude00", "\u202e", "\ufeff"]),
    ),
    max_size=30,
).map("".join)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    awkward_text,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(awkward_text, inner, max_size=4)),
    max_leaves=12,
)
ids = st.one_of(
    st.integers(min_value=1, max_value=2**63 - 1).map(str),
    st.integers(min_value=-5, max_value=2**64),
    st.sampled_from(["", "0", "12ab", "١٢٣", " 12", "9" * 25]),
)


def maybe(valid):
    """The right kind of value most of the time, anything at all otherwise."""
    return st.one_of(valid, valid, json_values)


entity_items = st.fixed_dictionaries(
    {},
    optional={
        "start": maybe(st.integers(0, 280)),
        "end": maybe(st.integers(0, 280)),
        "username": maybe(awkward_text),
        "tag": maybe(awkward_text),
        "id": maybe(ids),
        "expanded_url": maybe(awkward_text),
        "unwound_url": maybe(awkward_text),
    },
)
entities = st.fixed_dictionaries(
    {}, optional={kind: maybe(st.lists(maybe(entity_items), max_size=3)) for kind in client._ENTITY_KINDS}
)
posts = st.fixed_dictionaries(
    {},
    optional={
        "id": maybe(ids),
        "text": maybe(awkward_text),
        "author_id": maybe(ids),
        "created_at": maybe(st.one_of(st.datetimes().map(datetime.isoformat), awkward_text)),
        "conversation_id": maybe(ids),
        "in_reply_to_user_id": maybe(ids),
        "lang": maybe(awkward_text),
        "entities": maybe(entities),
        "referenced_tweets": maybe(
            st.lists(maybe(st.fixed_dictionaries({"type": maybe(awkward_text), "id": maybe(ids)})), max_size=3)
        ),
    },
)
users = st.fixed_dictionaries(
    {},
    optional={
        "id": maybe(ids),
        "username": maybe(awkward_text),
        "name": maybe(awkward_text),
        "verified": maybe(st.booleans()),
        "public_metrics": maybe(st.fixed_dictionaries({}, optional={"followers_count": maybe(st.integers())})),
    },
)
payloads = st.fixed_dictionaries(
    {},
    optional={
        "data": maybe(st.lists(maybe(posts), max_size=6)),
        "includes": maybe(st.fixed_dictionaries({}, optional={"users": maybe(st.lists(maybe(users), max_size=4))})),
        "meta": maybe(st.fixed_dictionaries({}, optional={"newest_id": maybe(ids), "next_token": json_values})),
    },
)


def is_clean(value: str) -> bool:
    """Storable: no NUL (PostgreSQL refuses it) and no lone surrogate (UTF-8 has none)."""
    try:
        return isinstance(value, str) and "\x00" not in value and value.encode("utf-8").decode() == value
    except UnicodeEncodeError:
        return False


def is_x_id(value) -> bool:
    return isinstance(value, str) and value.isascii() and value.isdigit() and 0 < int(value) < 2**63


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payloads)
def test_any_page_is_read_without_raising_into_clean_posts_and_posts_set_aside(payload):
    posts_read, set_aside = client.parse_page(payload)
    data = payload.get("data")
    sent = len(data) if isinstance(data, list) else (0 if data is None else 1)
    assert len(posts_read) + len(set_aside) == sent  # every post X sent is either read or set aside
    for post in posts_read:
        assert is_x_id(post.id)
        assert is_clean(post.text)
        assert post.author_id == "" or is_x_id(post.author_id)
        assert all(v is None or is_x_id(v) for v in (post.conversation_id, post.in_reply_to_user_id))
        assert post.reply_to_post_id is None or is_x_id(post.reply_to_post_id)
        assert post.lang is None or is_clean(post.lang)
        assert post.created_at.tzinfo is not None
        for kind, keys in client._ENTITY_TEXT.items():  # what matching and routing read of them (not stored)
            items = post.entities.get(kind, [])
            assert isinstance(items, list)
            for item in items:
                assert all(isinstance(item.get(key, ""), str) for key in keys)
        if post.author is not None:
            assert is_x_id(post.author.id) and post.author.id == post.author_id
            assert is_clean(post.author.username) and is_clean(post.author.name)
            assert isinstance(post.author.verified, bool) and post.author.followers_count >= 0
        orjson.dumps([post.text, post.created_at, post.author_id, post.lang])  # what storing serialises
    for item in set_aside:
        assert item.id is None or is_x_id(item.id)
        assert item.reason


@settings(max_examples=200, deadline=None)
@given(awkward_text)
def test_cleaned_text_is_storable_and_cleaning_it_again_changes_nothing(text):
    cleaned = client.clean_text(text)
    assert is_clean(cleaned)
    assert client.clean_text(cleaned) == cleaned
    if is_clean(text):
        assert cleaned == text


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("passport\x00 delayed", "passport delayed"),
        ("lone \ud83d high", "lone \ufffd high"),
        ("lone \ude00 low", "lone \ufffd low"),
        ("a split pair \ud83d\ude00 joined", "a split pair 😀 joined"),
        ("already fine 😀", "already fine 😀"),
    ],
)
def test_nuls_go_and_lone_surrogates_become_the_replacement_character(text, cleaned):
    assert client.clean_text(text) == cleaned


def test_a_post_with_a_bad_time_takes_the_time_its_id_was_minted():
    post_id = "1712345678901234567"
    post = client.parse_post({"id": post_id, "text": "hello", "created_at": "not a time"})
    assert post.created_at == snowflake_time(post_id)
    naive = client.parse_post({"id": post_id, "text": "hello", "created_at": "2026-11-02T09:30:00"})
    assert naive.created_at == datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"text": "no id"}, "no id"),
        ({"id": "12ab", "text": "x"}, "an id that is not an X id"),
        ({"id": "1", "text": ["x"]}, "text that is not a string"),
        ({"id": "1"}, "no text"),
        ("just a string", "a post that is not an object"),
    ],
)
def test_what_cannot_be_read_is_set_aside_with_why(item, reason):
    posts, set_aside = client.parse_page({"data": [{"id": "5", "text": "good"}, item]})
    assert [p.id for p in posts] == ["5"]
    (aside,) = set_aside
    assert aside.reason.startswith(reason)
