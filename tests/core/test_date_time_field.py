"""The GOV.UK date input and time box (core.forms.DateTimeField): what people type, what it means in UK time, and
the sentence each mistake gets; never an exception other than a form error."""

from datetime import UTC, datetime

import pytest
from django import forms
from hypothesis import given, settings
from hypothesis import strategies as st

from core.forms import DateTimeField, clock_time


class WhenForm(forms.Form):
    when = DateTimeField(label="Publish at", help_text="UK time.")


class OptionalForm(forms.Form):
    when = DateTimeField(label="Publish at", required=False)


def _form(day="", month="", year="", time="", form_class=WhenForm):
    return form_class({"when_day": day, "when_month": month, "when_year": year, "when_time": time})


@pytest.mark.parametrize(
    ("day", "month", "year", "time", "utc"),
    [
        ("14", "1", "2027", "14:30", datetime(2027, 1, 14, 14, 30, tzinfo=UTC)),  # GMT
        ("14", "7", "2027", "14:30", datetime(2027, 7, 14, 13, 30, tzinfo=UTC)),  # BST
        ("04", "07", "2027", "09:05", datetime(2027, 7, 4, 8, 5, tzinfo=UTC)),
        (" 4 ", "Jul", "2027", "9.05", datetime(2027, 7, 4, 8, 5, tzinfo=UTC)),
        ("4", "july", "2027", "2:30pm", datetime(2027, 7, 4, 13, 30, tzinfo=UTC)),
        ("4", "7", "2027", "2pm", datetime(2027, 7, 4, 13, 0, tzinfo=UTC)),
        ("4", "7", "2027", "12am", datetime(2027, 7, 3, 23, 0, tzinfo=UTC)),
        ("4", "7", "2027", "midday", datetime(2027, 7, 4, 11, 0, tzinfo=UTC)),
        ("29", "2", "2028", "00:00", datetime(2028, 2, 29, 0, 0, tzinfo=UTC)),
        # The clocks go back at 2am BST on 25 October 2026: 1:30 happens twice, and the first (BST) is meant.
        ("25", "10", "2026", "01:30", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        ("25", "10", "2026", "02:00", datetime(2026, 10, 25, 2, 0, tzinfo=UTC)),
        # The clocks go forward at 1am GMT on 28 March 2027: 0:59 is GMT, 2:00 is BST.
        ("28", "3", "2027", "00:59", datetime(2027, 3, 28, 0, 59, tzinfo=UTC)),
        ("28", "3", "2027", "02:00", datetime(2027, 3, 28, 1, 0, tzinfo=UTC)),
    ],
)
def test_it_reads_a_day_and_a_time_in_uk_time(day, month, year, time, utc):
    form = _form(day, month, year, time)
    assert form.is_valid(), form.errors
    value = form.cleaned_data["when"]
    assert value.tzinfo is not None
    assert value == utc


@pytest.mark.parametrize(
    ("day", "month", "year", "time", "message"),
    [
        ("", "", "", "", "Enter a date and time."),
        ("", "7", "2027", "14:30", "The date must include a day."),
        ("4", "", "", "14:30", "The date must include a month and year."),
        ("31", "2", "2027", "14:30", "Enter a real date, for example 27 3 2027."),
        ("0", "1", "2027", "14:30", "Enter a real date, for example 27 3 2027."),
        ("4", "13", "2027", "14:30", "Enter a real date, for example 27 3 2027."),
        ("four", "7", "2027", "14:30", "Enter a real date, for example 27 3 2027."),
        ("4", "7", "27", "14:30", "The year must include 4 numbers."),
        ("4", "7", "2027", "", "Enter a time like 14:30."),
        ("4", "7", "2027", "25:00", "Enter a time like 14:30."),
        ("4", "7", "2027", "14:60", "Enter a time like 14:30."),
        ("4", "7", "2027", "13pm", "Enter a time like 14:30."),
        ("4", "7", "2027", "14", "Enter a time like 14:30."),
        ("4", "7", "2027", "soon", "Enter a time like 14:30."),
    ],
)
def test_each_mistake_gets_a_sentence_saying_what_to_fix(day, month, year, time, message):
    form = _form(day, month, year, time)
    assert not form.is_valid()
    assert form.errors["when"] == [message]


def test_a_time_the_clocks_skip_is_refused_saying_so():
    form = _form("28", "3", "2027", "01:30")
    assert not form.is_valid()
    (message,) = form.errors["when"]
    assert "does not exist in London" in message and "clocks go forward an hour at 1am" in message


def test_an_optional_field_left_empty_is_none():
    form = _form(form_class=OptionalForm)
    assert form.is_valid()
    assert form.cleaned_data["when"] is None


def test_a_single_iso_value_is_still_read():
    form = WhenForm({"when": "2027-07-04T14:30"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["when"] == datetime(2027, 7, 4, 13, 30, tzinfo=UTC)


def test_what_was_typed_is_shown_back_with_the_error_and_its_ids():
    html = str(_form("31", "2", "2027", "half two")["when"].as_widget())
    for typed in ('value="31"', 'value="2"', 'value="2027"', 'value="half two"'):
        assert typed in html
    assert "govuk-input--error" in html
    assert 'id="id_when_0"' in html and 'for="id_when_3"' in html
    assert 'name="when_day"' in html and 'name="when_time"' in html


def test_an_error_summary_link_lands_on_the_day_box():
    form = _form("31", "2", "2027", "14:30")
    assert form["when"].id_for_label == "id_when_0"


def test_a_saved_time_is_shown_in_uk_time():
    form = WhenForm(initial={"when": datetime(2027, 7, 4, 13, 30, tzinfo=UTC)})
    html = str(form["when"])
    for shown in ('value="4"', 'value="7"', 'value="2027"', 'value="14:30"'):
        assert shown in html


@pytest.mark.parametrize(("text", "hour", "minute"), [("00:00", 0, 0), ("23:59", 23, 59), ("12pm", 12, 0)])
def test_clock_time_reads_the_edges(text, hour, minute):
    assert clock_time(text) == datetime(2000, 1, 1, hour, minute).time()


PART = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(10**6), max_value=10**12).map(str),
    st.sampled_from(["", "0", "00", "29", "31", "9999", "0001", "12:60", "24:00", "1.30", "1e3", "\x00", "\ud800"]),
)


@settings(max_examples=300, deadline=None)
@given(day=PART, month=PART, year=PART, time=PART)
def test_whatever_is_typed_is_a_value_or_a_form_error(day, month, year, time):
    form = _form(day, month, year, time)
    if form.is_valid():
        value = form.cleaned_data["when"]
        assert value.tzinfo is not None
    else:
        assert form.errors["when"]
    str(form["when"])  # and it shows back


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=30))
def test_whatever_single_value_is_sent_is_a_value_or_a_form_error(text):
    form = WhenForm({"when": text})
    form.is_valid()
    str(form["when"])
