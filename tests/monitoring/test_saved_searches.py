"""Saved searches: each person's own, listed on their team's inbox, never another person's or another team's."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring.models import SavedSearch

pytestmark = pytest.mark.django_db
INBOX = reverse("monitoring:inbox")
SAVE = reverse("monitoring:saved_search_create")


def test_a_member_saves_the_search_they_see_and_finds_it_on_the_inbox(client, team, member):
    client.force_login(member)
    params = f"team={team.pk}&q=passport&priority=urgent&page=3&csrfmiddlewaretoken=x&evil=1"
    response = client.post(SAVE, {"name": "Urgent passports", "params": params})
    assert response.status_code == 302
    saved = SavedSearch.objects.get()
    assert (saved.owner, saved.team, saved.name) == (member, team, "Urgent passports")
    assert saved.params == "q=passport&priority=urgent"  # only the inbox's own filters
    page = client.get(INBOX, {"team": team.pk}).text
    assert "Urgent passports" in page
    assert f"?team={team.pk}&amp;q=passport&amp;priority=urgent" in page


def test_a_name_is_needed_and_used_once_per_team(client, team, member):
    client.force_login(member)
    client.post(SAVE, {"name": "", "params": f"team={team.pk}&q=a"})
    assert not SavedSearch.objects.exists()
    client.post(SAVE, {"name": "Mine", "params": f"team={team.pk}&q=a"})
    response = client.post(SAVE, {"name": "Mine", "params": f"team={team.pk}&q=b"}, follow=True)
    assert "You already have a search called" in response.text
    assert SavedSearch.objects.count() == 1


def test_saved_searches_are_only_their_owners(client, team, member, approver):
    saved = SavedSearch.objects.create(owner=approver, team=team, name="Approver's secret", params="q=x")
    client.force_login(member)
    assert "Approver&#x27;s secret" not in client.get(INBOX, {"team": team.pk}).text
    assert "secret" not in client.get(INBOX, {"team": team.pk}).text
    assert client.post(reverse("monitoring:saved_search_delete", args=[saved.pk])).status_code == 404
    assert SavedSearch.objects.filter(pk=saved.pk).exists()
    client.force_login(approver)
    assert client.post(reverse("monitoring:saved_search_delete", args=[saved.pk])).status_code == 302
    assert not SavedSearch.objects.exists()


def test_an_outsider_cannot_save_a_search_of_another_teams_inbox(client, team, outsider):
    client.force_login(outsider)
    assert client.post(SAVE, {"name": "Theirs", "params": f"team={team.pk}&q=x"}).status_code == 404
    assert client.post(SAVE, {"name": "None", "params": "q=x"}).status_code == 404
    assert not SavedSearch.objects.exists()


def test_signed_out_people_are_sent_to_sign_in(client, team):
    assert client.post(SAVE, {"name": "x", "params": f"team={team.pk}"}).status_code == 302
    assert not SavedSearch.objects.exists()


TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=300) | st.sampled_from(
    ["\x00", "<script>alert(1)</script>", "x" * 3000, "team=99999999999999999999", "&&&===", "%ED%A0%80"]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=TEXT, params=TEXT, q=TEXT, extra=TEXT)
def test_garbage_in_the_search_and_saved_search_forms_is_never_a_server_error(
    client, team, member, name, params, q, extra
):
    client.force_login(member)
    response = client.post(SAVE, {"name": name, "params": f"team={team.pk}&{params}"})
    assert response.status_code in (302, 404)
    response = client.get(INBOX, {"team": team.pk, "q": q, "status": extra, "priority": extra, "tag": q})
    assert response.status_code == 200
    for saved in SavedSearch.objects.filter(owner=member):
        assert client.get(f"{INBOX}?team={team.pk}&{saved.params}").status_code == 200
