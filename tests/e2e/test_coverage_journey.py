"""Live coverage at phone width: the approver on duty approves each post in one tap on a 375 px page and the
worker publishes them in order as a thread; and the compose page's cost follows the text as it is typed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Membership, TwitterAccount
from tests.conftest import enrol_totp
from tests.e2e.conftest import wait_for
from tests.factories import MembershipFactory, TeamFactory, TwitterAccountFactory
from tweets import coverage as live
from tweets.models import Draft

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def press_office(db):
    team = TeamFactory(name="Press Office", slug="press-office")
    officer = MembershipFactory(team=team, role=Membership.Role.MEMBER).user
    approver = MembershipFactory(team=team, role=Membership.Role.APPROVER).user
    account = TwitterAccountFactory(
        team=team, responsible_person=approver, kind=TwitterAccount.Kind.PRESS_OFFICE, handle="DeptExPress"
    )
    return officer, approver, account


@pytest.mark.django_db(transaction=True)
def test_the_approver_on_duty_approves_each_post_in_one_tap_on_a_phone(journeys, press_office, x_sandbox, rq_worker):
    officer, approver, account = press_office
    x_sandbox.register_account(account)
    totp_secret = enrol_totp(approver)
    now = timezone.now()
    coverage = live.coverage_plan(
        by=officer,
        account=account,
        title="The summit",
        starts_at=now,
        ends_at=now + timedelta(hours=2),
        approver_on_duty=approver,
    )
    one = live.coverage_post_add(coverage=coverage, by=officer, text="The summit opens in Cardiff.")
    two = live.coverage_post_add(coverage=coverage, by=officer, text="The minister announces the grant.")

    reviewer = journeys.start("approver-on-duty")
    reviewer.page.set_viewport_size(PHONE)
    reviewer.sign_in(approver.email, totp_secret=totp_secret)
    page = reviewer.goto(f"/drafts/coverage/{coverage.pk}/approve/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "the page scrolls sideways"
    page.get_by_role("button", name="Approve post 1").click()
    page.get_by_text("Post 1 approved:").wait_for()
    reviewer.check()
    page.get_by_role("button", name="Approve post 2").click()
    page.get_by_text("Post 2 approved:").wait_for()
    reviewer.check()

    def published() -> bool:
        return set(Draft.objects.filter(pk__in=[one.pk, two.pk]).values_list("state", flat=True)) == {"published"}

    wait_for(published, message="the worker to publish both posts")
    one.refresh_from_db()
    posts = list(reversed(x_sandbox.posts_by(account.x_user_id)))
    assert [p["text"] for p in posts] == ["The summit opens in Cardiff.", "The minister announces the grant."]
    assert {"type": "replied_to", "id": one.published_post_id} in posts[1]["referenced_tweets"]


@pytest.mark.django_db(transaction=True)
def test_the_compose_page_shows_the_cost_as_one_types(journeys, press_office):
    officer, _approver, account = press_office
    author = journeys.start("comms-officer")
    author.sign_in(officer.email)
    page = author.goto("/drafts/new/")
    total = page.locator("[data-cost-total]")
    page.get_by_label("Post", exact=True).fill("The office opens at nine.")
    assert total.inner_text() == "$0.015 to publish this post."
    page.get_by_label("Post", exact=True).fill("Read more at https://www.gov.uk/guidance")
    assert total.inner_text() == "$0.200 to publish this post."
    assert page.locator("[data-cost-link-note]").is_visible()
    author.check()
