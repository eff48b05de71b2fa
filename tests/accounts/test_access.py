"""A user reaches only their own teams' objects; admins reach everything; anything else is 404."""

import pytest

from accounts.access import account_for_user
from tests.factories import MembershipFactory, TwitterAccountFactory


@pytest.fixture
def other_account(other_team, outsider):
    return TwitterAccountFactory(team=other_team, responsible_person=outsider, handle="CustomerHelp")


@pytest.fixture
def other_membership(other_team, outsider):
    return outsider.memberships.get(team=other_team)


def test_a_member_sees_their_teams_account(client, member, account):
    client.force_login(member)
    response = client.get(f"/teams/accounts/{account.pk}/")
    assert response.status_code == 200
    assert b"@DeptComms" in response.content


def test_a_member_gets_404_for_another_teams_account(client, member, other_account):
    client.force_login(member)
    assert client.get(f"/teams/accounts/{other_account.pk}/").status_code == 404


def test_a_member_gets_404_for_another_teams_page_and_membership(client, member, other_team, other_membership):
    client.force_login(member)
    assert client.get(f"/teams/{other_team.pk}/").status_code == 404
    assert client.get(f"/teams/memberships/{other_membership.pk}/").status_code == 404


def test_a_lead_gets_404_for_another_teams_audit_page(client, lead, other_team):
    client.force_login(lead)
    assert client.get(f"/teams/{other_team.pk}/audit/").status_code == 404


def test_a_member_is_refused_their_own_teams_audit_page_with_who_may_see_it(client, member, team):
    client.force_login(member)
    response = client.get(f"/teams/{team.pk}/audit/")
    assert response.status_code == 403
    assert "Only team leads and admins can see the audit trail." in response.text


def test_an_admin_sees_every_teams_pages(client, admin_user, other_team, other_account, other_membership):
    client.force_login(admin_user)
    assert client.get(f"/teams/accounts/{other_account.pk}/").status_code == 200
    assert client.get(f"/teams/{other_team.pk}/").status_code == 200
    assert client.get(f"/teams/memberships/{other_membership.pk}/").status_code == 200
    assert client.get(f"/teams/{other_team.pk}/audit/").status_code == 200


def test_the_dashboard_lists_only_the_users_teams_and_accounts(client, member, account, other_account):
    client.force_login(member)
    content = client.get("/").content.decode()
    assert "@DeptComms" in content
    assert "@CustomerHelp" not in content
    assert "Digital Communications" in content


def test_the_access_helper_refuses_an_account_of_a_team_the_user_left(member, team, account):
    from django.http import Http404
    from django.utils import timezone

    membership = member.memberships.get(team=team)
    membership.ended_at = timezone.now()
    membership.save()
    with pytest.raises(Http404):
        account_for_user(member, account.pk)


def test_a_member_of_two_teams_sees_both(client, member, other_team, account, other_account):
    MembershipFactory(user=member, team=other_team)
    client.force_login(member)
    assert client.get(f"/teams/accounts/{other_account.pk}/").status_code == 200
