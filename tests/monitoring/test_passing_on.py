"""Passing an item on: the receiving team sees the earlier notes and history, finds it at the top of its
dashboard, and the items_passed_on signal (which the notifications app hooks) is sent once, after commit."""

import pytest
from django.urls import reverse

from monitoring import services
from monitoring.models import InboxItem
from monitoring.signals import items_passed_on
from tests.conftest import enrol_totp
from tests.factories import MembershipFactory
from tests.monitoring.factories import InboxItemFactory, MentionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    calls = []

    def listener(sender, **kwargs):
        calls.append(kwargs)

    items_passed_on.connect(listener)
    yield calls
    items_passed_on.disconnect(listener)


@pytest.fixture
def other_lead(other_team):
    lead = MembershipFactory(team=other_team, role="lead").user
    enrol_totp(lead)  # leads are asked to enrol an authenticator before anything else
    return lead


def test_the_receiving_team_sees_the_earlier_notes_and_history(
    client, team, other_team, member, other_lead, django_capture_on_commit_callbacks, received
):
    item = InboxItemFactory(team=team, mention=MentionFactory(text="Benefit payment missing"))
    services.item_note_add(item=item, by=member, text="Called them: it is a benefits case, not ours.")
    services.item_claim(item=item, by=member)
    with django_capture_on_commit_callbacks(execute=True):
        new = services.item_escalate(item=item, by=member, to_team=other_team, note="Please answer: benefits.")
    assert received == [
        {
            "signal": items_passed_on,
            "to_team_id": other_team.pk,
            "from_team_id": team.pk,
            "item_ids": [new.pk],
            "by_id": member.pk,
            "note": "Please answer: benefits.",
        }
    ]
    client.force_login(other_lead)
    page = client.get(reverse("monitoring:item_detail", args=[new.pk])).text
    assert "Called them: it is a benefits case, not ours." in page
    assert f"(in {team.name}, before it was passed on)" in page
    assert f"{team.name}: {member} claimed" in page
    assert "Please answer: benefits." in page


def test_nothing_is_sent_when_the_pass_on_is_rolled_back(team, other_team, member, received):
    item = InboxItemFactory(team=team)
    with pytest.raises(services.TransitionError):
        services.item_escalate(item=item, by=member, to_team=other_team, note="")
    assert received == []


def test_passed_on_items_are_at_the_top_of_the_receiving_teams_dashboard(client, team, other_team, member, other_lead):
    item = InboxItemFactory(team=team, mention=MentionFactory(text="A question about benefits"))
    services.item_escalate(item=item, by=member, to_team=other_team, note="Yours, I think")
    client.force_login(other_lead)
    page = client.get(reverse("home")).text
    assert "Passed on to your team" in page
    assert page.index("Passed on to your team") < page.index("My work")
    assert "A question about benefits" in page
    assert "Yours, I think" in page
    client.force_login(member)  # the team that passed it on does not see it there
    assert "Passed on to your team" not in client.get(reverse("home")).text
    new = InboxItem.objects.get(team=other_team)
    services.item_close(item=new, by=other_lead)
    client.force_login(other_lead)
    assert "Passed on to your team" not in client.get(reverse("home")).text
