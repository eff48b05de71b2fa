"""Pages at 375px wide (a small phone): a wide table scrolls inside its own focusable region and never makes the
page scroll sideways; the compose page's notice, the date input and a banner hidden in place, each checked by axe."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Membership
from tests.factories import MembershipFactory
from tests.training.helpers import require_course
from tests.tweets.factories import DraftFactory
from tweets import freezes
from tweets.models import Draft, PublishingFreeze

WIDTH = 375
LONG = "Applications for the new scheme open on Monday at https://www.example.gov.uk/a-rather-long-address-indeed"

OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.django_db(transaction=True)
def test_a_wide_table_scrolls_in_its_region_not_the_page(journeys, team, account, lead):
    member = MembershipFactory(team=team, role=Membership.Role.MEMBER).user
    for state in (Draft.State.DRAFT, Draft.State.SUBMITTED, Draft.State.FAILED):
        DraftFactory(account=account, author=member, state=state, text=LONG)
    freezes.freeze_start(by=lead, scope=PublishingFreeze.Scope.TEAM, team=team, reason="Pre-election period")

    journey = journeys.start("member")
    journey.page.set_viewport_size({"width": WIDTH, "height": 800})
    journey.sign_in(member.email)

    page = journey.goto("/drafts/")
    assert page.evaluate(OVERFLOW) == 0, "the drafts page scrolls sideways at 375px"
    region = page.locator(".dovecote-table-wrap").first
    assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"
    assert region.evaluate("r => r.scrollWidth > r.clientWidth"), "the table should be wider than the screen"
    region.focus()
    region.press("ArrowRight")  # a keyboard can scroll it
    page.wait_for_function("r => r.scrollLeft > 0", arg=region.element_handle(), timeout=3000)

    for path in ("/", "/drafts/approvals/", "/training/", "/monitoring/", "/teams/"):
        page = journey.goto(path)
        assert page.evaluate(OVERFLOW) == 0, f"{path} scrolls sideways at 375px"

    # The freeze banner, hidden in place (htmx), stays hidden on the next page.
    page = journey.goto("/drafts/")
    assert page.get_by_text("Pre-election period").count() == 1
    page.get_by_role("button", name=re.compile("Hide this message")).click()
    page.get_by_text("Pre-election period").wait_for(state="detached")
    page = journey.goto("/drafts/")
    assert page.get_by_text("Pre-election period").count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_compose_page_says_before_typing_and_takes_a_gov_uk_date(journeys, team, account):
    member = MembershipFactory(team=team, role=Membership.Role.MEMBER).user
    journey = journeys.start("member")
    journey.page.set_viewport_size({"width": WIDTH, "height": 800})
    journey.sign_in(member.email)

    page = journey.goto("/drafts/new/")
    assert page.evaluate(OVERFLOW) == 0
    assert f"You can write and submit posts for {account}" in page.locator("#compose-gate").inner_text()
    assert page.locator("input[type=datetime-local]").count() == 0

    course = require_course(account.kind, "draft", title="Posting for the department")
    page = journey.goto("/drafts/new/")
    assert "Posting for the department" in page.locator("#compose-gate").inner_text()

    course.requirements.all().delete()
    when = timezone.localtime() + timedelta(days=3)
    page = journey.goto("/drafts/new/")
    page.get_by_label("Account").select_option(str(account.pk))
    page.get_by_label("Post", exact=True).fill("The new bus timetable starts on Monday.")
    page.get_by_label("Day").fill(str(when.day))
    page.get_by_label("Month").fill("13")
    page.get_by_label("Year").fill(str(when.year))
    page.get_by_label(re.compile("^Time")).fill("14:30")
    page.get_by_role("button", name="Save draft").click()
    journey.check()
    summary = page.locator(".govuk-error-summary")
    assert "Enter a real date" in summary.inner_text()
    assert page.get_by_label("Month").input_value() == "13"  # what was typed is kept
    link = summary.get_by_role("link", name=re.compile("Enter a real date"))
    assert link.get_attribute("href") == "#id_scheduled_at_0"
    assert page.locator("#id_scheduled_at_0").get_attribute("name") == "scheduled_at_day"

    page.get_by_label("Month").fill(str(when.month))
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/drafts/\d+/$"))
    journey.check()
    draft = Draft.objects.get(author=member)
    assert timezone.localtime(draft.scheduled_at).strftime("%d %m %Y %H:%M") == when.strftime("%d %m %Y 14:30")
