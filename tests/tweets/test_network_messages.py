"""What the draft page says after approving and after retracting names the post's own network: a press officer
who approved a Bluesky post was told "this page shows when X has it", and after retracting it "it is deleted
from X"."""

import re

import pytest
from django.urls import reverse

from accounts.models import TwitterAccount
from tests.tweets.test_governance_networks import _account_on
from tweets import services
from tweets.models import Draft

LABELS = {"bluesky": "Bluesky", "mastodon": "Mastodon"}


@pytest.fixture(params=list(LABELS))
def on_network(request, team, lead):
    sandbox = request.getfixturevalue(f"{request.param}_sandbox")
    account = _account_on(request.param, team, lead, TwitterAccount.Kind.PERSONAL)
    account.approvals_required = 1
    account.save()
    sandbox.register_account(account)
    account.refresh_from_db()
    return account


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_approving_and_retracting_say_which_network(client, on_network, member, approver, lead, run_jobs):
    label = LABELS[on_network.network]
    draft = services.draft_create(author=member, account=on_network, text="Our offices close at 4pm.")
    services.draft_submit(draft=draft, by=member)

    client.force_login(approver)
    page = client.get(reverse("tweets:draft_detail", args=[draft.pk])).content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="(revision|scheduled_at)" value="([^"]*)"', page))
    with run_jobs():
        response = client.post(reverse("tweets:draft_approve", args=[draft.pk]), fields, follow=True)
    assert _messages(response) == [f"Approved. It is being published now: this page shows when {label} has it."]
    draft.refresh_from_db()
    assert draft.state == Draft.State.PUBLISHED

    client.force_login(lead)
    response = client.post(
        reverse("tweets:draft_retract", args=[draft.pk]), {"reason": "The wrong closing time."}, follow=True
    )
    (message,) = _messages(response)
    assert message.startswith(f"Retracted: it is deleted from {label}. ")
    assert "X" not in message.split(".")[0]
    draft.refresh_from_db()
    assert draft.state == Draft.State.RETRACTED
