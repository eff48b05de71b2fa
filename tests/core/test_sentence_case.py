"""Sentence case on every page (issue 18, GOV.UK style): headings (h1 to h3, captions, legends), buttons, labels, table
headers and navigation links start with a capital and capitalise no later word, except the proper nouns and
acronyms of ALLOWED (and the names of what the page is about: teams, people, courses, accounts...).

Every page a signed-in admin can GET is checked, and every page a trainer can (training's, as a trainer sees them);
the pages are found by tests/core/test_no_server_errors.py's walk of the URLconf, with its `world`. Templates' own
words are checked too, for what the walk may not reach (an error state, a page the world has no data for), and
the labels and choices of every form in the code. Inline `style=""` attributes and
`---------` options are checked on the same pages (tests/core/test_page_rules.py checks them as an admin and a
member).
"""

from __future__ import annotations

import calendar
import importlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.forms.utils import pretty_name

from accounts.demo import DEMO_TEAMS, DEMO_USERS
from tests.conftest import enrol_totp
from tests.core.test_no_server_errors import ROUTES, _client, _prefix, _send, _url, world  # noqa: F401
from training.models import TrainingSession

# Proper nouns and acronyms that keep their capitals anywhere in a sentence.
ALLOWED = {
    *"X Dovecote GOV.UK MFA DM DMs CSV JSON API OAuth TOTP SSO VADER RQ UK FOI URL PostgreSQL Redis Django".split(),
    *"London Europe/London British Summer Time GMT BST UTC English I I'll I'm I've I’ll I’m I’ve ID IDs".split(),
    *calendar.month_name[1:],
    *calendar.month_abbr[1:],
    *calendar.day_name,
    *calendar.day_abbr,
}
# The demo's teams and people (accounts/demo.py), whole: a name keeps its capitals ("Press Office", "Lena Lead"),
# but its words alone are ordinary words ("Team lead", "press office accounts").
DEMO_NAMES = [name for _, name, _ in DEMO_TEAMS] + [f"{first} {last}" for _, first, last, _, _ in DEMO_USERS]
# The names of X's own products, whole, as X writes them.
DEMO_NAMES += ["X Activity API", "Account Activity API"]

# What is checked: these elements, captions (and summary list keys, details' summaries, titles, tags), button-styled
# links, and links in navigation (a <nav>, the header, the footer, tabs, a back link).
HEADINGS = {"h1", "h2", "h3", "legend", "button", "label", "th"}
CAPTION = re.compile(
    r"^govuk-caption-|^govuk-(summary-list__key|details__summary-text|panel__title|notification-banner__title|tag)$"
)
NAVIGATION_LINK = re.compile(r"^govuk-(header|service-navigation|footer)__link$|^govuk-(tabs__tab|back-link)$")
WORD = re.compile(r"[^\s]+")
BREAK = "¶"  # where one phrase ends and another begins (a status tag's words beside a heading's)


class _Texts(HTMLParser):
    """The texts that must be in sentence case, each with what it is; and inline styles and '---------' options."""

    VOID = {"input", "br", "img", "meta", "link", "hr", "source", "wbr", "col", "area", "base"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[tuple[str, str]] = []
        self.problems: list[str] = []
        self._open: list[tuple[str, str | None, list[str], bool]] = []  # (tag, what it is if checked, text, a tag?)
        self._nav = 0
        self._option: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if "style" in attrs:
            self.problems.append(f"<{tag} style=...>: inline style")
        classes = attrs.get("class", "").split()
        if tag == "option":
            self._option = []
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.texts.append((f"button {attrs['value']!r}", attrs["value"]))
        if tag in self.VOID:
            return
        if tag == "nav":
            self._nav += 1
        what = None
        if tag in HEADINGS:
            what = tag
        elif any(CAPTION.match(c) for c in classes):
            what = "caption"  # or a summary list's key, a details' summary, a panel's or banner's title, a tag
        elif tag == "a" and ("govuk-button" in classes or any(NAVIGATION_LINK.match(c) for c in classes)):
            what = "button link" if "govuk-button" in classes else "navigation link"
        elif tag == "a" and self._nav:
            what = "navigation link"
        self._open.append((tag, what, [], "govuk-tag" in classes))

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None:
            if "---" in "".join(self._option) and not "".join(self._option).strip().strip("-"):
                self.problems.append("a select offers '---------'")
            self._option = None
        if tag == "nav":
            self._nav = max(0, self._nav - 1)
        while self._open:
            open_tag, what, text, status = self._open.pop()
            joined = " ".join("".join(text).split())
            if self._open:  # an element's words are its parent's too (a label's hidden words, a th's link)
                # a status tag in a heading ("Draft 3" + "Scheduled") is a phrase of its own
                if open_tag in ("kbd", "code", "samp"):  # a key or code, written as it is
                    text = ["§"]
                self._open[-1][2].append(f" {BREAK} {''.join(text)} " if status else f" {''.join(text)} ")
            if what and joined:
                # inside another heading or label, it may go on that one's sentence ("Revision 2" + "by Ann")
                inside = any(outer for _, outer, _, _ in self._open)
                self.texts.append((f"{what} {joined!r}", f"{BREAK} {joined}" if inside else joined))
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self._option is not None:
            self._option.append(data)
        if self._open:
            self._open[-1][2].append(data)


def data_names() -> list[str]:
    """The names of everything the pages can be about (teams, people, courses, accounts, monitors...), longest
    first: they are the page's data, not its words."""
    names = set()
    for model in apps.get_models():
        if model._meta.app_label not in ("accounts", "training", "tweets", "monitoring", "reports"):
            continue
        fields = [
            f.name
            for f in model._meta.get_fields()
            if getattr(f, "attname", None)
            and f.get_internal_type() in ("CharField", "TextField")
            and not f.choices
            and f.name not in ("password", "access_token", "access_token_secret", "key", "params", "slug")
        ]
        for row in model.objects.values_list(*fields) if fields else ():
            names.update(value.strip() for value in row if isinstance(value, str) and value.strip())
    for user in apps.get_model("accounts", "User").objects.all():
        names.update(filter(None, (user.get_full_name(), str(user))))
    return sorted(names | set(DEMO_NAMES), key=len, reverse=True)


def problems_with(text: str, names: list[str]) -> list[str]:
    """The words of `text` capitalised where sentence case would not capitalise them."""
    for name in names:
        if name in text:  # data, and where a sentence about it may go on
            text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " § ", text)
    found = []
    sentence_ends = False
    for index, word in enumerate(WORD.findall(text)):
        if word == BREAK:
            sentence_ends = True
            continue
        bare = word.strip("()[]{}\"'‘’“”,;!?…")
        if index == 0:
            if bare[:1].islower() and bare not in ALLOWED and not _word_of_code(bare):
                found.append(f"starts with a small letter: {bare!r}")
        elif _capitalised(bare) and not (sentence_ends or word[:1] in "\"'‘“" or _may_keep_capitals(bare)):
            found.append(bare)
        sentence_ends = bool(re.search(r"[.!?:]['’”)]*$", word))
    return found


def _capitalised(word: str) -> bool:
    return len(word) > 0 and word[0].isupper() and not word.isupper()


def _word_of_code(word: str) -> bool:
    """A handle, a hashtag, an address or a figure: written as it is (a hyphenated word is not one)."""
    return bool(re.fullmatch(r"[@#$]\w+|\w+[._/=]\w+.*|\w*\d\w*", word))


def _may_keep_capitals(word: str) -> bool:
    stem = re.sub(r"(['’]s|s)$", "", word)
    return (
        word in ALLOWED
        or stem in ALLOWED
        or _word_of_code(word)
        or word.isupper()  # an acronym (CSV, HTML, JSON)
        or any(part in ALLOWED for part in word.split("-"))  # X-related
    )


def _pages(client, ids):
    for route in ROUTES:
        prefix = _prefix(route, ids)
        for index in range(len(ids[prefix]) if prefix else 1):
            url = _url(route, ids, lambda options, i=index: options[i])
            response = _send(client, "GET", url)
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                yield url, response.content.decode()


def _check(client, ids) -> tuple[int, dict[str, list[str]]]:
    names = data_names()
    seen, broken = 0, {}
    for url, html in _pages(client, ids):
        seen += 1
        page = _Texts()
        page.feed(html)
        found = list(page.problems)
        for what, text in page.texts:
            if bad := problems_with(text, names):
                found.append(f"{what}: {', '.join(bad)}")
        if found:
            broken[url] = sorted(set(found))
    return seen, broken


def test_every_page_an_admin_sees_is_in_sentence_case(world):  # noqa: F811
    seen, broken = _check(_client(world["admin"]), world["ids"])
    assert seen > 40
    assert not broken, "\n".join(f"{url}: {problems}" for url, problems in broken.items())


def test_every_training_page_a_trainer_sees_is_in_sentence_case(world):  # noqa: F811
    trainer = TrainingSession.objects.get(pk=world["ids"]["training/sessions/"][0]).trainer
    enrol_totp(trainer)
    seen, broken = _check(_client(trainer), world["ids"])  # every page a trainer can see: training's, and home
    assert seen > 10
    assert not broken, "\n".join(f"{url}: {problems}" for url, problems in broken.items())


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("Save draft", []),
        ("Save Draft", ["Draft"]),
        ("Publish now on X", []),
        ("Sign in with MFA", []),
        ("Audit trail: § ", []),
        ("Reports for 4 March 2027", []),
        ("Export as CSV", []),
        ("Who (email)", []),
        ("Reply to @citizen_jo", []),
        ("Posts Published By Team", ["Published", "By", "Team"]),
        ("Team Lead", ["Lead"]),
        ("save draft", ["starts with a small letter: 'save'"]),
        ("Done. Next one", []),
        ("Leave as 'All training' to exempt", []),
        ("Record a One-to-one", ["One-to-one"]),
        ("Post to X-related accounts", []),
        ("Times are Europe/London", []),
    ],
)
def test_the_checker_finds_title_case_and_allows_proper_nouns(text, problems):
    assert problems_with(text, []) == problems


def test_the_checker_reads_a_page_s_headings_buttons_labels_and_navigation():
    page = _Texts()
    page.feed(
        '<nav><a href="/">Home Page</a></nav><h1 class="govuk-heading-xl">Audit Trail</h1>'
        '<span class="govuk-caption-m">Your Teams</span><label for="x">Start Date'
        '<span class="govuk-visually-hidden"> (UK time)</span></label><button>Save Draft</button>'
        '<table><tr><th>Published By</th></tr></table><p style="x">Body Text Is Not Checked</p>'
        "<select><option>---------</option></select>"
    )
    texts = dict((what.split(" ", 1)[0], text) for what, text in page.texts)
    assert texts == {
        "navigation": "Home Page",
        "h1": "Audit Trail",
        "caption": "Your Teams",
        "label": "Start Date (UK time)",
        "button": "Save Draft",
        "th": "Published By",
    }
    assert page.problems == ["<p style=...>: inline style", "a select offers '---------'"]


TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates", Path(settings.BASE_DIR) / "core" / "jinja2"]
TEMPLATE_TAG = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.S)
TEMPLATE_VALUE = re.compile(r"\{\{.*?\}\}", re.S)


def _template_texts(path: Path) -> list[tuple[str, str]]:
    """A template's own words in headings, buttons, labels, table headers and navigation (what the walk of the
    pages may not reach: an error state, a page the world has no data for): a value it shows is data (§), and a
    template tag ends a phrase (the two branches of an {% if %} are two phrases)."""
    text = TEMPLATE_TAG.sub(f" {BREAK} ", TEMPLATE_VALUE.sub(" § ", path.read_text()))
    page = _Texts()
    page.feed(text)
    return page.texts


def test_every_template_s_own_words_are_in_sentence_case():
    broken = []
    for folder in TEMPLATE_DIRS:
        for path in sorted(folder.rglob("*.html")):
            if {"admin", "email"} & set(path.parts):  # Django's admin's; emails have no headings of ours to check
                continue
            for what, text in _template_texts(path):
                if bad := problems_with(text, DEMO_NAMES):
                    broken.append(f"{path.relative_to(settings.BASE_DIR)}: {what}: {', '.join(bad)}")
    assert not broken, "\n".join(broken)


def _project_forms():
    for config in apps.get_app_configs():
        if config.name not in ("accounts", "training", "tweets", "monitoring", "reports", "notifications", "core"):
            continue
        for module_name in ("forms", "media_forms", "exports"):
            try:
                module = importlib.import_module(f"{config.name}.{module_name}")
            except ModuleNotFoundError:
                continue
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, forms.BaseForm)
                    and value.__module__ == module.__name__
                ):
                    yield value


def test_every_form_field_s_label_and_choice_is_in_sentence_case(db):
    """Labels in the forms' code, for a field a page shows only in some state (the walk may not reach it)."""
    broken, checked = [], 0
    for form in _project_forms():
        for name, field in getattr(form, "base_fields", {}).items():
            checked += 1
            label = str(field.label) if field.label is not None else pretty_name(name)
            if bad := problems_with(label, []):
                broken.append(f"{form.__module__}.{form.__name__}.{name}: label {label!r}: {', '.join(bad)}")
            choices = () if isinstance(field, forms.ModelChoiceField) else getattr(field, "choices", None) or ()
            for _, choice in choices:  # a model's choices are data
                if isinstance(choice, str) and (bad := problems_with(choice, [])):
                    broken.append(f"{form.__module__}.{form.__name__}.{name}: choice {choice!r}: {', '.join(bad)}")
    assert checked > 50
    assert not broken, "\n".join(broken)
