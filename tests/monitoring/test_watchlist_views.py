"""Watchlists: leads keep lists of handles; members read them; others get 404."""

import pytest
from django.urls import reverse

from monitoring.models import Watchlist, WatchlistEntry
from tests.monitoring.factories import WatchlistEntryFactory, WatchlistFactory

pytestmark = pytest.mark.django_db


def test_a_lead_creates_a_watchlist_and_adds_handles(client, team, lead):
    client.force_login(lead)
    response = client.post(reverse("monitoring:watchlist_list"), {"team": team.pk, "name": "Journalists"})
    watchlist = Watchlist.objects.get()
    assert response.status_code == 302
    detail = reverse("monitoring:watchlist_detail", args=[watchlist.pk])
    client.post(detail, {"username": "@JaneJournalist", "note": "The Times"})
    assert WatchlistEntry.objects.get().username == "janejournalist"
    bad = client.post(detail, {"username": "not a handle!"})
    assert "There is a problem" in bad.text


def test_a_lead_removes_a_handle(client, team, lead):
    entry = WatchlistEntryFactory(watchlist=WatchlistFactory(team=team))
    client.force_login(lead)
    client.post(reverse("monitoring:watchlist_entry_remove", args=[entry.pk]))
    assert not WatchlistEntry.objects.exists()


def test_members_read_but_are_refused_changes_and_outsiders_get_404(client, team, member, outsider):
    watchlist = WatchlistFactory(team=team)
    detail = reverse("monitoring:watchlist_detail", args=[watchlist.pk])
    client.force_login(member)
    assert client.get(detail).status_code == 200
    assert client.post(detail, {"username": "someone"}).status_code == 403
    client.force_login(outsider)
    assert client.get(detail).status_code == 404


def test_the_watchlist_list_uses_a_fixed_number_of_queries(client, team, member, django_assert_num_queries):
    client.force_login(member)
    WatchlistEntryFactory(watchlist=WatchlistFactory(team=team))
    client.get(reverse("monitoring:watchlist_list"))
    with django_assert_num_queries(3) as first:
        client.get(reverse("monitoring:watchlist_list"))
    baseline = len(first.captured_queries)  # read now: the next request empties the queries log
    for _ in range(5):
        WatchlistEntryFactory(watchlist=WatchlistFactory(team=team))
    client.get(reverse("monitoring:watchlist_list"))  # stale banners built again once (core.freshness)
    with django_assert_num_queries(baseline):
        client.get(reverse("monitoring:watchlist_list"))
