"""Journeys 2 and 3: mentions polled by the real worker are routed to the team that owns them and worked
in the team's inbox (reply through approval; escalation to another team with a note)."""

import re

import django_rq
import pytest

from accounts import demo as accounts_demo
from accounts.models import Team, TwitterAccount, User
from monitoring import demo as monitoring_demo
from monitoring.models import InboxItem
from tests.conftest import enrol_totp
from tests.e2e.conftest import wait_for
from training import demo as training_demo
from tweets.models import Draft
from twitter_api.sandbox.simulator import Simulator, inject_kwargs


@pytest.fixture
def department(db, x_sandbox):
    """The demo department (teams, accounts, trained people, monitors, routing rules), known to the sandbox."""
    accounts_demo.seed()
    training_demo.seed()
    monitoring_demo.seed()
    for account in TwitterAccount.objects.all():
        x_sandbox.register_account(account)
    for user in User.objects.all():
        user.set_password(accounts_demo.DEMO_PASSWORD)
        user.save()
    return {team.slug: team for team in Team.objects.all()}


def _simulated(category: str) -> dict:
    """The first post of this kind the simulator writes (seeded, so always the same post)."""
    simulator = Simulator(seed=11)
    while True:
        post = simulator.next_post()
        if post["category"] == category and post["lang"] == "en" and not post.get("in_reply_to_post_id"):
            return post


def _poll_and_wait_for(tweet_id: str) -> InboxItem:
    django_rq.get_queue("poll").enqueue("monitoring.jobs.poll_cycle")
    return wait_for(
        lambda: InboxItem.objects.filter(mention__tweet_id=tweet_id).select_related("team").first(),
        timeout=60,
        message="the worker to poll and route the mention",
    )


@pytest.mark.django_db(transaction=True)
def test_a_journalists_question_reaches_the_press_office_and_is_answered_through_approval(
    journeys, department, x_sandbox, rq_worker
):
    question = _simulated("press")
    assert "@DeptExPress" in question["text"]
    posted = x_sandbox.state.inject_post(**inject_kwargs(question))

    item = _poll_and_wait_for(posted["id"])
    assert item.team.slug == "press-office"
    assert not InboxItem.objects.filter(team__slug="customer-service").exists()

    officer = User.objects.get(email="press.officer@dovecote.example")
    journey = journeys.start("press-officer")
    journey.sign_in(officer.email, password=accounts_demo.DEMO_PASSWORD, totp_secret=enrol_totp(officer))
    page = journey.goto(f"/monitoring/?team={department['press-office'].pk}")
    page.get_by_role("link", name=re.compile(question["author_username"])).first.click()
    journey.check()
    page.evaluate("window.sameDocument = true")
    page.get_by_role("button", name=re.compile("Claim")).click()
    page.get_by_text("You are working on this item.").wait_for()
    assert page.evaluate("window.sameDocument === true"), "claiming reloaded the page instead of acting in place"
    journey.check()
    answer = f"@{question['author_username']} Thanks for asking: we will call you back within the hour."
    page.locator("#reply_text").fill(answer)
    page.get_by_role("button", name="Write reply draft").click()
    journey.check()
    draft = Draft.objects.get(in_reply_to_post_id=posted["id"])
    page = journey.goto(f"/drafts/{draft.pk}/")
    page.get_by_role("button", name="Submit for approval").click()
    page.get_by_text("Draft submitted for approval.").wait_for()
    journey.check()

    lead = User.objects.get(email="press.lead@dovecote.example")
    reviewer = journeys.start("press-lead")
    reviewer.sign_in(lead.email, password=accounts_demo.DEMO_PASSWORD, totp_secret=enrol_totp(lead))
    page = reviewer.goto(f"/drafts/{draft.pk}/")
    page.get_by_role("button", name="Approve and publish now").click()
    page.get_by_text("Approved. It is being published now", exact=False).wait_for()
    reviewer.check()

    wait_for(lambda: Draft.objects.get(pk=draft.pk).state == Draft.State.PUBLISHED, message="the reply to publish")
    press = TwitterAccount.objects.get(handle="DeptExPress")
    replies = [
        post
        for post in x_sandbox.posts_by(press.x_user_id)
        if {"type": "replied_to", "id": posted["id"]} in post.get("referenced_tweets", [])
    ]
    assert len(replies) == 1
    wait_for(lambda: InboxItem.objects.get(pk=item.pk).status == "replied", message="the item to be marked replied")
    page = journey.goto(f"/monitoring/items/{item.pk}/")
    assert page.get_by_text(re.compile("Replied")).first.is_visible()


@pytest.mark.django_db(transaction=True)
def test_a_complaint_lands_with_customer_service_and_is_passed_on_with_a_note(
    journeys, department, x_sandbox, rq_worker
):
    complaint = _simulated("complaint")
    assert "@DeptForExample" in complaint["text"]
    posted = x_sandbox.state.inject_post(**inject_kwargs(complaint))

    item = _poll_and_wait_for(posted["id"])
    assert item.team.slug == "customer-service"

    officer = User.objects.get(email="cs.officer@dovecote.example")
    journey = journeys.start("customer-service")
    journey.sign_in(officer.email, password=accounts_demo.DEMO_PASSWORD)
    page = journey.goto(f"/monitoring/?team={department['customer-service'].pk}")
    page.get_by_role("link", name=re.compile(complaint["author_username"])).first.click()
    journey.check()
    page.locator("#escalate_team").select_option(str(department["policy"].pk))
    page.locator("#escalate_note").fill("About the minister's announcement: policy team please.")
    page.get_by_role("button", name="Escalate").click()
    page.get_by_text(re.compile(r"Passed to .+ with your note\.")).wait_for()
    journey.check()

    moved = InboxItem.objects.get(mention=item.mention, team__slug="policy")
    assert moved.escalated_from_id == item.pk
    assert "policy team please" in moved.escalation_note
    assert InboxItem.objects.get(pk=item.pk).status == "escalated"

    policy_officer = User.objects.get(email="policy.officer@dovecote.example")
    other = journeys.start("policy")
    other.sign_in(policy_officer.email, password=accounts_demo.DEMO_PASSWORD)
    page = other.goto(f"/monitoring/items/{moved.pk}/")
    assert page.get_by_text("policy team please").first.is_visible()
