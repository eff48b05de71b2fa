"""A status's HTML read back as the text its author wrote (what reconciling compares), for any text Mastodon would
render as upstream's TextFormatter does (the sandbox's renderer)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from networks.mastodon.provider import html_to_text
from networks.mastodon.sandbox import MastodonState

WORDS = st.sampled_from(
    [
        "hello",
        "<b>not bold</b>",
        "a & b",
        '"quoted"',
        "it's",
        "#Floods",
        "@comms",
        "@alice@other.example",
        "https://www.gov.uk/guidance/a-very-long-path-that-is-shortened-on-screen?q=1&x=2",
        "émoji 👩‍👩‍👧",
        "1 < 2 > 0",
    ]
)
SEPARATORS = st.sampled_from([" ", "\n", "\n\n"])


@st.composite
def texts(draw):
    words = draw(st.lists(WORDS, min_size=1, max_size=8))
    text = words[0]
    for word in words[1:]:
        text += draw(SEPARATORS) + word
    return text


@pytest.fixture(scope="module")
def state():
    state = MastodonState()
    state.add_user("comms", id="10937")
    state.add_user("alice@other.example")
    return state


@settings(max_examples=200, deadline=None)
@given(text=texts())
def test_the_html_reads_back_as_the_text(state, text):
    author = state.users["10937"]
    status = state.create_status(author, text)
    rendered = state.render_status(status)

    assert html_to_text(rendered["content"], rendered["mentions"]) == text


def test_hostile_html_is_text_without_nul_or_surrogates():
    assert html_to_text("<p>a\x00b</p><p>\ud800<br>c&amp;<script>d</script></p>") == "ab\n\n\ufffd\nc&d"
