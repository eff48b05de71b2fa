import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.template.defaultfilters import date as date_filter
from django.urls import reverse, set_script_prefix

from core.formats import clip, when
from core.paths import path_with_pk


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


TEMPLATE_FORMATS = sorted(
    {
        match
        for path in (Path(settings.BASE_DIR) / "templates").rglob("*.html")
        for match in re.findall(r'\|when:"([^"]+)"', path.read_text())
    }
)


@pytest.mark.parametrize("django_format", TEMPLATE_FORMATS)
@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 1, 5, 9, 7, 3, tzinfo=UTC),  # GMT, single-digit day and hour
        datetime(2026, 7, 31, 23, 30, 59, tzinfo=UTC),  # BST: already 1 August in London
        datetime(2026, 10, 25, 0, 59, tzinfo=UTC),  # the hour the clocks go back
    ],
)
def test_when_formats_as_the_date_filter_does_in_uk_time(django_format, value):
    context = Context({"value": value})
    expected = Template(f'{{{{ value|date:"{django_format}" }}}}').render(context)
    assert Template(f'{{% load dovecote %}}{{{{ value|when:"{django_format}" }}}}').render(context) == expected


def test_when_formats_dates_and_passes_anything_else_to_the_date_filter():
    assert when(date(2026, 3, 1), "l j F Y") == "Sunday 1 March 2026"
    assert when(None, "j M") == ""
    assert when("not a date", "j M") == date_filter("not a date", "j M")


def test_every_format_the_templates_use_is_known():
    assert TEMPLATE_FORMATS, "no template uses the when filter"
    for django_format in TEMPLATE_FORMATS:
        when(datetime(2026, 1, 1, tzinfo=UTC), django_format)  # raises on an unknown letter
