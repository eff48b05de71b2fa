"""A team's tags: members see them, leads and admins add and remove them, outsiders get a 404."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import AuditEvent
from monitoring.models import TeamTag
from tests.conftest import enrol_totp

pytestmark = pytest.mark.django_db
TAGS = reverse("monitoring:tag_list")


@pytest.fixture
def signed_in_lead(client, lead):
    enrol_totp(lead)
    client.force_login(lead)
    return lead


def test_a_lead_adds_and_removes_the_teams_tags(client, team, signed_in_lead):
    response = client.post(f"{TAGS}?team={team.pk}", {"team": team.pk, "name": " Refunds ", "description": "Money"})
    assert response.status_code == 302
    tag = TeamTag.objects.get()
    assert (tag.team, tag.name, tag.description) == (team, "refunds", "Money")
    assert AuditEvent.objects.filter(action="monitoring.tag_added", actor=signed_in_lead).exists()
    response = client.post(f"{TAGS}?team={team.pk}", {"team": team.pk, "name": "refunds"})
    assert response.status_code == 400
    assert "already has the tag" in response.text
    assert "refunds" in client.get(TAGS, {"team": team.pk}).text
    assert client.post(reverse("monitoring:tag_delete", args=[tag.pk])).status_code == 302
    assert not TeamTag.objects.exists()


def test_members_see_the_tags_but_cannot_change_them(client, team, member):
    tag = TeamTag.objects.create(team=team, name="complaint")
    client.force_login(member)
    page = client.get(TAGS, {"team": team.pk}).text
    assert "complaint" in page
    assert "Add a tag" not in page
    assert client.post(f"{TAGS}?team={team.pk}", {"team": team.pk, "name": "mine"}).status_code == 403
    assert client.post(reverse("monitoring:tag_delete", args=[tag.pk])).status_code == 403
    assert list(TeamTag.objects.values_list("name", flat=True)) == ["complaint"]


def test_outsiders_get_a_404(client, team, outsider):
    tag = TeamTag.objects.create(team=team, name="complaint")
    client.force_login(outsider)
    assert client.get(TAGS, {"team": team.pk}).status_code == 404
    assert client.post(f"{TAGS}?team={team.pk}", {"team": team.pk, "name": "x"}).status_code == 404
    assert client.post(reverse("monitoring:tag_delete", args=[tag.pk])).status_code == 404
    assert "complaint" not in client.get(TAGS).text


def test_the_bulk_form_offers_the_teams_tags(client, team, other_team, member):
    TeamTag.objects.create(team=team, name="ours")
    TeamTag.objects.create(team=other_team, name="theirs")
    from tests.monitoring.factories import InboxItemFactory

    InboxItemFactory(team=team)
    client.force_login(member)
    page = client.get(reverse("monitoring:inbox"), {"team": team.pk}).text
    assert ">ours</option>" in page
    assert "theirs" not in page


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.text(max_size=80),
    description=st.text(max_size=300),
    team_value=st.sampled_from(["", "x", "0", "-1", "99999999999999999999", "１"]),
)
def test_garbage_in_the_tag_form_is_never_a_server_error(client, team, signed_in_lead, name, description, team_value):
    response = client.post(f"{TAGS}?team={team.pk}", {"team": team.pk, "name": name, "description": description})
    assert response.status_code in (302, 400)
    assert client.get(TAGS, {"team": team_value}).status_code in (200, 404)
