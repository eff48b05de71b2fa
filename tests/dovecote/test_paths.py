import pytest
from django.urls import reverse, set_script_prefix

from dovecote.paths import path_with_pk
from dovecote.templatetags.dovecote import clip


@pytest.mark.parametrize("viewname", ["tweets:draft_detail", "monitoring:item_detail", "training:course_detail"])
@pytest.mark.parametrize("pk", [1, 42, 918273645])
def test_a_path_with_a_key_is_what_reverse_gives(viewname, pk):
    assert path_with_pk(viewname, pk) == reverse(viewname, args=[pk])


def test_it_follows_the_script_prefix_when_served_under_a_path():
    try:
        set_script_prefix("/comms/")
        assert path_with_pk("tweets:draft_detail", 7) == reverse("tweets:draft_detail", args=[7])
        assert path_with_pk("tweets:draft_detail", 7).startswith("/comms/")
    finally:
        set_script_prefix("/")


def test_it_refuses_a_view_without_a_key_in_its_path():
    with pytest.raises(Exception):  # noqa: B017, PT011 - NoReverseMatch for a view that takes no key
        path_with_pk("home", 1)


@pytest.mark.parametrize(
    ("text", "length", "expected"),
    [("Short", 10, "Short"), ("Exactly10!", 10, "Exactly10!"), ("Eleven char", 10, "Eleven ch…"), (None, 5, "")],
)
def test_clip_cuts_long_text_to_the_length_with_an_ellipsis(text, length, expected):
    assert clip(text, length) == expected
