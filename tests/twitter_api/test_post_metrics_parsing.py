"""X's answer to a lookup of the account's own posts, read defensively: every figure may be missing, mistyped or
hostile text; one unreadable post never loses the others; a partial "Not Found" error says a post is gone."""

from hypothesis import given
from hypothesis import strategies as st

from twitter_api.metrics import parse_figures, parse_lookup

A, B, C = "1860000000000000001", "1860000000000000002", "1860000000000000003"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner, max_size=4),
    max_leaves=20,
)


def good(post_id: str, **extra) -> dict:
    return {
        "id": post_id,
        "text": "Hello",
        "edit_history_tweet_ids": [post_id],
        "public_metrics": {
            "repost_count": 3,
            "reply_count": 2,
            "like_count": 10,
            "quote_count": 1,
            "bookmark_count": 4,
            "impression_count": 500,
        },
        "non_public_metrics": {"impression_count": 500, "url_link_clicks": 7, "user_profile_clicks": 2},
        **extra,
    }


def test_a_post_with_every_figure_is_read_whole():
    found = parse_lookup({"data": [good(A)]}, [A])

    figures = found.figures[A]
    assert (figures.impressions, figures.likes, figures.replies, figures.reposts, figures.link_clicks) == (
        500,
        10,
        2,
        3,
        7,
    )
    assert (found.gone, found.unread, found.posts_read) == (set(), set(), 1)


def test_organic_and_older_names_are_read_when_the_public_ones_are_missing():
    item = {"id": A, "organic_metrics": {"impression_count": 9, "like_count": 1, "retweet_count": 2}}

    figures = parse_figures(item)

    assert (figures.impressions, figures.likes, figures.reposts, figures.link_clicks) == (9, 1, 2, None)


def test_mistyped_figures_are_not_offered_rather_than_guessed():
    item = good(A)
    item["public_metrics"] = {
        "like_count": "12",  # digits as text: read
        "reply_count": -1,
        "repost_count": 2.5,
        "impression_count": True,
        "quote_count": "1e3",
        "bookmark_count": 2**70,
    }
    item["non_public_metrics"] = "not an object"

    figures = parse_figures(item)

    assert figures.likes == 12
    assert (figures.replies, figures.reposts, figures.impressions, figures.quotes, figures.bookmarks) == (None,) * 5
    assert figures.link_clicks is None


def test_one_unreadable_post_never_loses_the_others_and_hostile_text_is_cleaned():
    payload = {
        "data": [good(A, text="NUL\x00 and a lone \ud800 surrogate"), {"id": ["no"]}, "not a post", good(B)],
    }

    found = parse_lookup(payload, [A, B, C])

    assert set(found.figures) == {A, B}
    assert found.figures[A].text == "NUL and a lone \ufffd surrogate"
    assert found.unread == {C}
    assert found.posts_read == 4  # X bills what it returned


def test_a_partial_not_found_error_says_the_post_is_gone():
    payload = {
        "data": [good(A)],
        "errors": [
            {
                "value": B,
                "detail": f"Could not find tweet with id: [{B}].",
                "title": "Not Found Error",
                "resource_type": "tweet",
                "parameter": "ids",
                "resource_id": B,
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            },
            # Not ours to judge: a post not asked for, and an error of another kind.
            {"resource_id": "999", "type": "https://api.x.com/2/problems/resource-not-found", "resource_type": "tweet"},
            {"resource_id": C, "type": "https://api.x.com/2/problems/not-authorized-for-resource"},
        ],
    }

    found = parse_lookup(payload, [A, B, C])

    assert found.gone == {B}
    assert found.unread == {C}


def test_only_errors_means_every_post_asked_for_is_gone():
    errors = [{"resource_id": i, "title": "Not Found Error", "resource_type": "tweet"} for i in (A, B)]

    found = parse_lookup({"errors": errors}, [A, B])

    assert (found.figures, found.gone) == ({}, {A, B})


def test_an_edited_post_lists_its_later_versions():
    figures = parse_figures(good(A, edit_history_tweet_ids=[A, C, B, "junk", 5]))

    assert figures.newer_versions == [B, C]
    assert parse_figures(good(A, edit_history_tweet_ids=None, edit_history_post_ids=[A, B])).newer_versions == [B]


@given(payload=json_values, item=json_values)
def test_no_answer_x_could_send_breaks_the_reading(payload, item):
    found = parse_lookup(payload, [A])
    assert set(found.figures) | found.gone | found.unread == {A}
    mixed = parse_lookup({"data": [item, good(A)], "errors": [item]}, [A, B])
    assert A in mixed.figures
