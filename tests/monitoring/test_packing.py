"""Packing monitors' queries into few OR queries, and attributing what they find back to each monitor."""

import random

import pytest

from monitoring import packing
from monitoring.routing import Router
from twitter_api import client
from twitter_api.query import parse

WORDS = [
    "passport",
    "visa",
    "refund",
    "tax",
    "benefits",
    "housing",
    "school",
    "nhs",
    "budget",
    "minister",
    "delay",
    "queue",
    "office",
    "energy",
    "pension",
    "childcare",
    "transport",
    "rail",
    "border",
    "court",
]


def generated_monitors(count, seed=3):
    rng = random.Random(seed)
    shapes = [
        lambda: rng.choice(WORDS),
        lambda: f"{rng.choice(WORDS)} {rng.choice(WORDS)}",
        lambda: f"({rng.choice(WORDS)} OR {rng.choice(WORDS)}) {rng.choice(WORDS)}",
        lambda: f'"{rng.choice(WORDS)} {rng.choice(WORDS)}" -{rng.choice(WORDS)}',
        lambda: f"#{rng.choice(WORDS)} lang:en",
        lambda: f"{rng.choice(WORDS)} OR {rng.choice(WORDS)} -is:retweet",
    ]
    return [(n + 1, rng.choice(shapes)()) for n in range(count)]


@pytest.mark.parametrize("limit", [80, 200, 512])
def test_each_packed_query_fits_the_limit_and_together_they_cover_exactly_the_monitors(limit):
    monitors = generated_monitors(300)
    suffix = packing.exclusion_suffix(["DeptForExample", "MinisterJones"])
    packed = packing.pack(monitors, limit=limit, suffix=suffix)
    assert all(len(p.query) <= limit for p in packed)
    ids = [mid for p in packed for mid in p.monitor_ids]
    assert sorted(ids) == [mid for mid, _ in monitors]
    for p in packed:
        parse(p.query)  # each packed query is valid X syntax


def test_packing_is_close_to_the_lower_bound():
    monitors = generated_monitors(500)
    packed = packing.pack(monitors, limit=512)
    assert len(packed) <= packing.lower_bound(monitors, limit=512) * 1.1 + 1


def test_a_query_too_long_to_pack_is_refused():
    with pytest.raises(ValueError, match="over the limit"):
        packing.pack([(1, "word " * 30)], limit=50)


def test_packing_keeps_precedence_with_parentheses():
    packed = packing.pack([(1, "a b"), (2, "c OR d")], limit=512, suffix=" -@us")
    assert packed[0].query == "((a b) OR c OR d) -@us"


@pytest.mark.django_db
def test_attribution_of_packed_results_matches_each_monitor_alone(x_sandbox, settings):
    settings.X_QUERY_LENGTH_LIMIT = 120
    x_sandbox.state.query_length_limit = 120
    monitors = generated_monitors(25, seed=11)
    rng = random.Random(5)
    for n in range(150):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6)))
        tag = f" #{rng.choice(WORDS)}" if n % 4 == 0 else ""
        quoted = f' "{rng.choice(WORDS)} {rng.choice(WORDS)}"' if n % 5 == 0 else ""
        x_sandbox.inject_post(f"user{n % 17}", words + tag + quoted, lang="en" if n % 3 else "fr")
    alone = {}
    for mid, query in monitors:
        alone[mid] = {p.id for p in client.search_recent(query, max_pages=20).posts}
    router = Router(monitors=monitors, rules=[], watchlists={}, account_teams={}, triage_team_id=None)
    packed = packing.pack(monitors, limit=120)
    assert len(packed) > 1
    attributed = {mid: set() for mid, _ in monitors}
    for group in packed:
        for post in client.search_recent(group.query, max_pages=20).posts:
            for mid in router.match_monitors(post):
                attributed[mid].add(post.id)
    assert attributed == alone
    assert any(alone.values())


def _post(text, mentions=()):
    from datetime import UTC, datetime

    from twitter_api.types import XPost

    return XPost(
        id="1",
        text=text,
        author_id="2",
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
        conversation_id="1",
        in_reply_to_user_id=None,
        reply_to_post_id=None,
        lang="en",
        is_retweet=False,
        entities={"mentions": [{"username": m} for m in mentions]} if mentions else {},
        author=None,
    )


def test_a_lone_or_query_is_grouped_so_the_exclusion_covers_all_of_it():
    [packed] = packing.pack([(1, "benefits OR pensions")], limit=512, suffix=" -@DeptForExample")
    assert packed.query.startswith("(") and packed.query.endswith(" -@DeptForExample")
    query = parse(packed.query)
    assert not query.matches(_post("pensions are late @DeptForExample", mentions=["DeptForExample"]))
    assert not query.matches(_post("benefits are late @DeptForExample", mentions=["DeptForExample"]))
    assert query.matches(_post("pensions are late"))


def test_every_packed_query_with_a_suffix_is_within_the_limit():
    monitors = [(i, q) for i, q in enumerate(["a OR b", "tax relief", '"cost of living" OR energy'] * 40)]
    for packed in packing.pack(monitors, limit=120, suffix=" -@DeptForExample -@DeptExPress"):
        assert len(packed.query) <= 120


def test_slower_monitors_fill_the_room_left_in_faster_queries_without_slowing_them():
    monitors = generated_monitors(200)
    intervals = {mid: (60 if mid <= 3 else 300) for mid, _ in monitors}  # three fast monitors, the rest slow
    suffix = packing.exclusion_suffix(["DeptForExample", "MinisterJones"])
    packed = packing.pack(monitors, limit=300, suffix=suffix, intervals=intervals)

    assert all(len(p.query) <= 300 for p in packed)
    assert sorted(m for p in packed for m in p.monitor_ids) == [mid for mid, _ in monitors]
    # Each query is polled at its fastest member's interval: no monitor is polled less often than it asked.
    for p in packed:
        assert p.interval == min(intervals[m] for m in p.monitor_ids)
    [fast] = [p for p in packed if p.interval == 60]
    assert {1, 2, 3} <= set(fast.monitor_ids) and len(fast.monitor_ids) > 3  # room used by slow monitors
    separately = sum(
        len(packing.pack([(m, q) for m, q in monitors if intervals[m] == seconds], limit=300, suffix=suffix))
        for seconds in (60, 300)
    )
    assert len(packed) < separately


def test_the_deepest_query_a_monitor_may_have_still_parses_once_packed():
    from monitoring.forms import MONITOR_MAX_NESTING, query_error

    # OR and AND alternating at every level: the canonical form nests deeper than the typed one.
    query = "x"
    for level in range(MONITOR_MAX_NESTING):
        query = f"({query} a{level} OR b{level}) c{level}"
    assert query_error(query) is None

    packed = packing.pack([(1, query), (2, "tax")], limit=100_000, suffix=" -@DeptComms")

    assert max(p.query.count("((") for p in packed) > 0 and all(parse(p.query) for p in packed)
    assert query_error(f"d ({query} e OR f)") is not None  # one level more is refused
