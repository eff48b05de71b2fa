"""A refusal from a form that acts in place (the draft page's reschedule and comment boxes) is shown where the
person typed, not dropped: htmx treats the 400 as an error unless the page says to swap it in (found in a
browser: the page stayed as it was and said nothing)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import TwitterAccount
from tests.factories import TwitterAccountFactory
from tweets import services


@pytest.mark.django_db(transaction=True)
def test_a_reschedule_the_clocks_skip_and_an_empty_comment_each_say_what_to_fix(journeys, team, member):
    account = TwitterAccountFactory(team=team, kind=TwitterAccount.Kind.PERSONAL)  # no approvals needed
    draft = services.draft_create(
        author=member,
        account=account,
        text="Our offices close early on Friday.",
        scheduled_at=timezone.now() + timedelta(days=2),
    )

    draft = services.draft_submit(draft=draft, by=member)
    assert draft.state == draft.State.SCHEDULED

    journey = journeys.start("author")
    journey.sign_in(member.email)
    page = journey.goto(f"/drafts/{draft.pk}/")
    when = page.get_by_role("group", name="New publishing time")
    for box, value in (("Day", "28"), ("Month", "3"), ("Year", "2027"), ("Time", "01:30")):
        when.get_by_label(box).fill(value)
    page.get_by_role("button", name="Reschedule").click()
    page.get_by_text("does not exist in London").first.wait_for()
    journey.check()

    page.get_by_role("button", name="Add comment").click()
    page.get_by_text("Write a comment").first.wait_for()
    journey.check()
