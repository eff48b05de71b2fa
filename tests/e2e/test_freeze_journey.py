"""Journey 5: a lead freezes publishing; a scheduled post is held, not lost; lifting and publishing it works."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Membership
from tests.conftest import enrol_totp
from tests.e2e.conftest import wait_for
from tests.factories import MembershipFactory
from tweets import services
from tweets.models import Draft

TEXT = "Reminder: the consultation on local bus routes closes on Friday."


@pytest.mark.django_db(transaction=True)
def test_a_freeze_holds_a_scheduled_post_and_lifting_it_lets_it_publish(
    journeys, team, lead, account, x_sandbox, rq_worker
):
    x_sandbox.register_account(account)
    author = MembershipFactory(team=team, role=Membership.Role.MEMBER).user
    second_approver = MembershipFactory(team=team, role=Membership.Role.APPROVER).user
    totp_secret = enrol_totp(lead)

    draft = services.draft_create(
        author=author, account=account, text=TEXT, scheduled_at=timezone.now() + timedelta(seconds=20)
    )
    services.draft_submit(draft=draft, by=author)
    services.draft_approve(draft=draft, by=lead)
    services.draft_approve(draft=draft, by=second_approver)
    assert Draft.objects.get(pk=draft.pk).state == Draft.State.SCHEDULED

    journey = journeys.start("lead")
    journey.sign_in(lead.email, totp_secret=totp_secret)
    page = journey.goto("/drafts/freezes/new/")
    page.get_by_label("What to freeze").select_option("everything")
    page.get_by_label("Reason").fill("Pre-election period")
    page.get_by_role("button", name="Start the freeze").click()
    journey.check()
    assert page.get_by_text("Pre-election period").first.is_visible()

    wait_for(
        lambda: Draft.objects.get(pk=draft.pk).state == Draft.State.HELD, timeout=60, message="the post to be held"
    )
    assert x_sandbox.posts_by(account.x_user_id) == []

    page = journey.goto("/drafts/freezes/")
    page.get_by_role("link", name=re.compile("every account", re.I)).first.click()
    journey.check()
    page.get_by_role("button", name="Lift the freeze").click()
    journey.check()
    page.get_by_role("button", name=f"Publish now draft {draft.pk}").click()
    journey.check()

    wait_for(lambda: Draft.objects.get(pk=draft.pk).state == Draft.State.PUBLISHED, message="the held post to publish")
    assert [post["text"] for post in x_sandbox.posts_by(account.x_user_id)] == [TEXT]
