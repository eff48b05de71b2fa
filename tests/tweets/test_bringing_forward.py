"""Only approvers may bring a publication forward: every path that changes when a post goes out, by role and
state. Putting an approved post later is anyone's who writes for the account; moving it earlier (or to now) is
for the account's approvers and leads (and admins), and anyone else's move sends it back to the approvers with
its approvals void. Releasing held posts, publishing during a freeze and lifting a freeze are for leads."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from core.permissions import Refused
from tests.factories import MembershipFactory
from tests.tweets.factories import DraftFactory, FreezeFactory
from tweets import freezes, selectors, services
from tweets.models import Approval, Draft, DraftTransition, PublishingFreeze

S = Draft.State
ROLES = ["author", "teammate", "approver", "lead", "admin"]
MAY_BRING_FORWARD = {"approver", "lead", "admin"}
LEADS = {"lead", "admin"}


@pytest.fixture
def people(member, approver, lead, admin_user, team):
    return {
        "author": member,
        "teammate": MembershipFactory(team=team, role=Membership.Role.MEMBER).user,
        "approver": approver,
        "lead": lead,
        "admin": admin_user,
    }


@pytest.fixture
def due(db):
    return timezone.now() + timedelta(days=2)


def approved_draft(account, author, approvers, *, state, scheduled_at):
    """A draft with the two approvals its corporate account needs, in `state`."""
    draft = DraftFactory(
        account=account,
        author=author,
        state=state,
        scheduled_at=scheduled_at,
        publish_due_at=scheduled_at if state == S.SCHEDULED else None,
    )
    for who in approvers:
        Approval.objects.create(draft=draft, revision=draft.current_revision, approver=who)
    return draft


@pytest.fixture
def scheduled(account, member, approver, second_approver, due):
    return approved_draft(account, member, [approver, second_approver], state=S.SCHEDULED, scheduled_at=due)


def moves(due):
    return {"later": due + timedelta(days=1), "earlier": due - timedelta(days=1), "now": None}


def assert_sent_back(draft, who):
    draft.refresh_from_db()
    assert draft.state == S.SUBMITTED
    assert selectors.approval_count(draft) == 0
    why = DraftTransition.objects.filter(draft=draft, to_state=S.SUBMITTED).latest("created_at", "id")
    assert why.actor == who
    assert "approvals given no longer count" in why.reason


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("move", ["later", "earlier", "now"])
def test_editing_the_time_of_a_scheduled_post(people, scheduled, due, role, move):
    who, when = people[role], moves(due)[move]

    services.draft_edit(draft=scheduled, by=who, scheduled_at=when)

    scheduled.refresh_from_db()
    if move == "later" or role in MAY_BRING_FORWARD:
        assert scheduled.state == (S.APPROVED if when is None else S.SCHEDULED)
        assert scheduled.publish_due_at == when
        assert selectors.approval_count(scheduled) == 2
    else:
        assert_sent_back(scheduled, who)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("move", ["later", "earlier"])
def test_rescheduling_a_scheduled_post(people, scheduled, due, role, move):
    who, when = people[role], moves(due)[move]

    services.draft_reschedule(draft=scheduled, by=who, scheduled_at=when)

    if move == "later" or role in MAY_BRING_FORWARD:
        scheduled.refresh_from_db()
        assert scheduled.state == S.SCHEDULED
        assert scheduled.publish_due_at == when
        assert selectors.approval_count(scheduled) == 2
    else:
        assert_sent_back(scheduled, who)


@pytest.mark.parametrize("role", ROLES)
def test_rescheduling_a_held_post_releases_it_only_for_approvers(
    people, account, member, approver, second_approver, due, role
):
    """A held post waits for a lead; giving it a time again brings it forward from 'not until released'."""
    held = approved_draft(account, member, [approver, second_approver], state=S.HELD, scheduled_at=None)

    services.draft_reschedule(draft=held, by=people[role], scheduled_at=due)

    if role in MAY_BRING_FORWARD:
        held.refresh_from_db()
        assert held.state == S.SCHEDULED
        assert selectors.approval_count(held) == 2
    else:
        assert_sent_back(held, people[role])


@pytest.mark.parametrize("role", ROLES)
def test_publishing_a_held_post_now_after_the_freeze(people, account, member, approver, second_approver, role):
    held = approved_draft(account, member, [approver, second_approver], state=S.HELD, scheduled_at=None)

    if role in LEADS:
        freezes.draft_publish_now(draft=held, by=people[role])
        held.refresh_from_db()
        assert held.state == S.APPROVED
    else:
        with pytest.raises(Refused):
            freezes.draft_publish_now(draft=held, by=people[role])
        held.refresh_from_db()
        assert held.state == S.HELD


@pytest.mark.parametrize("role", ROLES)
def test_retrying_a_failed_post(people, account, member, approver, second_approver, role):
    failed = approved_draft(account, member, [approver, second_approver], state=S.FAILED, scheduled_at=None)

    if role == "author" or role in LEADS:
        services.draft_retry(draft=failed, by=people[role])
        failed.refresh_from_db()
        assert failed.state == S.APPROVED
    else:
        with pytest.raises(Refused):
            services.draft_retry(draft=failed, by=people[role])
        failed.refresh_from_db()
        assert failed.state == S.FAILED


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", [S.SCHEDULED, S.HELD])
def test_essential_publication_during_a_freeze(people, account, member, approver, second_approver, due, role, state):
    FreezeFactory(scope=PublishingFreeze.Scope.ACCOUNT, account=account)
    draft = approved_draft(
        account, member, [approver, second_approver], state=state, scheduled_at=due if state == S.SCHEDULED else None
    )

    if role in LEADS:
        freezes.draft_publish_essential(draft=draft, by=people[role], reason="A public safety notice.")
        draft.refresh_from_db()
        assert draft.state == S.APPROVED
        assert draft.essential_by == people[role]
    else:
        with pytest.raises(Refused):
            freezes.draft_publish_essential(draft=draft, by=people[role], reason="A public safety notice.")
        draft.refresh_from_db()
        assert draft.state == state


@pytest.mark.parametrize("role", ROLES)
def test_lifting_a_freeze_is_for_leads_and_releases_nothing_by_itself(
    people, account, team, member, approver, second_approver, lead, role
):
    freeze = FreezeFactory(scope=PublishingFreeze.Scope.TEAM, team=team, started_by=lead)
    held = approved_draft(account, member, [approver, second_approver], state=S.HELD, scheduled_at=None)
    Draft.objects.filter(pk=held.pk).update(held_by=freeze)

    if role in LEADS:
        freezes.freeze_lift(freeze=freeze, by=people[role])
        freeze.refresh_from_db()
        assert not freeze.is_active
    else:
        with pytest.raises(Refused):
            freezes.freeze_lift(freeze=freeze, by=people[role])
        freeze.refresh_from_db()
        assert freeze.is_active
    held.refresh_from_db()
    assert held.state == S.HELD


def test_a_member_who_empties_the_time_on_the_edit_page_sends_it_back_to_the_approvers(client, member, scheduled):
    client.force_login(member)
    response = client.post(
        reverse("tweets:draft_edit", args=[scheduled.pk]),
        {"posts": [scheduled.text], "scheduled_at": "", "in_reply_to_post_id": ""},
        follow=True,
    )

    assert_sent_back(scheduled, member)
    assert "gone back to the approvers" in response.content.decode()


def test_the_draft_page_warns_a_member_that_moving_it_earlier_needs_approval_again(client, member, lead, scheduled):
    client.force_login(member)
    assert "sends it back to the approvers" in client.get(scheduled.get_absolute_url()).content.decode()
    client.force_login(lead)
    assert "sends it back to the approvers" not in client.get(scheduled.get_absolute_url()).content.decode()


def test_an_account_that_needs_no_approval_may_be_brought_forward_by_any_writer(personal, member, due):
    draft = DraftFactory(account=personal, author=member, state=S.SCHEDULED, scheduled_at=due, publish_due_at=due)
    services.draft_reschedule(draft=draft, by=member, scheduled_at=due - timedelta(days=1))
    draft.refresh_from_db()
    assert draft.state == S.SCHEDULED


def test_the_draft_page_shows_the_voided_approvals_as_void(client, member, approver, scheduled, due):
    services.draft_reschedule(draft=scheduled, by=member, scheduled_at=due - timedelta(hours=1))
    client.force_login(approver)
    page = client.get(scheduled.get_absolute_url()).content.decode()
    assert page.count("Void: brought forward") == 2
    assert "Approve this version" in page  # it waits for the approvers again


@pytest.mark.parametrize("role", ROLES)
def test_the_draft_page_offers_what_the_services_allow(
    client, people, account, member, approver, second_approver, role
):
    held = approved_draft(account, member, [approver, second_approver], state=S.HELD, scheduled_at=None)
    failed = approved_draft(account, member, [approver, second_approver], state=S.FAILED, scheduled_at=None)
    client.force_login(people[role])

    held_page = client.get(held.get_absolute_url()).content.decode()
    failed_page = client.get(failed.get_absolute_url()).content.decode()

    assert ("Publish now</button>" in held_page) == (role in LEADS)
    assert ("Try publishing again" in failed_page) == (role == "author" or role in LEADS)
