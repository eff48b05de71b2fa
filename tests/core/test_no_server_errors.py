"""No page answers a 500, whatever people send: generated query strings to every page of the project and generated
values to every form it shows, as an admin and as a plain member.

The pages are found by walking the URLconf (the project's own views; Django's admin, allauth and django-rq are
other people's), their `<int:pk>` filled with the ids of real objects; the forms are found by reading the pages an
admin sees. Each request runs in a savepoint rolled back after it, so one example's changes never leak into the
next and a database error is seen as what it is: the 500 it causes.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from html.parser import HTMLParser
from urllib.parse import quote, urljoin, urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from accounts.models import Membership
from monitoring.models import BulkAction, SavedSearch, TeamTag
from notifications.models import Notification
from safety.models import Incident
from tests.conftest import enrol_totp
from tests.factories import AdminFactory, MembershipFactory, TeamFactory, TwitterAccountFactory
from tests.monitoring.factories import (
    InboxItemFactory,
    MonitorFactory,
    RoutingRuleFactory,
    WatchlistEntryFactory,
    WatchlistFactory,
)
from tests.training.factories import (
    BookingFactory,
    CourseFactory,
    ExemptionFactory,
    OneToOneSessionFactory,
    TrainerFactory,
    TrainingSessionFactory,
)
from tests.tweets.factories import DraftFactory, FreezeFactory
from tweets import records
from tweets.models import Draft

PROJECT_VIEWS = (
    "accounts.",
    "tweets.",
    "monitoring.",
    "training.",
    "reports.",
    "notifications.",
    "safety.",
    "core.",
    "dovecote.",
)

# What the pages read from their query strings, beside the fields of the forms on them.
QUERY_KEYS = [
    "page",
    "week",
    "q",
    "state",
    "team",
    "from",
    "to",
    "sort",
    "account",
    "course",
    "include",
    "panel",
    "code",
    "error",
]

NASTY = [
    "",
    "0",
    "-1",
    "1000000000000000000000",
    "-1000000000000000000000",
    "9223372036854775808",
    "2147483648",
    "1e309",
    "nan",
    "inf",
    "1.5",
    "on",
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "2027-03-28T01:30",  # the clocks go forward in London
    "2026-10-25T01:30",  # the clocks go back
    "2027-02-30",
    "%00",
    "a%00b",
    "%ED%A0%80",  # a lone surrogate, as UTF-8 would carry it
    "%FF%FE",
    "%E2%80%AE",  # right-to-left override
    quote("(" * 255 + "tax" + ")" * 255),
    quote('=HYPERLINK("http://example.com")'),
    quote("<script>alert(1)</script>"),
    "x" * 5000,
]


def _encoded_text(text: str) -> str:
    return quote(text, safe="")


NASTIES = st.sampled_from(NASTY)
VALUES = st.one_of(
    NASTIES,
    NASTIES,
    NASTIES,
    st.text(max_size=40).map(_encoded_text),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)).map(
        lambda d: d.strftime("%Y-%m-%dT%H:%M")
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
# Values aimed at what a key or field holds (its name, or the values the page offers for it), at their edges.
NUMBERS = st.one_of(
    st.sampled_from(["0", "-1", "2147483648", "9223372036854775808", "1000000000000000000000", "1e309", "1.5"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
EDGE_DATES = st.sampled_from(["0001-01-01", "0001-01-02", "9999-12-01", "9999-12-31", "2027-02-30", "2026-13-01"])
DATES = st.one_of(
    EDGE_DATES,
    EDGE_DATES,
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
)
TIMES = st.one_of(
    st.sampled_from(["0001-01-01T00:00", "9999-12-31T23:59", "2027-03-28T01:30", "2026-10-25T01:30", "24:00"]),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)).map(
        lambda d: d.strftime("%Y-%m-%dT%H:%M")
    ),
)
DATE_KEYS = {"week", "from", "to", "start", "end", "date", "date_from", "date_to", "held_on", "follow_up_on"}


def _values_for(key: str, offered: list[str]) -> st.SearchStrategy[str]:
    if key in DATE_KEYS or key.endswith("_on") or any(re.fullmatch(r"\d{4}-\d\d-\d\d", v) for v in offered):
        aimed = DATES
    elif key.endswith("_at") or any(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", v) for v in offered):
        aimed = TIMES
    elif key == "page" or any(v.isdigit() for v in offered):
        aimed = NUMBERS
    else:
        return VALUES
    return st.one_of(aimed, aimed, VALUES)


UNKNOWN_KEYS = st.text(min_size=1, max_size=12).map(_encoded_text)

PROBE = settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],  # the failing request is in the message: shrinking would walk again
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


# --- The pages ---------------------------------------------------------------------------------------------------


def _routes(resolver=None, prefix: str = ""):
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry, route)
        elif isinstance(entry, URLPattern) and entry.callback.__module__.startswith(PROJECT_VIEWS):
            yield route


ROUTES = sorted(set(_routes()))


@pytest.fixture
def world(db, x_sandbox):
    """One of everything a page can be about, with the ids that fill each route's `<int:pk>`."""
    team, other_team = TeamFactory(), TeamFactory()
    admin = AdminFactory()
    enrol_totp(admin)
    lead = MembershipFactory(team=team, role=Membership.Role.LEAD).user
    enrol_totp(lead)
    membership = MembershipFactory(team=team, role=Membership.Role.MEMBER)
    member = membership.user
    account = TwitterAccountFactory(team=team, responsible_person=lead)
    x_sandbox.register_account(account)
    now = timezone.now()
    drafts = [
        DraftFactory(account=account, author=member, state=state, **extra)
        for state, extra in [
            (Draft.State.DRAFT, {}),
            (Draft.State.SUBMITTED, {}),
            (Draft.State.SCHEDULED, {"scheduled_at": now + timezone.timedelta(days=1)}),
            (Draft.State.PUBLISHED, {"published_at": now, "published_post_id": "1234567890"}),
            (Draft.State.FAILED, {}),
        ]
    ]
    monitor = MonitorFactory(team=team)
    watchlist = WatchlistFactory(team=team)
    session = TrainingSessionFactory(trainer=TrainerFactory())
    other_account = TwitterAccountFactory(team=other_team)
    records.x_change_record(
        draft=drafts[3],
        kind="edited_on_x",
        seen_at=now,
        source="poll",
        detail={"post_id": "1234567890", "new_text": "Edited on X"},
    )
    ids = {
        "teams/<int:pk>/": [team.pk, other_team.pk],
        "teams/accounts/": [account.pk, other_account.pk],
        "drafts/accounts/": [account.pk, other_account.pk],
        "teams/memberships/": [membership.pk],
        "drafts/freezes/": [FreezeFactory(started_by=admin).pk],
        "drafts/<int:pk>/": [d.pk for d in drafts],
        "monitoring/items/": [InboxItemFactory(team=team).pk, InboxItemFactory(team=other_team).pk],
        "monitoring/monitors/": [monitor.pk],
        "monitoring/watchlists/entries/": [WatchlistEntryFactory(watchlist=watchlist).pk],
        "monitoring/watchlists/": [watchlist.pk],
        "monitoring/rules/": [RoutingRuleFactory(monitor=monitor, route_to=other_team).pk],
        "monitoring/inbox/bulk/": [
            BulkAction.objects.create(by=member, team=team, action="close", params={"reason": "x"}).pk
        ],
        "monitoring/tags/": [TeamTag.objects.create(team=team, name="refunds").pk],
        "monitoring/searches/": [SavedSearch.objects.create(owner=member, team=team, name="Mine", params="q=a").pk],
        "training/courses/": [session.course.pk, CourseFactory().pk],
        "training/sessions/": [session.pk],
        "training/bookings/": [BookingFactory(session=session, user=member).pk],
        "training/one-to-ones/": [OneToOneSessionFactory(trainee=member).pk],
        "training/teams/": [team.pk],
        "training/exemptions/": [ExemptionFactory(user=member, expires_at=now + timezone.timedelta(days=9)).pk],
        "reports/teams/": [team.pk],
        "incidents/": [
            Incident.objects.create(
                account=account, kind="foreign_post", source="poll", event_id="post:1", post_id="1", post_text="Hi"
            ).pk,
            Incident.objects.create(
                account=account, kind="profile_change", source="push", event_id="p", profile_field="url", after="x"
            ).pk,
        ],
        "notifications/": [
            Notification.objects.create(recipient=member, kind="post_published", key="world", title="Published").pk
        ],
    }
    return {"admin": admin, "member": member, "ids": ids}


def _prefix(route: str, ids: dict) -> str | None:
    """Which objects' ids fill the route's `<int:pk>`: those of the longest matching prefix."""
    if "<" not in route:
        return None
    return max((p for p in ids if route.startswith(p.replace("<int:pk>/", ""))), key=len)


def _url(route: str, ids: dict, pick=lambda options: options[0]) -> str:
    prefix = _prefix(route, ids)
    return "/" + (re.sub(r"<int:pk>", str(pick(ids[prefix])), route) if prefix else route)


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _send(client: Client, method: str, url: str, body: str = ""):
    """One request, its database changes rolled back after it."""
    savepoint = transaction.savepoint()
    try:
        if method == "GET":
            return client.get(url)
        return client.post(url, data=body, content_type="application/x-www-form-urlencoded")
    finally:
        transaction.savepoint_rollback(savepoint)


def _pairs(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{key}={value}" for key, value in pairs)


# --- The forms ----------------------------------------------------------------------------------------------------


def _plausible(tag: str, kind: str, value: str | None, name: str = "") -> str:
    """What a person would most likely send in a field the page shows empty."""
    if value:
        return value
    now = timezone.localtime()
    later = now + timezone.timedelta(days=2)
    # The GOV.UK date input's boxes and a time box (core.forms.DateTimeWidget, DateWidget, TimeOfDayField).
    parts = {"_day": str(later.day), "_month": str(later.month), "_year": str(later.year), "_time": "10:00"}
    for suffix, part in parts.items():
        if name.endswith(suffix) or name == suffix[1:]:
            return part
    return {
        "date": now.date().isoformat(),
        "datetime-local": (now + timezone.timedelta(days=2)).strftime("%Y-%m-%dT10:00"),
        "time": "10:00",
        "number": "1",
        "email": "someone@example.gov.uk",
        "url": "https://example.com/",
        "checkbox": "on",
    }.get(kind, "" if tag == "select" else "Some words")


class _Forms(HTMLParser):
    """The forms on a page: for each, its method, its action, and each field's plausible value and the values the
    page offers for it (a select's options, a checkbox's value)."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, str, dict[str, list[str]]]] = []
        self._fields: dict[str, list[str]] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._fields = {}
            self.forms.append(((attrs.get("method") or "get").upper(), attrs.get("action") or "", self._fields))
        elif self._fields is None:
            return
        elif tag == "option" and self._select is not None:
            self._fields[self._select].append(attrs.get("value") or "")
        elif tag in ("input", "select", "textarea", "button"):
            name = attrs.get("name")
            kind = (attrs.get("type") or "text").lower()
            if not name or name == "csrfmiddlewaretoken" or kind == "file":
                return
            self._fields.setdefault(name, []).append(_plausible(tag, kind, attrs.get("value"), name))
            self._select = name if tag == "select" else None

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "select":
            self._select = None


def _forms_on_pages(client: Client, ids: dict) -> tuple[list[str], dict[tuple[str, str], dict[str, list[str]]]]:
    """The routes that answer GET, and every form on their pages (with every object id), keyed by method and action,
    its fields merged; only forms sent to the project's own pages (not allauth's sign-out)."""
    pages, found = [], {}
    for route in ROUTES:
        prefix = _prefix(route, ids)
        for index in range(len(ids[prefix]) if prefix else 1):
            page = _url(route, ids, lambda options, i=index: options[i])
            response = _send(client, "GET", page)
            if response.status_code != 405 and route not in pages:
                pages.append(route)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            parser = _Forms()
            parser.feed(response.content.decode())
            for method, action, fields in parser.forms:
                target = urlsplit(urljoin(page, action)).path
                if not resolve(target).func.__module__.startswith(PROJECT_VIEWS):
                    continue
                merged = found.setdefault((method, target), {})
                for name, values in fields.items():
                    merged.setdefault(name, [])
                    merged[name].extend(v for v in values if v not in merged[name])
    return pages, found


def _crawled(world) -> tuple[list[str], dict[tuple[str, str], dict[str, list[str]]]]:
    if "pages" not in world:  # read once per test, not once per example
        world["pages"], world["forms"] = _forms_on_pages(_client(world["admin"]), world["ids"])
    return world["pages"], world["forms"]


def _fill(data, fields: dict[str, list[str]], keys: list[str], label: str) -> list[tuple[str, str]]:
    """Each field its plausible value or, a third of the time, a generated one; each of `keys` absent or generated;
    and perhaps a key nobody expects."""
    # A select's first real option, not its empty "Choose..." one, so the rest of the form is reached.
    sent = {name: _encoded_text(next((v for v in offered if v), "")) for name, offered in fields.items() if offered}
    for key in sorted(set(fields) | set(keys)):
        if data.draw(st.integers(0, 2), label=f"{label}: change {key}?") == 0:
            offered = fields.get(key, [])
            choice = _values_for(key, offered)
            if offered:
                choice = st.one_of(st.sampled_from(offered).map(_encoded_text), choice)
            sent[key] = data.draw(choice, label=f"{label}: {key}")
    sent.update(data.draw(st.lists(st.tuples(UNKNOWN_KEYS, VALUES), max_size=1), label=f"{label}: unknown"))
    return list(sent.items())


# --- The tests ----------------------------------------------------------------------------------------------------


def test_the_walk_finds_the_pages_and_the_forms(world):
    pages, forms = _crawled(world)
    assert len(ROUTES) > 80 and len(pages) > 50
    assert {("POST", "/monitoring/monitors/new/"), ("POST", "/drafts/new/"), ("GET", "/reports/export/")} <= set(forms)
    assert {"scheduled_at_day", "scheduled_at_time"} <= set(forms["POST", "/drafts/new/"])
    assert not any(action.startswith("/accounts/") for _, action in forms)


@pytest.mark.parametrize("role", ["admin", "member"])
@PROBE
@given(data=st.data())
def test_no_page_answers_a_500_whatever_its_query_string(world, role, data):
    pages, forms = _crawled(world)
    client = _client(world[role])
    for route in pages:
        url = _url(route, world["ids"], lambda options: data.draw(st.sampled_from(options)))
        query = _pairs(_fill(data, forms.get(("GET", url), {}), QUERY_KEYS, f"GET {url}"))
        response = _send(client, "GET", f"{url}?{query}")
        assert response.status_code != 500, f"GET {url}?{query} answered 500"


@pytest.mark.parametrize("role", ["admin", "member"])
@PROBE
@given(data=st.data())
def test_no_form_answers_a_500_whatever_is_sent(world, role, data):
    _, forms = _crawled(world)
    client = _client(world[role])
    for (method, action), fields in sorted(forms.items()):
        if method == "POST":
            body = _pairs(_fill(data, fields, [], f"POST {action}"))
            response = _send(client, "POST", action, body)
            assert response.status_code != 500, f"POST {action} {body} answered 500"
