"""After approving, the page says what the approval did: how many more are needed, when the post will go out,
or that it is going out now (a press officer used to read only "Approved.")."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import enrol_totp
from tests.factories import MembershipFactory
from tweets import services


@pytest.fixture
def second_approver(team):
    from accounts.models import Membership

    user = MembershipFactory(team=team, role=Membership.Role.APPROVER).user
    enrol_totp(user)
    return user


def _approve(client, user, draft):
    client.force_login(user)
    page = client.get(reverse("tweets:draft_detail", args=[draft.pk])).content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="(revision|scheduled_at)" value="([^"]*)"', page))
    response = client.post(reverse("tweets:draft_approve", args=[draft.pk]), fields, follow=True)
    return [str(m) for m in response.context["messages"]]


def _submitted(account, member, **kwargs):
    draft = services.draft_create(author=member, account=account, text="Our offices close at 4pm.", **kwargs)
    return services.draft_submit(draft=draft, by=member)


def test_the_first_of_two_approvals_says_how_many_more_are_needed(client, account, member, approver):
    account.approvals_required = 2
    account.save()
    draft = _submitted(account, member, scheduled_at=timezone.now() + timezone.timedelta(days=1))
    assert _approve(client, approver, draft) == ["Approved. It needs 1 more approval before it can go out."]


def test_the_last_approval_of_a_scheduled_post_says_when_it_will_publish(
    client, account, member, approver, second_approver
):
    account.approvals_required = 1
    account.save()
    at = timezone.now() + timezone.timedelta(days=1)
    draft = _submitted(account, member, scheduled_at=at)
    (message,) = _approve(client, approver, draft)
    assert message.startswith("Approved. It will publish ")
    assert message.endswith("(UK time).")
