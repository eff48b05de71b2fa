"""Journey: a customer-service officer searches the inbox, selects every item the search found (more than a page),
and passes them all on to the press office with a note; the press office's lead signs in, finds them at the top of
the dashboard, and reads the note and the earlier team's notes on an item."""

import re

import pytest

from accounts import demo as accounts_demo
from accounts.models import Team, User
from monitoring import services
from monitoring.models import InboxItem
from tests.conftest import enrol_totp
from tests.monitoring.factories import InboxItemFactory, MentionFactory


@pytest.mark.django_db(transaction=True)
def test_everything_a_search_found_is_passed_on_and_the_receiving_lead_sees_it_with_the_notes(journeys):
    accounts_demo.seed()
    for user in User.objects.all():
        user.set_password(accounts_demo.DEMO_PASSWORD)
        user.save()
    service = Team.objects.get(slug="customer-service")
    press = Team.objects.get(slug="press-office")
    officer = User.objects.get(email="cs.officer@dovecote.example")
    asked = [
        InboxItemFactory(team=service, mention=MentionFactory(text=f"Journalist asking about refund figures {n}"))
        for n in range(55)  # more than a page of 50
    ]
    others = [InboxItemFactory(team=service, mention=MentionFactory(text=f"Where is my parcel {n}")) for n in range(3)]
    services.item_note_add(item=asked[0], by=officer, text="Rang the journalist: deadline is 5pm.")

    journey = journeys.start("customer-service")
    journey.sign_in(officer.email, password=accounts_demo.DEMO_PASSWORD)
    page = journey.goto(f"/monitoring/?team={service.pk}")
    page.get_by_label("Search", exact=True).fill("refund journalist")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_text("55 items.").wait_for()
    journey.check()
    assert page.locator("mark", has_text="refund").count() == 50  # the first page, highlighted
    page.get_by_label(re.compile("All 55 items that match")).check()
    page.get_by_label("Action").select_option("escalate")
    page.get_by_label("Pass to team").select_option(str(press.pk))
    page.get_by_label("Note for that team").fill("Press questions about refunds: yours to answer.")
    page.get_by_role("button", name="Apply to the items").click()
    page.get_by_text("Passed 55 items on to Press Office.", exact=True).wait_for()
    assert page.locator("#last-bulk").get_by_role("button", name="Undo it").is_visible()
    journey.check()

    assert InboxItem.objects.filter(team=press, escalated_from__in=asked).count() == 55
    assert not InboxItem.objects.filter(team=press, escalated_from__in=others).exists()

    lead = User.objects.get(email="press.lead@dovecote.example")
    receiving = journeys.start("press-lead")
    receiving.sign_in(lead.email, password=accounts_demo.DEMO_PASSWORD, totp_secret=enrol_totp(lead))
    page = receiving.goto("/")
    panel = page.locator("#passed-on-panel")
    assert panel.get_by_role("heading", name="Passed on to your team").is_visible()
    headings = page.locator("h2").all_inner_texts()
    assert headings.index("Passed on to your team") < headings.index("My work")
    assert panel.get_by_text("Press questions about refunds: yours to answer.").first.is_visible()
    moved = InboxItem.objects.get(team=press, escalated_from=asked[0])
    page = receiving.goto(f"/monitoring/items/{moved.pk}/")
    assert page.get_by_text("Rang the journalist: deadline is 5pm.").is_visible()
    assert page.get_by_text("Press questions about refunds: yours to answer.").first.is_visible()
