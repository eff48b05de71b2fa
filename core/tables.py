"""The rows of the longest tables, rendered by Jinja2.

A page's fifty rows of a dozen cells each are most of the work of rendering a team inbox or the approval queue:
the Django template engine renders each `{{ value }}` through several layers of Python calls, where Jinja2
compiles a template to Python code. The rows' templates live in templates/jinja2/ (the "jinja2" engine in
settings), get plain dicts prepared in Python, and escape everything they show, as the Django engine would.
"""

import jinja2
from django.template import engines
from django.utils.safestring import SafeString, mark_safe


def environment(**options) -> jinja2.Environment:
    """The jinja2 engine's environment: everything shown is escaped, and a misspelt key fails loudly rather
    than rendering as nothing."""
    options.pop("autoescape", None)
    options["undefined"] = jinja2.StrictUndefined
    return jinja2.Environment(autoescape=True, **options)


def rendered_rows(template_name: str, rows: list[dict]) -> SafeString:
    """The rows' HTML, for a Django template to place inside its table (`{{ rows_html }}`)."""
    html = engines["jinja2"].get_template(template_name).render({"rows": rows})
    return mark_safe(html)  # noqa: S308 - escaped by the jinja2 engine (autoescape is on)
