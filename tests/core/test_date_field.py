"""The GOV.UK date input for a day (core.forms.DateField) and the time box beside it (core.forms.TimeOfDayField):
what people type, the sentence each mistake gets in GOV.UK's words, and never an exception other than a form
error, whatever is sent."""

from datetime import date, time

import pytest
from django import forms
from hypothesis import given, settings
from hypothesis import strategies as st

from core.forms import DateField, TimeOfDayField


class DayForm(forms.Form):
    day = DateField(label="Exempt until", name="The end date", help_text="For example, 27 3 2027.")


class OptionalDayForm(forms.Form):
    day = DateField(label="From", required=False)


class TimeForm(forms.Form):
    at = TimeOfDayField(label="Time")


def _form(day="", month="", year="", form_class=DayForm):
    return form_class({"day_day": day, "day_month": month, "day_year": year})


@pytest.mark.parametrize(
    ("day", "month", "year", "expected"),
    [
        ("4", "7", "2027", date(2027, 7, 4)),
        ("04", "07", "2027", date(2027, 7, 4)),
        (" 4 ", "Jul", "2027", date(2027, 7, 4)),
        ("4", "july", "2027", date(2027, 7, 4)),
        ("29", "2", "2028", date(2028, 2, 29)),
        ("31", "12", "9999", date(9999, 12, 31)),
        ("1", "1", "0001", date(1, 1, 1)),
    ],
)
def test_it_reads_a_day_from_the_three_boxes(day, month, year, expected):
    form = _form(day, month, year)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == expected


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("", "", "", "Enter a date."),
        ("", "7", "2027", "The end date must include a day."),
        ("4", "", "2027", "The end date must include a month."),
        ("4", "", "", "The end date must include a month and year."),
        ("", "", "2027", "The end date must include a day and month."),
        ("31", "2", "2027", "The end date must be a real date."),
        ("29", "2", "2027", "The end date must be a real date."),
        ("0", "1", "2027", "The end date must be a real date."),
        ("4", "13", "2027", "The end date must be a real date."),
        ("four", "7", "2027", "The end date must be a real date."),
        ("4", "Juillet", "2027", "The end date must be a real date."),
        ("²", "7", "2027", "The end date must be a real date."),
        ("-4", "7", "2027", "The end date must be a real date."),
        ("4", "7", "27", "Year must include 4 numbers."),
        ("4", "7", "20277", "Year must include 4 numbers."),
        ("4", "7", "0000", "The end date must be a real date."),
    ],
)
def test_each_mistake_gets_gov_uk_s_sentence(day, month, year, message):
    form = _form(day, month, year)
    assert not form.is_valid()
    assert form.errors["day"] == [message]


def test_a_field_without_a_name_says_date():
    form = _form("4", "", "2027", form_class=OptionalDayForm)
    assert form.errors["day"] == ["Date must include a month."]


def test_an_optional_date_left_empty_is_none():
    form = _form(form_class=OptionalDayForm)
    assert form.is_valid()
    assert form.cleaned_data["day"] is None


def test_an_optional_date_not_sent_at_all_is_none():
    form = OptionalDayForm({})
    assert form.is_valid()
    assert form.cleaned_data["day"] is None


def test_a_single_iso_date_from_an_older_link_is_still_read():
    assert DayForm({"day": "2027-07-04"}).is_valid()
    form = DayForm({"day": "2027-02-30"})
    assert form.errors["day"] == ["The end date must be a real date."]


def test_what_was_typed_is_shown_back_in_gov_uk_markup_with_the_error():
    html = str(_form("31", "2", "2027")["day"].as_widget())
    for typed in ('value="31"', 'value="2"', 'value="2027"'):
        assert typed in html
    assert html.count("govuk-input--error") == 3
    assert 'class="govuk-date-input' in html and html.count("govuk-date-input__item") == 3
    assert 'id="id_day_0"' in html and 'for="id_day_2"' in html
    assert 'name="day_day"' in html and 'name="day_month"' in html and 'name="day_year"' in html
    assert 'inputmode="numeric"' in html
    assert 'type="date"' not in html and "_time" not in html


def test_a_saved_date_is_shown_in_the_boxes():
    html = str(DayForm(initial={"day": date(2027, 7, 4)})["day"])
    for shown in ('value="4"', 'value="7"', 'value="2027"'):
        assert shown in html


def test_an_error_summary_link_lands_on_the_day_box_and_the_field_is_a_fieldset():
    field = _form("31", "2", "2027")["day"]
    assert field.id_for_label == "id_day_0"
    assert field.use_fieldset


@pytest.mark.parametrize(
    ("text", "expected"),
    [("14:30", time(14, 30)), ("9.05", time(9, 5)), ("2:30pm", time(14, 30)), ("midday", time(12, 0))],
)
def test_the_time_box_reads_times_as_people_write_them(text, expected):
    form = TimeForm({"at": text})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["at"] == expected


@pytest.mark.parametrize("text", ["", "25:00", "14", "half nine", "13pm", "\x00"])
def test_the_time_box_refuses_anything_else_saying_how_to_write_it(text):
    form = TimeForm({"at": text})
    assert form.errors["at"] == ["Enter a time like 14:30."]


def test_the_time_box_is_a_text_box_showing_a_saved_time_as_hours_and_minutes():
    html = str(TimeForm(initial={"at": time(9, 5, 31)})["at"])
    assert 'type="text"' in html and 'value="09:05"' in html and 'type="time"' not in html
    assert "govuk-input--width-5" in html


PART = st.one_of(
    st.text(max_size=12),
    st.integers(min_value=-(10**6), max_value=10**12).map(str),
    st.sampled_from(["", "0", "00", "29", "31", "9999", "0001", "1e3", "²", "١٢", "\x00", "\ud800", "Sept", "٣"]),
)


@settings(max_examples=300, deadline=None)
@given(day=PART, month=PART, year=PART)
def test_whatever_is_typed_is_a_date_or_a_clear_form_error(day, month, year):
    form = _form(day, month, year)
    if form.is_valid():
        assert isinstance(form.cleaned_data["day"], date)
    else:
        (message,) = form.errors["day"]
        assert message in {
            "Enter a date.",
            "The end date must be a real date.",
            "Year must include 4 numbers.",
        } or message.startswith("The end date must include a ")
    str(form["day"])  # and it shows back


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=30))
def test_whatever_single_value_is_sent_is_a_date_or_a_form_error(text):
    form = DayForm({"day": text})
    if not form.is_valid():
        assert form.errors["day"]
    str(form["day"])


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(st.text(max_size=20), st.sampled_from(["24:00", "23:60", "0:00", "12am", "00:00pm"])))
def test_whatever_time_is_typed_is_a_time_or_a_clear_form_error(text):
    form = TimeForm({"at": text})
    if form.is_valid():
        assert isinstance(form.cleaned_data["at"], time)
    else:
        assert form.errors["at"] == ["Enter a time like 14:30."]
    str(form["at"])
