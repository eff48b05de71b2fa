"""Keyboard journey: in the inbox and on an item, j/k move, a assigns to me, c closes, r goes to the reply box, ?
opens a help dialog that takes focus and gives it back on Escape; keys typed into a box stay in the box, and the
shortcuts can be turned off."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring.models import InboxItem
from tests.monitoring.factories import InboxItemFactory, MentionFactory


@pytest.mark.django_db(transaction=True)
def test_working_the_inbox_from_the_keyboard(journeys, team, member, account):
    soon = timezone.now() + timedelta(hours=1)
    first, second, third = (
        InboxItemFactory(team=team, account=account, due_at=soon + timedelta(minutes=k),
                         mention=MentionFactory(text=f"Question number {k}", author_username=f"asker{k}"))
        for k in range(3)
    )  # fmt: skip

    journey = journeys.start("member")
    journey.sign_in(member.email)
    page = journey.goto(f"/monitoring/?team={team.pk}")

    # ? opens the help: it takes focus, and Escape closes it and gives focus back.
    page.keyboard.press("?")
    help_dialog = page.locator("#shortcuts-help")
    help_dialog.wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "shortcuts-title"
    journey.check()
    page.keyboard.press("Escape")
    help_dialog.wait_for(state="hidden")

    # j moves to the first row, j again to the second, k back; a assigns the current row to me.
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert "@asker0: Question number 0" in page.locator("tr[aria-current=true]").inner_text()
    page.keyboard.press("a")
    page.wait_for_function("() => !document.querySelector('tr[aria-current=true]')")  # the list reloaded
    journey.check()
    assert InboxItem.objects.get(pk=first.pk).assigned_to_id == member.pk

    # c closes the current row.
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("c")
    page.wait_for_function("() => !document.querySelector('tr[aria-current=true]')")
    journey.check()
    assert InboxItem.objects.get(pk=second.pk).status == InboxItem.Status.NO_ACTION

    # On an item: r puts the cursor in the reply box, and what is typed there stays there.
    page = journey.goto(f"/monitoring/items/{first.pk}/")
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "reply_text"
    page.keyboard.type("jack")
    assert page.locator("#reply_text").input_value().endswith("jack")
    assert page.url.endswith(f"/items/{first.pk}/")  # j in the box did not move to the next item

    # j leaves for the next open item (the second was closed, so the third).
    page.locator("h1").click()
    page.keyboard.press("j")
    page.wait_for_url(re.compile(f"/items/{third.pk}/$"))
    journey.check()

    # Turned off, the keys do nothing; the help is still one link away.
    page.get_by_role("link", name="Keyboard shortcuts").click()
    page.get_by_role("button", name="Turn keyboard shortcuts off").click()
    assert page.get_by_role("button", name="Turn keyboard shortcuts on").is_visible()
    page.get_by_role("button", name="Close", exact=True).click()
    page.keyboard.press("c")
    page.wait_for_timeout(500)
    assert InboxItem.objects.get(pk=third.pk).status == InboxItem.Status.NEW
