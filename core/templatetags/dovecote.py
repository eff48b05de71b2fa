"""Template filters for long tables (see core.formats), and GOV.UK classes for forms we don't write."""

from django import template
from django.forms import BoundField

from core.formats import clip, when

register = template.Library()
register.filter("clip", clip)
register.filter("when", when)


@register.filter
def govuk_widget(field: BoundField, css_class: str) -> str:
    """The field's input with a GOV.UK class: for forms whose widgets carry none (django-allauth's), rendered
    by templates/allauth/elements/fields.html. The widget's own attributes (type, autocomplete, the hint it
    is described by) are kept."""
    if field.errors and css_class == "govuk-input":
        css_class += " govuk-input--error"
    return field.as_widget(attrs={"class": css_class})
