"""Rules every page keeps (issue 18, "Pages that work for everyone"), checked on every page of the project as an
admin and as a plain member, and on every template file, so a page added later is checked too:

1. no `style=""` attribute (the CSP blocks them; styles live in static/css);
2. no `datetime-local`, `date` or `time` input (the GOV.UK date input and a time box instead: core.forms
   DateTimeField, DateField, TimeOfDayField);
3. no `---------` option in a select (a meaningful empty label, or none where a choice is required);
4. every id an `aria-describedby` or `aria-labelledby` names exists in the page, and no id is used twice;
5. a visually hidden text never runs into the words beside it ("Warning" + "You can't" read "WarningYou can't");
6. every table has a caption and sits in a focusable, labelled scrolling region (usable at 375 px);
7. a form sent back with errors starts with a GOV.UK error summary whose links point at fields on the page;
8. a chart (a canvas) has its figures in a table on the page too: at least as many tables as charts.

The pages are found by tests/core/test_no_server_errors.py's walk of the URLconf, with its `world`.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

from tests.core.test_no_server_errors import ROUTES, _client, _crawled, _prefix, _send, _url, world  # noqa: F401

TEMPLATES = Path(settings.BASE_DIR) / "templates"
RUN_TOGETHER = [
    re.compile(r'[A-Za-z0-9.,:;]<span class="govuk-visually-hidden">[A-Za-z]'),
    re.compile(r'<span class="govuk-visually-hidden">[^<]*[A-Za-z.:]</span>[A-Za-z]'),
]


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.references: list[tuple[str, str]] = []
        self.problems: list[str] = []
        self.tables: list[dict] = []
        self.regions: dict[str, dict] = {}
        self._stack: list[tuple[str, dict]] = []
        self._option: list[str] | None = None
        self.summary_links: list[str] = []
        self.error_messages = 0
        self.has_summary = False
        self.canvases = 0
        self._in_summary = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.problems.append(f"<{tag} style=...>: inline style")
        if tag == "input" and (kind := (attrs.get("type") or "").lower()) in ("datetime-local", "date", "time"):
            self.problems.append(f"<input type={kind} name={attrs.get('name')}>: not the GOV.UK date input")
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        for name in ("aria-describedby", "aria-labelledby", "aria-controls"):
            for ref in (attrs.get(name) or "").split():
                self.references.append((name, ref))
        classes = (attrs.get("class") or "").split()
        if tag == "option":
            self._option = []
        if tag == "table":
            region = next((a for t, a in reversed(self._stack) if "dovecote-table-wrap" in a.get("class", "")), None)
            self.tables.append({"caption": False, "region": region, "id": attrs.get("id")})
        if tag == "canvas":
            self.canvases += 1
        if tag == "caption" and self.tables:
            self.tables[-1]["caption"] = True
        if "govuk-error-summary" in classes:
            self.has_summary = True
            self._in_summary = True
        if "govuk-error-message" in classes:
            self.error_messages += 1
        if tag == "a" and self._in_summary and attrs.get("href", "").startswith("#"):
            self.summary_links.append(attrs["href"][1:])
        if tag not in ("input", "br", "img", "meta", "link", "hr", "source", "wbr", "col", "area", "base"):
            self._stack.append((tag, {k: v or "" for k, v in attrs.items()}))

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None:
            if "".join(self._option).strip().strip("-") == "" and "---" in "".join(self._option):
                self.problems.append("a select offers '---------'")
            self._option = None
        while self._stack:
            open_tag, attrs = self._stack.pop()
            if "govuk-error-summary" in attrs.get("class", "").split():
                self._in_summary = False
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self._option is not None:
            self._option.append(data)


def problems_in(html: str) -> list[str]:
    page = _Page()
    page.feed(html)
    found = list(page.problems)
    ids = set(page.ids)
    found += [f"{name} names #{ref}, which is not on the page" for name, ref in page.references if ref not in ids]
    found += [f"id {i!r} is used twice" for i in sorted({i for i in page.ids if page.ids.count(i) > 1})]
    for pattern in RUN_TOGETHER:
        found += [f"hidden text runs into its neighbour: {m.group(0)!r}" for m in pattern.finditer(html)]
    for table in page.tables:
        if not table["caption"]:
            found.append("a table without a caption")
        region = table["region"]
        if region is None:
            found.append("a table outside a scrolling region (div.dovecote-table-wrap)")
        elif region.get("tabindex") != "0" or region.get("role") != "region" or not region.get("aria-labelledby"):
            found.append("a table's scrolling region is not focusable and labelled (tabindex=0, role, label)")
    if page.canvases > len(page.tables):
        found.append(f"{page.canvases} charts but {len(page.tables)} tables: a chart's figures need a table too")
    if page.error_messages and not page.has_summary:
        found.append("error messages without an error summary at the top")
    found += [
        f"the error summary links to #{ref}, which is not on the page" for ref in page.summary_links if ref not in ids
    ]
    return found


def _html_pages(client, ids):
    for route in ROUTES:
        prefix = _prefix(route, ids)
        for index in range(len(ids[prefix]) if prefix else 1):
            url = _url(route, ids, lambda options, i=index: options[i])
            response = _send(client, "GET", url)
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                yield url, response.content.decode()


@pytest.mark.parametrize("role", ["admin", "member"])
def test_every_page_keeps_the_rules(world, role):  # noqa: F811
    client = _client(world[role])
    seen, broken = 0, {}
    for url, html in _html_pages(client, world["ids"]):
        seen += 1
        if found := problems_in(html):
            broken[url] = sorted(set(found))
    assert seen > (40 if role == "admin" else 20)
    assert not broken, "\n".join(f"{url}: {problems}" for url, problems in broken.items())


@pytest.mark.parametrize("role", ["admin", "member"])
def test_every_form_sent_back_with_errors_starts_with_a_summary_pointing_at_its_fields(world, role):  # noqa: F811
    _, forms = _crawled(world)
    client = _client(world[role])
    checked, broken = 0, {}
    for (method, action), fields in sorted(forms.items()):
        if method != "POST":
            continue
        # Every field sent empty: most forms refuse that and show their errors.
        response = _send(client, "POST", action, "&".join(f"{name}=" for name in fields))
        if response.status_code not in (200, 400, 403, 409, 422) or "html" not in response.get("Content-Type", ""):
            continue
        checked += 1
        if found := problems_in(response.content.decode()):
            broken[action] = sorted(set(found))
    assert checked > 5
    assert not broken, "\n".join(f"POST {action}: {problems}" for action, problems in broken.items())


def test_no_template_has_an_inline_style_a_datetime_local_input_or_a_bare_table():
    broken = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        if re.search(r"\sstyle\s*=", text):
            broken.append(f"{path.relative_to(TEMPLATES)}: style=")
        if "datetime-local" in text:
            broken.append(f"{path.relative_to(TEMPLATES)}: datetime-local")
        for table in re.finditer(r"<table\b", text):  # rule 6, for tables the walk's data may not show
            before, inside = text[max(0, table.start() - 300) : table.start()], text[table.start() :]
            if not re.search(r'class="dovecote-table-wrap" role="region" tabindex="0" aria-labelledby="', before):
                broken.append(f"{path.relative_to(TEMPLATES)}: a table outside a focusable scrolling region")
            if "<caption" not in inside[: inside.find("</table>")]:
                broken.append(f"{path.relative_to(TEMPLATES)}: a table without a caption")
    for path in sorted((Path(settings.BASE_DIR) / "static" / "js").rglob("*.js")):
        if re.search(r"""setAttribute\(\s*["']style|style=""", path.read_text()):
            broken.append(f"static/js/{path.name}: sets a style attribute")
    assert not broken, broken


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ('<p style="color:red">x</p>', "inline style"),
        ('<input type="datetime-local" name="x">', "datetime-local"),
        ('<input type="date" name="x">', "type=date"),
        ('<input type="time" name="x">', "type=time"),
        ("<select><option>---------</option></select>", "'---------'"),
        ('<input aria-describedby="nowhere">', "#nowhere"),
        ('<p id="a"></p><p id="a"></p>', "used twice"),
        ('<strong><span class="govuk-visually-hidden">Warning</span>You</strong>', "runs into"),
        ("<table><tr><td>1</td></tr></table>", "caption"),
        ('<div class="dovecote-table-wrap"><table><caption>c</caption></table></div>', "not focusable"),
        ('<p class="govuk-error-message">Enter it</p>', "without an error summary"),
        ('<figure><canvas aria-label="A chart"></canvas></figure>', "need a table"),
        ('<div class="govuk-error-summary"><a href="#id_x">Enter x</a></div>', "#id_x"),
    ],
)
def test_the_checker_sees_each_broken_rule(html, problem):
    assert any(problem in found for found in problems_in(html)), problems_in(html)


def test_the_checker_passes_a_page_that_keeps_them():
    html = (
        '<div class="govuk-error-summary"><a href="#id_x">Enter x</a></div>'
        '<div class="govuk-hint" id="id_x_helptext">Hint</div><input id="id_x" aria-describedby="id_x_helptext">'
        '<p class="govuk-error-message" id="id_x_error">Enter x</p>'
        '<div class="dovecote-table-wrap" role="region" tabindex="0" aria-labelledby="c1">'
        '<table><caption id="c1">Drafts</caption><tr><td>1</td></tr></table></div>'
        "<select><option value=''>Choose an account</option></select>"
    )
    assert problems_in(html) == []
