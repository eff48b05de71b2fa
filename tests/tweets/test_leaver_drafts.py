"""A leaver loses the team's drafts, their own included: they cannot open, edit, submit, withdraw or retry them."""

import pytest
from django.urls import reverse

from accounts.models import Membership
from core.permissions import Refused
from tests.conftest import enrol_totp
from tests.factories import MembershipFactory
from tests.tweets.factories import DraftFactory
from tweets import selectors, services
from tweets.models import Draft

pytestmark = pytest.mark.django_db
S = Draft.State


@pytest.fixture
def leavers_draft(account, ended_member):
    return DraftFactory(account=account, author=ended_member, text="Written before I left.")


@pytest.mark.parametrize(
    ("name", "method", "data"),
    [
        ("draft_detail", "get", {}),
        ("draft_edit", "get", {}),
        ("draft_edit", "post", {"account": "", "text": "Changed after I left."}),
        ("draft_submit", "post", {}),
        ("draft_withdraw", "post", {"reason": "Gone"}),
        ("draft_comment", "post", {"body": "Still here"}),
        ("draft_retry", "post", {}),
    ],
)
def test_a_leaver_gets_404_for_the_drafts_they_wrote(client, ended_member, leavers_draft, name, method, data):
    client.force_login(ended_member)
    response = getattr(client, method)(reverse(f"tweets:{name}", args=[leavers_draft.pk]), data)
    assert response.status_code == 404
    leavers_draft.refresh_from_db()
    assert leavers_draft.state == S.DRAFT and leavers_draft.revisions.count() == 1
    assert not leavers_draft.comments.exists()


def test_a_leaver_no_longer_lists_the_drafts_they_wrote(client, ended_member, leavers_draft):
    client.force_login(ended_member)
    response = client.get(reverse("tweets:draft_list"), {"mine": "1"})
    assert "Written before I left." not in response.text
    assert leavers_draft not in selectors.drafts_for_user(ended_member)


def test_a_member_still_sees_the_drafts_a_leaver_wrote(client, member, leavers_draft):
    client.force_login(member)
    assert client.get(reverse("tweets:draft_detail", args=[leavers_draft.pk])).status_code == 200


@pytest.fixture
def mover_to_approvers(account, other_team, ended_member):
    """The leaver moved to the team that approves the account's posts: they see its drafts as an approver."""
    account.approver_team = other_team
    account.save()
    MembershipFactory(user=ended_member, team=other_team, role=Membership.Role.APPROVER)
    enrol_totp(ended_member)
    return ended_member


def test_an_author_who_moved_to_the_approving_team_may_read_but_not_withdraw_or_edit(
    client, mover_to_approvers, leavers_draft
):
    client.force_login(mover_to_approvers)
    page = client.get(reverse("tweets:draft_detail", args=[leavers_draft.pk]))
    assert page.status_code == 200
    assert not page.context["can"]["withdraw"] and not page.context["can"]["edit"]
    response = client.post(reverse("tweets:draft_withdraw", args=[leavers_draft.pk]), {"reason": "Mine"})
    assert response.status_code == 403
    assert "Only a lead of Digital Communications" in response.text
    leavers_draft.refresh_from_db()
    assert leavers_draft.state == S.DRAFT


def test_the_services_refuse_a_leaver_withdrawing_or_retrying_their_own_draft(account, ended_member):
    draft = DraftFactory(account=account, author=ended_member, state=S.FAILED)
    with pytest.raises(Refused):
        services.draft_withdraw(draft=draft, by=ended_member)
    with pytest.raises(Refused):
        services.draft_retry(draft=draft, by=ended_member)
    draft.refresh_from_db()
    assert draft.state == S.FAILED
