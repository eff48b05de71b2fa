"""The form renderer: Django's widget templates rendered by Jinja2, anything else by the Django engine; and local
times entered in forms.

A select renders each option through a template include, which Jinja2 does several times faster than the
Django template engine; the admin's and allauth's own widget templates exist only for the Django engine, so
they are found there.
"""

import re
from datetime import UTC, date, datetime, time
from functools import cached_property

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from django.utils import timezone


def in_london(naive: datetime) -> datetime:
    """A wall-clock time entered in a form, in UK time (settings.TIME_ZONE). A time the clocks skip when they go
    forward is refused, saying so; in the hour the clocks go back over, which happens twice, the first (British
    Summer Time) is meant."""
    zone = timezone.get_current_timezone()
    aware = naive.replace(tzinfo=zone, fold=0)
    skipped = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) - naive
    if skipped:
        gap_starts = naive.replace(minute=0, second=0, microsecond=0)
        hours = "an hour" if skipped.total_seconds() == 3600 else f"{skipped.total_seconds() / 3600:g} hours"
        raise ValidationError(
            f"{_clock(naive)} on {naive.day} {naive:%B %Y} does not exist in London: the clocks go forward {hours} "
            f"at {_clock(gap_starts)}. Choose a time before {_clock(gap_starts)} or from "
            f"{_clock(gap_starts + skipped)}.",
            code="nonexistent_time",
        )
    # In UTC: Python never counts a London time in the repeated hour equal to the same instant in another zone.
    return aware.astimezone(UTC)


def _clock(value: datetime) -> str:
    """As GOV.UK writes times: 1am, 1:30pm."""
    hour = value.hour % 12 or 12
    minutes = f":{value:%M}" if value.minute else ""
    return f"{hour}{minutes}{'am' if value.hour < 12 else 'pm'}"


MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
CLOCK = re.compile(r"(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<half>am|pm|a\.m\.|p\.m\.)?")
PARTS = ("day", "month", "year", "time")
ISO_INPUTS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")


def clock_time(text: str) -> time | None:
    """A time of day as people write it: 14:30, 14.30, 9:05, 2:30pm, 2pm, midday, midnight; None otherwise."""
    text = text.strip().lower().replace(" ", "")
    if text in ("midday", "noon", "12noon"):
        return time(12, 0)
    if text == "midnight":
        return time(0, 0)
    match = CLOCK.fullmatch(text)
    if not match or (match["minute"] is None and match["half"] is None):
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if match["half"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["half"].startswith("p") else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _box(width: int, **extra) -> forms.TextInput:
    return forms.TextInput(attrs={"class": f"govuk-input govuk-input--width-{width}", **extra})


class DateWidget(forms.MultiWidget):
    """The GOV.UK date input: day, month and year boxes in a fieldset. A bound form shows back exactly what was typed;
    an older single value (2027-03-28) is still read, for links and scripts that send one."""

    template_name = "core/widgets/date_time.html"
    use_fieldset = True
    parts = PARTS[:3]

    def __init__(self, attrs=None):
        widths = {"day": 2, "month": 2, "year": 4}
        super().__init__(
            {part: _box(widths[part], inputmode="numeric", autocomplete="off") for part in self.parts}, attrs
        )

    def id_for_label(self, id_):
        # The day box: where an error summary's link for the field lands (Django's MultiWidget gives none).
        return f"{id_}_0" if id_ else ""

    def decompress(self, value):
        if isinstance(value, str):
            value = _iso_date(value)
        if isinstance(value, date):
            return [str(value.day), str(value.month), str(value.year)]
        return [None] * len(self.parts)

    def value_from_datadict(self, data, files, name):
        parts = super().value_from_datadict(data, files, name)
        if not any(parts) and data.get(name):
            return data.get(name)
        return parts

    def value_omitted_from_data(self, data, files, name):
        return name not in data and super().value_omitted_from_data(data, files, name)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        invalid = context["widget"]["attrs"].get("aria-invalid") == "true"
        for part, sub in zip(self.parts, context["widget"]["subwidgets"], strict=True):
            sub["part"] = part
            if invalid:
                sub["attrs"]["class"] += " govuk-input--error"
        return context


class DateTimeWidget(DateWidget):
    """The GOV.UK date input (day, month, year) and a time box, in a fieldset. A bound form shows back exactly what
    was typed; an older single value (2027-03-28T10:00) is still read, for links and scripts that send one."""

    parts = PARTS

    def __init__(self, attrs=None):
        forms.MultiWidget.__init__(
            self,
            {
                "day": _box(2, inputmode="numeric", autocomplete="off"),
                "month": _box(2, inputmode="numeric", autocomplete="off"),
                "year": _box(4, inputmode="numeric", autocomplete="off"),
                "time": _box(5, autocomplete="off"),
            },
            attrs,
        )

    def decompress(self, value):
        if isinstance(value, str):
            value = _iso(value)
        if isinstance(value, datetime):
            local = timezone.localtime(value) if timezone.is_aware(value) else value
            return [str(local.day), str(local.month), str(local.year), f"{local:%H:%M}"]
        return [None, None, None, None]


def _iso(text: str) -> datetime | None:
    for pattern in ISO_INPUTS:
        try:
            return datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
    return None


def _iso_date(text: str) -> date | None:
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        return None


def _number(text: str) -> bool:
    # ASCII digits only: str.isdigit() also says yes to "²" and "١", which int() refuses or misreads.
    return text.isascii() and text.isdigit()


def _day_from_boxes(day: str, month: str, year: str, messages: dict, params: dict) -> date:
    """A day from the GOV.UK date input's three boxes (a month may be a name: 4 July 2027), or a ValidationError
    saying what to fix."""
    missing = [name for name, part in (("day", day), ("month", month), ("year", year)) if not part]
    if missing:
        raise ValidationError(
            messages["incomplete"], code="incomplete", params={**params, "missing": " and ".join(missing)}
        )
    number = str(MONTHS.get(month.lower(), month))
    if not (_number(day) and _number(number) and _number(year)):
        raise ValidationError(messages["invalid_date"], code="invalid_date", params=params)
    if len(year) != 4:
        raise ValidationError(messages["invalid_year"], code="invalid_year", params=params)
    try:
        return date(int(year), int(number), int(day))
    except (ValueError, OverflowError):
        raise ValidationError(messages["invalid_date"], code="invalid_date", params=params) from None


def _boxes(value, count: int) -> list[str]:
    return [str(part or "").strip() for part in (list(value) + [""] * count)[:count]]


class DateField(forms.Field):
    """A day entered in the GOV.UK date input, cleaned to a date. Each refusal says what to fix in GOV.UK's words
    ("Date must include a month", "Date must be a real date"), naming the date as `name` says (default "Date")."""

    widget = DateWidget
    default_error_messages = {
        "required": "Enter a date.",
        "incomplete": "%(name)s must include a %(missing)s.",
        "invalid_date": "%(name)s must be a real date.",
        "invalid_year": "Year must include 4 numbers.",
    }

    def __init__(self, *, name: str = "Date", **kwargs):
        self.name = name
        super().__init__(**kwargs)

    def to_python(self, value) -> date | None:
        if isinstance(value, date) or value in self.empty_values:
            return value or None
        params = {"name": self.name}
        if isinstance(value, str):
            day = _iso_date(value)
            if day is None:
                raise ValidationError(self.error_messages["invalid_date"], code="invalid_date", params=params)
            return day
        day, month, year = _boxes(value, 3)
        if not any((day, month, year)):
            return None
        return _day_from_boxes(day, month, year, self.error_messages, params)


class TimeOfDayField(forms.Field):
    """A time of day typed in one box as people write it (14:30, 2:30pm, midday: clock_time), cleaned to a time.
    Beside a DateField where a form asks for a day and a time separately."""

    widget = forms.TextInput
    default_error_messages = {"required": "Enter a time like 14:30.", "invalid_time": "Enter a time like 14:30."}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("class", "govuk-input govuk-input--width-5")
        self.widget.attrs.setdefault("autocomplete", "off")

    def prepare_value(self, value):
        return f"{value:%H:%M}" if isinstance(value, time) else value

    def to_python(self, value) -> time | None:
        if isinstance(value, time) or value in self.empty_values:
            return value or None
        at = clock_time(str(value))
        if at is None:
            raise ValidationError(self.error_messages["invalid_time"], code="invalid_time")
        return at


class DateTimeField(forms.Field):
    """A moment entered as a UK date and a time of day, cleaned to an aware datetime. Each refusal says what to fix,
    in GOV.UK's words; a time the clocks skip is refused, and in the hour they repeat the first is meant (in_london).
    """

    widget = DateTimeWidget
    default_error_messages = {
        "required": "Enter a date and time.",
        "incomplete": "The date must include a %(missing)s.",
        "invalid_date": "Enter a real date, for example 27 3 2027.",
        "invalid_year": "The year must include 4 numbers.",
        "invalid_time": "Enter a time like 14:30.",
    }

    def to_python(self, value) -> datetime | None:
        if isinstance(value, datetime) or value in self.empty_values:
            return value or None
        if isinstance(value, str):
            naive = _iso(value)
            if naive is None:
                raise ValidationError(self.error_messages["invalid_date"], code="invalid_date")
            return in_london(naive)
        day, month, year, clock = _boxes(value, 4)
        if not any((day, month, year, clock)):
            return None
        day_of = _day_from_boxes(day, month, year, self.error_messages, {})
        at = clock_time(clock)
        if at is None:
            raise ValidationError(self.error_messages["invalid_time"], code="invalid_time")
        return in_london(datetime.combine(day_of, at))


def name_empty_choices(form: forms.Form, *, required: str = "Choose one", optional: str = "Any") -> None:
    """Django's '---------' empty choice, named: what choosing nothing means ('Any'), or what to do ('Choose one').
    A field that already names its empty choice keeps it."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField):
            if field.empty_label == "---------":
                field.empty_label = required if field.required else optional
        elif isinstance(field, forms.ChoiceField) and any(label == "---------" for _, label in field.choices):
            blank = required if field.required else optional
            field.choices = [(value, blank if label == "---------" else label) for value, label in field.choices]


class FormRenderer(BaseRenderer):
    @cached_property
    def _jinja2(self) -> Jinja2:
        return Jinja2()

    @cached_property
    def _django(self) -> DjangoTemplates:
        return DjangoTemplates()

    def get_template(self, template_name):
        try:
            return self._jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return self._django.get_template(template_name)
