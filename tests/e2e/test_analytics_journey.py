"""A member finds how the team's posts did on X: from the published posts to the figures page, charts drawn with their
tables beside them, one account chosen, at 375px without sideways scrolling; then a post's own figures."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Membership
from tests.factories import MembershipFactory
from tests.tweets.factories import DraftFactory
from tweets.models import Draft, PostMetrics

OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.django_db(transaction=True)
def test_a_member_reads_how_the_posts_did(journeys, team, account):
    member = MembershipFactory(team=team, role=Membership.Role.MEMBER).user
    published_at = timezone.now() - timedelta(minutes=5)
    draft = DraftFactory(
        account=account,
        author=member,
        state=Draft.State.PUBLISHED,
        text="The ferry timetable changes on Monday",
        published_at=published_at,
        published_post_id="1900000000000000021",
    )
    for hours, impressions in ((1, 480), (24, 2613)):
        PostMetrics.objects.create(
            draft=draft,
            account=account,
            x_post_id=draft.published_post_id,
            published_at=published_at,
            checkpoint_hours=hours,
            impressions=impressions,
            likes=31,
            replies=4,
            reposts=6,
            link_clicks=12,
        )

    journey = journeys.start("member")
    journey.page.set_viewport_size({"width": 375, "height": 800})
    journey.sign_in(member.email)
    page = journey.goto("/drafts/published/")
    page.get_by_role("link", name="How our posts did on X").click()
    page = journey.check()

    assert page.evaluate(OVERFLOW) == 0, "the figures page scrolls sideways at 375px"
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('canvas'))")
    assert page.locator("canvas").count() == 2
    assert "2,613" in page.locator("#per-week").inner_text()
    assert "The ferry timetable changes on Monday" in page.locator("#per-post").inner_text()

    page.get_by_label("Account", exact=True).select_option(str(account.pk))
    page.get_by_role("button", name="Show figures").click()
    page = journey.check()
    assert f"@{account.handle}" in page.locator("#per-account").inner_text()

    page.get_by_role("link", name="The ferry timetable changes on Monday").click()
    page = journey.check()
    figures = page.locator("#figures-table").inner_text()
    assert "1 hour" in figures and "24 hours" in figures and "2613" in figures
