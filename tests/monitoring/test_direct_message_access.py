"""Who sees a direct message, as a table: its own team only. Admins see every team's public items, but another
team's private messages neither in lists nor by their address, and may not work them; outsiders get a 404."""

import pytest
from django.urls import reverse

from core.permissions import Refused
from monitoring import access, services
from tests.factories import MembershipFactory
from tests.monitoring.factories import InboxItemFactory, MentionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dm_item(team, account):
    mention = MentionFactory(text="My case reference is 12345, please call me", is_direct_message=True,
                             dm_conversation_id="7000001-9000000001")  # fmt: skip
    return InboxItemFactory(team=team, account=account, mention=mention, is_private=True)


@pytest.fixture
def public_item(team, account):
    return InboxItemFactory(team=team, account=account, mention=MentionFactory(text="A public question"))


@pytest.fixture
def admin_in_team(admin_user, team):
    MembershipFactory(team=team, user=admin_user)
    return admin_user


# who -> (sees the DM, sees the public item)
TABLE = [
    ("member", True, True),  # the owning team
    ("outsider", False, False),  # another team's member
    ("admin_user", False, True),  # an admin outside the team: public items only
    ("admin_in_team", True, True),  # an admin who is in the team
]


@pytest.mark.parametrize(("who", "sees_dm", "sees_public"), TABLE)
def test_who_sees_a_direct_message(client, request, who, sees_dm, sees_public, dm_item, public_item):
    user = request.getfixturevalue(who)
    client.force_login(user)

    dm_page = client.get(reverse("monitoring:item_detail", args=[dm_item.pk]))
    public_page = client.get(reverse("monitoring:item_detail", args=[public_item.pk]))

    assert dm_page.status_code == (200 if sees_dm else 404)
    assert public_page.status_code == (200 if sees_public else 404)
    listed = set(access.items_for_user(user).values_list("pk", flat=True))
    assert (dm_item.pk in listed, public_item.pk in listed) == (sees_dm, sees_public)
    inbox = client.get(reverse("monitoring:inbox"), {"team": dm_item.team_id}).content.decode()
    assert ("My case reference is 12345" in inbox) == sees_dm


def test_someone_signed_out_is_sent_to_sign_in(client, dm_item):
    response = client.get(reverse("monitoring:item_detail", args=[dm_item.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_owning_team_sees_it_marked_private(client, member, dm_item):
    client.force_login(member)
    page = client.get(reverse("monitoring:item_detail", args=[dm_item.pk])).content.decode()
    assert 'id="direct-message-tag"' in page
    assert "only this team can see it" in page


def test_an_admin_outside_the_team_may_not_work_a_direct_message(admin_user, dm_item, public_item):
    with pytest.raises(Refused):
        services.item_claim(item=dm_item, by=admin_user)
    services.item_claim(item=public_item, by=admin_user)  # public items as before


def test_an_admin_outside_the_team_cannot_claim_it_through_the_page(client, admin_user, dm_item):
    client.force_login(admin_user)
    response = client.post(reverse("monitoring:item_claim", args=[dm_item.pk]))
    assert response.status_code == 404
    dm_item.refresh_from_db()
    assert dm_item.assigned_to is None


def test_the_owning_team_works_it_as_any_item(member, dm_item):
    services.item_claim(item=dm_item, by=member)
    services.item_close(item=dm_item, by=member, note="Answered by phone")
    dm_item.refresh_from_db()
    assert (dm_item.assigned_to, dm_item.status) == (member, "no_action")


def test_passed_on_it_stays_private_with_the_receiving_team(member, outsider, other_team, dm_item):
    services.item_escalate(item=dm_item, by=member, to_team=other_team, note="Theirs")
    received = dm_item.escalations.get()
    assert received.is_private and received.team == other_team
    assert received.pk in set(access.items_for_user(outsider).values_list("pk", flat=True))
