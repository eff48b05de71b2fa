"""Formatting filters for long tables."""

from django import template

register = template.Library()


@register.filter
def clip(value: str, length: int) -> str:
    """truncatechars for plain text, without its cost per call: at most `length` characters, the last an
    ellipsis when the text was cut."""
    value = "" if value is None else str(value)
    length = int(length)
    return value if len(value) <= length else value[: max(length - 1, 0)] + "…"
