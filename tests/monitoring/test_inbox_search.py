"""Searching the inbox: words in the text, the author's handle and name, with the filters; highlighted and
escaped; PostgreSQL's full-text index and SQLite's fallback; a fixed number of queries however many match."""

from unittest import mock

import pytest
from django.db import connection
from django.urls import reverse

from monitoring.search import highlighted, items_matching, search_terms
from tests.monitoring.factories import InboxItemFactory, MentionFactory

pytestmark = pytest.mark.django_db
INBOX = reverse("monitoring:inbox")


@pytest.fixture(params=["postgresql", "sqlite"])
def database(request):
    """PostgreSQL's full-text search, and the word-by-word fallback the SQLite demo takes (forced here)."""
    if request.param == "sqlite":
        with mock.patch.object(connection, "vendor", "sqlite"):
            yield request.param
    else:
        yield request.param


def item(team, text="When will my passport arrive?", username="citizen", name="", **kwargs):
    mention = MentionFactory(text=text, author_username=username, author_name=name)
    return InboxItemFactory(team=team, mention=mention, **kwargs)


@pytest.mark.parametrize("few", [True, False])
def test_search_finds_words_in_the_text_handle_and_name_every_word_must_match(team, database, few):
    passport = item(team, "My passport application is delayed", username="alice")
    visa = item(team, "Visa delayed again", username="bob_visa", name="Robert Smith")
    item(team, "Thank you for the help", username="carol")
    items = team.inbox_items.all()

    def found(query):
        return set(items_matching(items, query, few=few))

    assert found("delayed") == {passport, visa}
    assert found("passport delayed") == {passport}
    assert found("ALICE") == {passport}
    assert found("smith") == {visa}
    assert found("robert delayed") == {visa}
    assert found("passport visa") == set()
    assert found("") == set(items)
    assert found("&|!:*()'") == set(items)  # no words: nothing typed reaches the query language


@pytest.mark.parametrize("few", [True, False])
def test_search_matches_the_start_of_a_word_on_postgresql(team, few):
    passport = item(team, "My passport application", username="dept_news")
    item(team, "bypass the queue")
    assert list(items_matching(team.inbox_items.all(), "passp applic", few=few)) == [passport]
    assert list(items_matching(team.inbox_items.all(), "news", few=few)) == [passport]
    assert list(items_matching(team.inbox_items.all(), "pass", few=few)) == [passport]


def test_a_word_in_more_mentions_than_are_read_first_is_still_found(team, monkeypatch):
    from monitoring import search

    monkeypatch.setattr(search, "FEW_MATCHES", 2)
    found = [item(team, f"passport {n}") for n in range(4)]
    assert set(items_matching(team.inbox_items.all(), "passport")) == set(found)


def test_search_terms_are_letters_and_digits_only_and_few():
    assert search_terms("  Passport & (delay) OR 'x'  @dept_news") == ["passport", "delay", "or", "x", "dept", "news"]
    assert len(search_terms(" ".join(f"w{i}" for i in range(50)))) == 8
    assert search_terms("a\x00b") == ["a", "b"]


def test_highlighting_marks_the_words_found_and_escapes_everything_else():
    html = highlighted('<script>alert("passport")</script> Passports & visas', ["passport"])
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<mark>passport</mark>" in html
    assert "<mark>Passports</mark>" in html
    assert "&amp; visas" in html
    assert highlighted("bypass the queue", ["pass"]) == "bypass the queue"  # only the start of a word


def test_the_inbox_search_shows_matches_highlighted_and_escaped(client, team, member, database):
    item(team, "<b>passport</b> lost", username="alice")
    item(team, "Visa question", username="bob")
    client.force_login(member)
    response = client.get(INBOX, {"team": team.pk, "q": "passport"})
    assert response.status_code == 200
    assert "&lt;b&gt;<mark>passport</mark>&lt;/b&gt; lost" in response.text
    assert "Visa question" not in response.text
    assert "1 item." in response.text


def test_search_combines_with_the_filters(client, team, member, database):
    item(team, "passport alpha", priority="urgent")
    item(team, "passport bravo", priority="low")
    item(team, "visa charlie", priority="urgent")
    item(team, "passport delta", status="no_action")
    client.force_login(member)
    response = client.get(INBOX, {"team": team.pk, "q": "passport", "priority": "urgent", "status": "open"})
    assert "alpha" in response.text
    assert "bravo" not in response.text
    assert "charlie" not in response.text
    response = client.get(INBOX, {"team": team.pk, "q": "passport", "status": "no_action"})
    assert "delta" in response.text
    assert "alpha" not in response.text


def test_search_never_shows_another_teams_items(client, team, other_team, member):
    item(other_team, "passport elsewhere")
    client.force_login(member)
    response = client.get(INBOX, {"q": "passport"})
    assert "elsewhere" not in response.text
    assert client.get(INBOX, {"team": other_team.pk, "q": "passport"}).status_code == 404


@pytest.mark.parametrize(
    "status, queries",
    [
        ("open", 5),  # the team's open items, each one's mention checked in the same query
        ("", 6),  # any status: the matching mentions' ids are read first from the full-text index
    ],
)
def test_the_search_page_costs_the_same_queries_however_many_match(
    client, team, member, django_assert_num_queries, status, queries
):
    client.force_login(member)
    item(team, "passport one")
    params = {"team": team.pk, "q": "passport", "status": status}
    client.get(INBOX, params)  # warm the session and the filters' cache
    with django_assert_num_queries(queries):
        client.get(INBOX, params)
    for n in range(40):
        found = item(team, f"passport number {n}")
        found.tags.create(name="complaint")
    with django_assert_num_queries(queries):
        response = client.get(INBOX, params)
    assert response.text.count("<mark>passport</mark>") == 41


def test_the_items_found_are_counted_up_to_a_limit_then_said_to_be_more(client, team, member, monkeypatch, database):
    import sys

    inbox_views = sys.modules["monitoring.views.inbox"]
    monkeypatch.setattr(inbox_views, "COUNTED_UP_TO", 3)
    monkeypatch.setattr(inbox_views, "PAGE_SIZE", 2)
    for n in range(5):
        item(team, f"passport number{n}")
    client.force_login(member)

    first = client.get(INBOX, {"team": team.pk, "q": "passport"}).text
    assert "More than 3 items." in first
    assert "Every item that matches (more than 3), on every page" in first  # the bulk choice
    assert "Page 1</p>" in first and "page=2" in first
    last = client.get(INBOX, {"team": team.pk, "q": "passport", "page": 3}).text
    assert "5 items." in last and "number4" in last


def test_the_search_stops_reading_at_the_first_thousand_and_one_and_never_counts_them_all(client, team, member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    item(team, "passport one")
    client.force_login(member)
    for status in ("open", ""):  # each open item checked, and the full-text index
        with CaptureQueriesContext(connection) as queries:
            assert "1 item." in client.get(INBOX, {"team": team.pk, "q": "passport", "status": status}).text
        items = [q["sql"] for q in queries.captured_queries if 'FROM "monitoring_inboxitem"' in q["sql"]]
        assert any(sql.endswith("LIMIT 1001") for sql in items), items
        assert not any("COUNT(" in sql.upper() for sql in items), items
