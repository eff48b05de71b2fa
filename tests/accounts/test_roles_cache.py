"""A user's current roles are kept in the cache (User.current_roles), and never outlive a change to them."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership, User
from tests.factories import MembershipFactory, TeamFactory

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def roles(user: User) -> dict[int, str]:
    """As a new request sees them: a fresh user object, so only the cache is shared."""
    return User.objects.get(pk=user.pk).current_roles()


def test_the_roles_come_from_the_cache_after_the_first_request(member, team):
    assert roles(member) == {team.pk: Membership.Role.MEMBER}
    user = User.objects.get(pk=member.pk)
    with CaptureQueriesContext(connection) as queries:
        assert user.current_roles() == {team.pk: Membership.Role.MEMBER}
    assert queries.captured_queries == []


def test_a_role_change_counts_on_the_next_request(member, team):
    assert roles(member) == {team.pk: Membership.Role.MEMBER}
    membership = member.memberships.get(team=team)
    membership.role = Membership.Role.APPROVER
    membership.save()
    assert roles(member) == {team.pk: Membership.Role.APPROVER}


def test_a_membership_added_or_deleted_counts_on_the_next_request(member, team):
    other = TeamFactory()
    assert roles(member) == {team.pk: Membership.Role.MEMBER}
    added = MembershipFactory(user=member, team=other, role=Membership.Role.LEAD)
    assert roles(member) == {team.pk: Membership.Role.MEMBER, other.pk: Membership.Role.LEAD}
    added.delete()
    assert roles(member) == {team.pk: Membership.Role.MEMBER}


def test_a_membership_ending_later_stops_counting_then_with_nothing_saved(member, team, _clock):
    membership = member.memberships.get(team=team)
    membership.ended_at = NOW + timedelta(minutes=5)  # sooner than the cache would expire
    membership.save()
    assert roles(member) == {team.pk: Membership.Role.MEMBER}

    _clock.move_to(NOW + timedelta(minutes=5))

    assert roles(member) == {}


def test_a_membership_starting_later_counts_from_then_with_nothing_saved(member, team, _clock):
    other = TeamFactory()
    MembershipFactory(user=member, team=other, started_at=NOW + timedelta(minutes=3))
    assert roles(member) == {team.pk: Membership.Role.MEMBER}

    _clock.move_to(NOW + timedelta(minutes=3))

    assert roles(member) == {team.pk: Membership.Role.MEMBER, other.pk: Membership.Role.MEMBER}


def test_ending_a_membership_through_the_page_removes_access_at_once(client, lead, member, team, account):
    client.force_login(member)
    assert client.get(f"/teams/accounts/{account.pk}/").status_code == 200  # roles now cached

    lead_client = client.__class__()
    lead_client.force_login(lead)
    lead_client.post(f"/teams/memberships/{member.memberships.get(team=team).pk}/end/")

    assert client.get(f"/teams/accounts/{account.pk}/").status_code == 404
