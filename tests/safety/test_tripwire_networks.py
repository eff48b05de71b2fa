"""The takeover tripwire on Bluesky and Mastodon: a post on the account not made through Dovecote raises one incident
and freezes the account (its kind's policy), read through the account's provider like X's; Dovecote's own posts
never do."""

import pytest

from accounts.models import TwitterAccount
from safety import services
from safety.models import Incident, Watch
from tests.tweets.test_governance_networks import _account_on
from tweets import services as tweets_services
from tweets.models import PublishingFreeze


def _foreign_post(network: str, sandbox, account, text: str) -> str:
    if network == "bluesky":
        return sandbox.inject_post(account.handle, text)["uri"]
    return str(sandbox.inject_status(account.handle, text)["id"])


@pytest.mark.parametrize("network", ["bluesky", "mastodon"])
def test_a_foreign_post_on_another_network_raises_one_incident_and_freezes_the_account(
    network, request, team, lead, member, watch, run_jobs
):
    sandbox = request.getfixturevalue(f"{network}_sandbox")
    account = _account_on(network, team, lead, TwitterAccount.Kind.PERSONAL)
    account.freeze_on_compromise = True
    account.save()
    sandbox.register_account(account)
    _foreign_post(network, sandbox, account, "Posted before Dovecote watched the account.")
    assert watch(account) == "baseline"
    assert not Incident.objects.exists()

    draft = tweets_services.draft_create(author=member, account=account, text="Our own post, through Dovecote.")
    with run_jobs():
        tweets_services.draft_submit(draft=draft, by=member)
    draft.refresh_from_db()
    assert draft.published_post_id
    assert watch(account) == "read"
    assert not Incident.objects.exists()  # Dovecote's own post is not foreign

    post_id = _foreign_post(network, sandbox, account, "Free crypto for everyone! bit.ly/scam")
    assert watch(account) == "read"
    assert watch(account) == "read"  # read again: still one incident
    incident = Incident.objects.get()
    assert (incident.kind, incident.post_id) == (Incident.Kind.FOREIGN_POST, post_id)
    assert incident.post_text == "Free crypto for everyone! bit.ly/scam"
    assert incident.freeze.is_active and incident.freeze.scope == PublishingFreeze.Scope.ACCOUNT
    assert Watch.objects.get(account=account).error == ""
    assert incident.post_url.startswith(
        "https://bsky.app/" if network == "bluesky" else "https://social.example.gov.uk/"
    )

    services.incident_resolve(incident=incident, by=lead, outcome="compromised", delete_post=True, keep_freeze=True)
    remaining = (
        [post["uri"] for post in sandbox.posts_by(account.x_user_id)]
        if network == "bluesky"
        else [str(status["id"]) for status in sandbox.statuses_by(account.x_user_id)]
    )
    assert post_id not in remaining and draft.published_post_id in remaining
