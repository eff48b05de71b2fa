"""Journey 1: compose for the press office account, approve with a TOTP sign-in, the worker publishes once."""

import re

import pytest

from accounts.models import Membership, TwitterAccount
from tests.conftest import enrol_totp
from tests.e2e.conftest import wait_for
from tests.factories import MembershipFactory, TeamFactory, TwitterAccountFactory
from tests.tweets.factories import DraftFactory
from tweets.models import Draft
from twitter_api.text import validate_post_text

TEXT = "Our #Budget2026 #Housing #Transport update is out today: read what it means for you."


@pytest.fixture
def press_office(db):
    team = TeamFactory(name="Press Office", slug="press-office")
    officer = MembershipFactory(team=team, role=Membership.Role.MEMBER).user
    approver = MembershipFactory(team=team, role=Membership.Role.APPROVER).user
    account = TwitterAccountFactory(
        team=team, responsible_person=approver, kind=TwitterAccount.Kind.PRESS_OFFICE, handle="DeptExPress"
    )
    return team, officer, approver, account


@pytest.mark.django_db(transaction=True)
def test_a_post_is_composed_approved_and_published_exactly_once(journeys, press_office, x_sandbox, rq_worker):
    team, officer, approver, account = press_office
    x_sandbox.register_account(account)
    totp_secret = enrol_totp(approver)

    author = journeys.start("comms-officer")
    author.sign_in(officer.email)
    page = author.goto("/drafts/new/")
    page.get_by_label("Account").select_option(str(account.pk))
    page.get_by_label("Post", exact=True).fill(TEXT)
    count = page.locator("[data-post-count]").first
    # The browser's live count (npm twitter-text) agrees with the server's validator.
    expected = validate_post_text(TEXT).weighted_length
    assert count.inner_text().startswith(f"{expected} of 280"), count.inner_text()
    hints = page.locator("[data-post-hints-list]").first
    assert "hashtag" in hints.inner_text().lower()
    page.get_by_role("button", name="Save and submit for approval").click()
    author.check()
    draft = Draft.objects.get(account=account)
    assert draft.state == Draft.State.SUBMITTED

    reviewer = journeys.start("press-officer")
    reviewer.sign_in(approver.email, totp_secret=totp_secret)
    page = reviewer.goto("/drafts/approvals/")
    # The draft's row in the queue (a notice about it may also link to it, elsewhere on the page).
    page.get_by_role("table").get_by_role("link", name=re.compile(f"{draft.pk}|Budget2026")).first.click()
    reviewer.check()
    page.evaluate("window.sameDocument = true")
    page.get_by_role("button", name="Approve and publish now").click()
    page.get_by_text("Approved. It is being published now", exact=False).wait_for()
    assert page.evaluate("window.sameDocument === true"), "approving reloaded the page instead of acting in place"
    reviewer.check()

    wait_for(lambda: Draft.objects.get(pk=draft.pk).state == Draft.State.PUBLISHED, message="the worker to publish")
    posts = [post for post in x_sandbox.posts_by(account.x_user_id) if post["text"] == TEXT]
    assert len(posts) == 1

    page = author.goto("/")
    assert page.get_by_text(re.compile("Published", re.I)).first.is_visible()


@pytest.mark.django_db(transaction=True)
def test_a_reviewer_rejects_a_draft_in_place_with_a_reason(journeys, press_office):
    team, officer, approver, account = press_office
    totp_secret = enrol_totp(approver)
    draft = DraftFactory(account=account, author=officer, state=Draft.State.SUBMITTED, text="A draft to turn down.")

    reviewer = journeys.start("press-officer")
    reviewer.sign_in(approver.email, totp_secret=totp_secret)
    page = reviewer.goto(f"/drafts/{draft.pk}/")
    page.evaluate("window.sameDocument = true")
    page.locator("#id_reason_review").fill("Not the tone for the press office.")
    page.get_by_role("button", name="Reject").click()
    page.get_by_text("Draft rejected.").wait_for()
    assert page.evaluate("window.sameDocument === true"), "rejecting reloaded the page instead of acting in place"
    reviewer.check()

    draft.refresh_from_db()
    assert draft.state == Draft.State.REJECTED
    assert draft.transitions.last().reason == "Not the tone for the press office."
