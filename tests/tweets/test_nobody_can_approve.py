"""A post that cannot reach its approvals (too few of the approving team's approvers and leads are trained, still
members, and not its author) is submitted all the same, but its page says so and names who could approve once
trained, and the owning team's leads see it on their dashboard."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from tests.factories import MembershipFactory, TeamFactory, TwitterAccountFactory
from tests.training.factories import ExemptionFactory
from tests.training.helpers import certify, require_course
from tweets import selectors, services
from tweets.models import Draft

S = Draft.State


@pytest.fixture
def approving_course(account):
    return require_course(account.kind, "approve", title="Approving corporate posts")


@pytest.fixture
def draft(account, member):
    return services.draft_create(author=member, account=account, text="Our offices close at 4pm on Friday.")


def test_a_draft_nobody_trained_can_approve_is_submitted_and_its_page_says_so(
    client, draft, member, approver, lead, approving_course
):
    client.force_login(member)
    response = client.post(reverse("tweets:draft_submit", args=[draft.pk]), follow=True)

    page = response.content.decode()
    draft.refresh_from_db()
    assert draft.state == S.SUBMITTED
    assert "Draft submitted for approval. But nobody can approve it yet" in page
    assert "Nobody can approve this yet" in page
    assert "It needs 2 approvals" in page
    assert f"{approver} (needs the 'Approving corporate posts' course)" in page
    assert f"{lead} (needs the 'Approving corporate posts' course)" in page


def test_one_trained_approver_is_not_enough_for_an_account_that_needs_two(
    draft, member, approver, lead, approving_course
):
    certify(approver, approving_course)
    services.draft_submit(draft=draft, by=member)

    reach = selectors.approval_reach(draft)

    assert reach.short
    assert [p.name for p in reach.able] == [str(approver)]
    assert [p.name for p in reach.untrained] == [str(lead)]


def test_an_exemption_counts_as_trained(draft, member, approver, lead, approving_course):
    certify(approver, approving_course)
    ExemptionFactory(user=lead, course=approving_course)
    services.draft_submit(draft=draft, by=member)
    assert not selectors.approval_reach(draft).short


def test_the_author_and_leavers_do_not_count(account, approver, lead, team, approving_course):
    certify(approver, approving_course)
    certify(lead, approving_course)
    leaver = MembershipFactory(team=team, role=Membership.Role.APPROVER)
    certify(leaver.user, approving_course)
    leaver.ended_at = timezone.now() - timedelta(days=1)
    leaver.save()
    draft = services.draft_create(author=approver, account=account, text="Written by an approver.")
    services.draft_submit(draft=draft, by=approver)

    reach = selectors.approval_reach(draft)

    assert reach.short  # the lead alone can approve; the account needs two
    assert [p.name for p in reach.able] == [str(lead)]


def test_a_draft_that_can_be_approved_says_nothing(client, draft, member, approver, lead, approving_course):
    certify(approver, approving_course)
    certify(lead, approving_course)
    client.force_login(member)
    page = client.post(reverse("tweets:draft_submit", args=[draft.pk]), follow=True).content.decode()
    assert "Nobody can approve this yet" not in page


def test_the_owning_teams_leads_see_it_on_their_dashboard(client, draft, member, approver, lead, approving_course):
    services.draft_submit(draft=draft, by=member)
    other_lead = MembershipFactory(team=TeamFactory(), role=Membership.Role.LEAD).user

    client.force_login(lead)
    page = client.get(reverse("home")).content.decode()
    assert "Drafts that nobody can approve" in page
    assert draft.get_absolute_url() in page

    for someone in (member, approver, other_lead):
        client.force_login(someone)
        assert "Drafts that nobody can approve" not in client.get(reverse("home")).content.decode()


def test_the_dashboard_panel_follows_a_new_certification(client, draft, member, approver, lead, approving_course):
    services.draft_submit(draft=draft, by=member)
    client.force_login(lead)
    assert "Drafts that nobody can approve" in client.get(reverse("home")).content.decode()

    certify(approver, approving_course)
    certify(lead, approving_course)

    assert "Drafts that nobody can approve" not in client.get(reverse("home")).content.decode()


def test_the_panel_uses_two_queries_however_many_drafts(
    django_assert_num_queries, account, member, approver, lead, team, approving_course
):
    from tweets import dashboard

    press = TwitterAccountFactory(team=team, kind="press_office")
    for target in (account, account, press):
        services.draft_submit(draft=services.draft_create(author=member, account=target, text="Hello."), by=member)
    lead.current_roles()  # read before counting, as every page has by then (the MFA check)

    with django_assert_num_queries(2):
        found = dashboard.unapprovable(lead, now=timezone.now())

    assert len(found) == 2  # the press office account's one needs no training to approve and one approver


def test_saving_and_submitting_from_the_compose_page_says_so_too(client, account, member, approving_course):
    client.force_login(member)
    response = client.post(
        reverse("tweets:draft_create"),
        {"account": account.pk, "posts": ["Our offices close early."], "action": "submit"},
        follow=True,
    )
    assert Draft.objects.get().state == S.SUBMITTED
    assert "Draft submitted. But nobody can approve it yet" in response.content.decode()
