"""The same governance on every network: approvals, no self-approval, training gates, the freeze, exactly-once
publishing when the network fails or drops the connection after accepting, and retraction, each run against X's,
Bluesky's and Mastodon's local sandboxes through the one publishing engine (tweets.publishing) and its providers."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import TwitterAccount
from tests.factories import TwitterAccountFactory
from tests.training.helpers import certify, require_course
from training.models import Action
from tweets import freezes, jobs, services
from tweets.models import Draft, PublishAttempt

S = Draft.State
NETWORKS = ["x", "bluesky", "mastodon"]


class OnNetwork:
    """One network's sandbox, as these tests read it: the account's posts there, and its faults."""

    def __init__(self, network: str, sandbox):
        self.network, self.sandbox = network, sandbox

    def texts(self, account) -> list[str]:
        if self.network == "x":
            return [post["text"] for post in self.sandbox.posts_by(account.x_user_id)]
        if self.network == "bluesky":
            return [post["record"]["text"] for post in self.sandbox.posts_by(account.x_user_id)]
        return [status["text"] for status in self.sandbox.statuses_by(account.x_user_id)]

    def set_faults(self, **faults) -> None:
        self.sandbox.set_faults(**faults)


def _account_on(network: str, team, lead, kind) -> TwitterAccount:
    if network == "bluesky":
        return TwitterAccountFactory(
            team=team,
            kind=kind,
            responsible_person=lead,
            network="bluesky",
            handle=f"{kind.replace('_', '-')}.dept.bsky.social",
            access_token="app-pass-word-abcd",
            access_token_secret="",
            x_user_id=f"did:plc:{kind.replace('_', '')[:8]:a<24}",
        )
    if network == "mastodon":
        return TwitterAccountFactory(
            team=team,
            kind=kind,
            responsible_person=lead,
            network="mastodon",
            handle=f"{kind.replace('_', '')[:20]}@social.example.gov.uk",
            instance_url="https://social.example.gov.uk",
            access_token=f"mastodon-token-{kind}",
            access_token_secret="",
            x_user_id=str(1000 + len(kind)),
        )
    return TwitterAccountFactory(team=team, kind=kind, responsible_person=lead)


@pytest.fixture(params=NETWORKS)
def network(request):
    fixture = {"x": "x_sandbox", "bluesky": "bluesky_sandbox", "mastodon": "mastodon_sandbox"}[request.param]
    return OnNetwork(request.param, request.getfixturevalue(fixture))


@pytest.fixture
def corporate_on(network, team, lead):
    account = _account_on(network.network, team, lead, TwitterAccount.Kind.CORPORATE)
    network.sandbox.register_account(account)
    account.refresh_from_db()
    return account


@pytest.fixture
def personal_on(network, team, lead):
    account = _account_on(network.network, team, lead, TwitterAccount.Kind.PERSONAL)
    network.sandbox.register_account(account)
    account.refresh_from_db()
    return account


def submitted(member, account, text, run_jobs, **kwargs) -> Draft:
    draft = services.draft_create(author=member, account=account, text=text, **kwargs)
    with run_jobs():
        services.draft_submit(draft=draft, by=member)
    draft.refresh_from_db()
    return draft


def test_two_distinct_approvals_publish_once_and_the_author_cannot_approve(
    network, corporate_on, member, approver, lead, run_jobs
):
    draft = submitted(member, corporate_on, "The new flood guidance is out today.", run_jobs)
    with pytest.raises(PermissionDenied):
        services.draft_approve(draft=draft, by=member)
    with run_jobs():
        services.draft_approve(draft=draft, by=approver)
    draft.refresh_from_db()
    assert draft.state == S.SUBMITTED
    assert network.texts(corporate_on) == []
    with run_jobs():
        services.draft_approve(draft=draft, by=lead)
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    assert network.texts(corporate_on) == ["The new flood guidance is out today."]
    assert draft.published_post_id
    assert draft.transitions.last().reason.startswith(f"Accepted by {corporate_on.network_label}")


def test_an_edit_after_approval_voids_it(network, corporate_on, member, approver, lead, run_jobs):
    draft = submitted(member, corporate_on, "First wording.", run_jobs)
    with run_jobs():
        services.draft_approve(draft=draft, by=approver)
    services.draft_edit(draft=draft, by=member, text="Second wording.")
    with run_jobs():
        services.draft_approve(draft=draft, by=lead)
    draft.refresh_from_db()
    assert draft.state == S.SUBMITTED  # the first approval was of the first wording
    assert network.texts(corporate_on) == []


def test_nobody_drafts_or_approves_until_trained_for_the_kind(network, corporate_on, member, approver, lead, run_jobs):
    course = require_course(corporate_on.kind, Action.DRAFT, title="Posting for the department")
    with pytest.raises(PermissionDenied, match="Posting for the department"):
        services.draft_create(author=member, account=corporate_on, text="Not yet trained.")
    certify(member, course)
    draft = submitted(member, corporate_on, "Trained now.", run_jobs)
    approving = require_course(corporate_on.kind, Action.APPROVE, title="Approving corporate posts")
    with pytest.raises(PermissionDenied, match="Approving corporate posts"):
        services.draft_approve(draft=draft, by=approver)
    certify(approver, approving)
    certify(lead, approving)
    with run_jobs():
        services.draft_approve(draft=draft, by=approver)
        services.draft_approve(draft=draft, by=lead)
    assert network.texts(corporate_on) == ["Trained now."]


def test_a_freeze_holds_the_post_and_nothing_reaches_the_network_until_it_is_lifted(
    network, personal_on, member, lead, run_jobs
):
    freeze = freezes.freeze_start(by=lead, scope="everything", reason="Pre-election period")
    draft = submitted(member, personal_on, "Held by the freeze.", run_jobs)
    assert draft.state == S.HELD
    assert network.texts(personal_on) == []
    freezes.freeze_lift(freeze=freeze, by=lead)
    with run_jobs():
        freezes.draft_publish_now(draft=draft, by=lead)
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    assert network.texts(personal_on) == ["Held by the freeze."]


def test_a_dropped_answer_after_the_network_accepted_still_makes_one_post(network, personal_on, member, run_jobs):
    network.set_faults(drop_after_accept=1)
    draft = submitted(member, personal_on, "Only once, whatever the network says.", run_jobs)
    # The answer was lost, so the engine looked for the post among the account's latest and found it there.
    assert draft.state == S.PUBLISHED
    assert network.texts(personal_on) == ["Only once, whatever the network says."]
    attempt = draft.attempts.get()
    assert (attempt.state, attempt.reconciled) == (PublishAttempt.State.SUCCEEDED, True)
    assert attempt.x_post_id == draft.published_post_id
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=30), tick=True), run_jobs():
        jobs.publish_due_sweep()
    assert network.texts(personal_on) == ["Only once, whatever the network says."]


def test_a_server_error_is_retried_and_makes_one_post(network, personal_on, member, run_jobs):
    network.set_faults(force_5xx=1)
    draft = submitted(member, personal_on, "After a hiccup.", run_jobs)
    assert draft.state == S.SCHEDULED
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=30), tick=True), run_jobs():
        jobs.publish_due_sweep()
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    assert network.texts(personal_on) == ["After a hiccup."]


def test_a_retraction_deletes_the_post_on_its_network_and_keeps_the_record(
    network, personal_on, member, lead, run_jobs
):
    draft = submitted(member, personal_on, "Wrong date in this one.", run_jobs)
    assert network.texts(personal_on) == ["Wrong date in this one."]
    services.draft_retract(draft=draft, by=lead, reason="Wrong date")
    draft.refresh_from_db()
    assert draft.state == S.RETRACTED
    assert network.texts(personal_on) == []
    assert draft.posts == ["Wrong date in this one."]
    # Retracting again changes nothing and calls nobody.
    services.draft_retract(draft=draft, by=lead, reason="Again")
    assert draft.x_changes.filter(kind="retracted").count() == 1


def test_one_freeze_holds_every_network_at_once(
    x_sandbox, bluesky_sandbox, mastodon_sandbox, team, lead, member, run_jobs
):
    sandboxes = {"x": x_sandbox, "bluesky": bluesky_sandbox, "mastodon": mastodon_sandbox}
    accounts = {}
    for name, sandbox in sandboxes.items():
        accounts[name] = _account_on(name, team, lead, TwitterAccount.Kind.PERSONAL)
        sandbox.register_account(accounts[name])
    freeze = freezes.freeze_start(by=lead, scope="team", team=team, reason="National mourning")
    drafts = {name: submitted(member, account, f"Held on {name}.", run_jobs) for name, account in accounts.items()}
    assert {draft.state for draft in drafts.values()} == {S.HELD}
    assert all(OnNetwork(name, sandbox).texts(accounts[name]) == [] for name, sandbox in sandboxes.items())
    freezes.freeze_lift(freeze=freeze, by=lead)
    with run_jobs():
        for draft in drafts.values():
            freezes.draft_publish_now(draft=draft, by=lead)
    for name, sandbox in sandboxes.items():
        assert OnNetwork(name, sandbox).texts(accounts[name]) == [f"Held on {name}."]


def test_a_team_over_its_x_spend_budget_still_posts_on_bluesky_and_mastodon_which_cost_nothing(
    x_sandbox, bluesky_sandbox, mastodon_sandbox, team, lead, member, run_jobs, client
):
    from decimal import Decimal

    from tweets.models import SpendBudget
    from twitter_api.models import ApiCall

    sandboxes = {"x": x_sandbox, "bluesky": bluesky_sandbox, "mastodon": mastodon_sandbox}
    accounts = {}
    for name, sandbox in sandboxes.items():
        accounts[name] = _account_on(name, team, lead, TwitterAccount.Kind.PERSONAL)
        sandbox.register_account(accounts[name])
    SpendBudget.objects.create(team=team, monthly_limit=Decimal("1"), hold_at_limit=True)
    ApiCall.objects.create(
        endpoint="/2/tweets", method="POST", account=accounts["x"], status_code=200, cost=Decimal("1")
    )
    drafts = {name: submitted(member, account, f"Spend on {name}.", run_jobs) for name, account in accounts.items()}
    assert drafts["x"].state == S.HELD and drafts["x"].held_for_spend
    assert (drafts["bluesky"].state, drafts["mastodon"].state) == (S.PUBLISHED, S.PUBLISHED)
    assert OnNetwork("bluesky", bluesky_sandbox).texts(accounts["bluesky"]) == ["Spend on bluesky."]

    client.force_login(member)
    page = client.get(drafts["bluesky"].get_absolute_url()).content.decode()
    assert "Bluesky does not charge for posting." in page and "What X will charge" not in page
    assert "View on Bluesky" in page


@pytest.mark.parametrize(
    ("network", "typed", "kept"),
    [
        ("x", "https://x.com/citizen/status/1790000000000000001", "1790000000000000001"),
        ("mastodon", "https://social.example/@citizen/113456789012345678", "113456789012345678"),
        (
            "bluesky",
            "at://did:plc:citizen123/app.bsky.feed.post/3kq2abc",
            "at://did:plc:citizen123/app.bsky.feed.post/3kq2abc",
        ),
        (
            "bluesky",
            "https://bsky.app/profile/did:plc:citizen123/post/3kq2abc",
            "at://did:plc:citizen123/app.bsky.feed.post/3kq2abc",
        ),
    ],
)
def test_the_post_a_reply_answers_is_read_from_its_link_or_id_on_each_network(network, typed, kept):
    assert services.clean_reply_to(typed, network=network) == kept


@pytest.mark.parametrize(
    ("network", "typed"),
    [
        ("x", "at://did:plc:citizen123/app.bsky.feed.post/3kq2abc"),
        ("bluesky", "1790000000000000001"),
        ("x", "nonsense"),
    ],
)
def test_a_post_from_another_network_or_no_post_at_all_is_refused_with_what_to_enter(network, typed):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.clean_reply_to(typed, network=network)
