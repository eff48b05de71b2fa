"""Template filters for long tables; see dovecote.formats."""

from django import template

from dovecote.formats import clip, when

register = template.Library()
register.filter("clip", clip)
register.filter("when", when)
