"""The form renderer: Django's widget templates rendered by Jinja2, anything else by the Django engine; and local
times entered in forms.

A select renders each option through a template include, which Jinja2 does several times faster than the
Django template engine; the admin's and allauth's own widget templates exist only for the Django engine, so
they are found there.
"""

from datetime import UTC, datetime
from functools import cached_property

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
