"""The form renderer: Django's widget templates rendered by Jinja2, anything else by the Django engine.

A select renders each option through a template include, which Jinja2 does several times faster than the
Django template engine; the admin's and allauth's own widget templates exist only for the Django engine, so
they are found there.
"""

from functools import cached_property

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


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
