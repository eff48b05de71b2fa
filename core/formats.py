"""Formatting for long tables: the `clip` and `when` template filters (core.templatetags.dovecote), also
called directly where rows are prepared in Python.

Django's `truncatechars` and `date` filters do a great deal per call (Unicode-aware truncation; translated
month names through gettext, a format parser, a time zone lookup), which adds up to milliseconds on a page of
fifty rows. These do the same for the plain English text and the formats the pages use.
"""

from datetime import date, datetime
from functools import cache

from django.template.defaultfilters import date as date_filter
from django.utils import timezone


def clip(value: str, length: int) -> str:
    """truncatechars for plain text: at most `length` characters, the last an ellipsis when the text was cut."""
    value = "" if value is None else str(value)
    length = int(length)
    return value if len(value) <= length else value[: max(length - 1, 0)] + "…"


# Django date-format letters and their strftime equivalents (English names: Python leaves LC_TIME as "C").
_STRFTIME = {
    "j": "%-d",
    "d": "%d",
    "D": "%a",
    "l": "%A",
    "n": "%-m",
    "m": "%m",
    "M": "%b",
    "F": "%B",
    "Y": "%Y",
    "y": "%y",
    "H": "%H",
    "G": "%-H",
    "i": "%M",
    "s": "%S",
}


@cache
def _strftime_format(django_format: str) -> str:
    parts = []
    escaped = False
    for char in django_format:
        if escaped:
            parts.append(char.replace("%", "%%"))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in _STRFTIME:
            parts.append(_STRFTIME[char])
        elif char.isalpha():
            raise ValueError(f"The when filter does not know the format letter {char!r}.")
        else:
            parts.append(char.replace("%", "%%"))
    return "".join(parts)


def when(value: datetime | date | None, django_format: str) -> str:
    """The `date` filter for the formats above: a datetime in UK time (Europe/London), or a date as it is."""
    if value in (None, ""):
        return ""
    if not isinstance(value, date):
        return date_filter(value, django_format)
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime(_strftime_format(django_format))
