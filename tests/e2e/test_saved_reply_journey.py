"""Reply where you read, with a saved reply: a team member finds a mention in the inbox, opens it, reads the
conversation it belongs to (the rest read from X), picks the team's approved saved reply in the reply box and
sends it; where the account's policy allows, it is published in the sandbox without a second approval, and where
it does not, the approver sees the post it answers."""

import re

import pytest

from accounts import demo as accounts_demo
from accounts.models import TwitterAccount, User
from monitoring.models import InboxItem
from tests.conftest import enrol_totp
from tests.e2e.conftest import wait_for
from tests.e2e.test_inbox_journeys import _poll_and_wait_for, department  # noqa: F401 - the fixture
from tweets import saved_replies
from tweets.models import Draft

SAVED_TEXT = "Thanks {handle}, we're looking into it and will reply here within two working days."


def _saved_reply(account: TwitterAccount):
    """The digital communications team's saved reply, written by an officer and approved by two approvers."""
    officer = User.objects.get(email="comms.officer@dovecote.example")
    saved = saved_replies.saved_reply_create(by=officer, account=account, title="Looking into it", text=SAVED_TEXT)
    for email in ("comms.approver@dovecote.example", "lead@dovecote.example"):
        saved_replies.saved_reply_approve(by=User.objects.get(email=email), version=saved.versions.get())
    version = saved.versions.get()
    assert version.state == "approved"
    return version


def _conversation(x_sandbox, author: str, words: str) -> dict:
    """A citizen's post (not stored: it mentions no account of ours) and another's reply to it naming the account."""
    root = x_sandbox.state.inject_post("asker", f"Has anyone had a {words} back yet this month?")
    return x_sandbox.state.inject_post(
        author, f"@DeptForExample are {words}s taking longer than usual?", in_reply_to_post_id=root["id"]
    ) | {"root_text": f"Has anyone had a {words} back yet this month?"}


def _open_and_reply(journey, department, item, posted, *, author: str, words: str, from_the_list: bool = False):  # noqa: F811 - fixture's name
    page = journey.goto(f"/monitoring/?team={department['digital-communications'].pk}")
    # The inbox's search (issue 18's "inbox" part), combined with the open-items filter.
    page.locator("#id_q").fill(words)
    page.get_by_role("button", name="Search", exact=True).click()
    journey.check()
    assert page.get_by_text("1 item.").is_visible()
    filled = f"Thanks @{author}, we're looking into it and will reply here within two working days."
    if from_the_list:  # the list's own reply box, brought above the list; then on to the item all the same
        page.get_by_role("link", name=f"Reply to @{author} here").click()
        box = page.locator("#inline-reply")
        box.get_by_role("heading", name=f"Reply to @{author}").wait_for()
        # A person reads the box before choosing; the test waits until htmx has taken the new box's select in hand.
        page.wait_for_function(
            "id => { const el = document.getElementById(id); return !!(el && el['htmx-internal-data']); }",
            arg=f"reply{item.pk}_saved_reply",
        )
        box.locator(f"#reply{item.pk}_saved_reply").select_option(label="Looking into it (@DeptForExample, version 1)")
        page.wait_for_function(
            "([id, text]) => document.getElementById(id).value === text", arg=[f"reply{item.pk}_text", filled]
        )
        assert box.locator(f"#reply{item.pk}_text-count").inner_text().startswith(str(len(filled)))
        journey.check()
    page.get_by_role("link", name=re.compile(f"^@{author}$")).first.click()
    journey.check()

    conversation = page.locator("#conversation").locator("xpath=..")
    page.get_by_role("button", name="Read the rest from X").click()
    page.get_by_text("The rest of the conversation was read from X.").wait_for()
    journey.check()
    assert conversation.get_by_text(posted["root_text"]).is_visible()
    assert conversation.get_by_text("The post it answers").is_visible()

    page.locator("#reply_saved_reply").select_option(label="Looking into it (@DeptForExample, version 1)")
    page.wait_for_function("text => document.querySelector('#reply_text').value === text", arg=filled, timeout=15_000)
    assert page.locator("#reply_text-count").inner_text().startswith(str(len(filled)))
    journey.check()
    page.get_by_role("button", name="Send reply").click()
    journey.check()
    return page, filled


@pytest.mark.django_db(transaction=True)
def test_a_saved_reply_sent_unchanged_is_published_without_a_second_approval(
    journeys,
    department,  # noqa: F811
    x_sandbox,
    rq_worker,
):
    account = TwitterAccount.objects.get(handle="DeptForExample")
    account.saved_replies_skip_approval = True
    account.save()
    _saved_reply(account)
    posted = _conversation(x_sandbox, "renewal_rita", "passport renewal")
    item = _poll_and_wait_for(posted["id"])
    assert item.team.slug == "digital-communications"

    officer = User.objects.get(email="comms.officer@dovecote.example")
    journey = journeys.start("comms-officer")
    journey.sign_in(officer.email, password=accounts_demo.DEMO_PASSWORD)
    page, filled = _open_and_reply(journey, department, item, posted, author="renewal_rita", words="passport renewal")
    page.get_by_text("Reply approved and being published now.").wait_for()

    draft = wait_for(
        lambda: Draft.objects.filter(in_reply_to_post_id=posted["id"], state=Draft.State.PUBLISHED).first(),
        message="the reply to publish",
    )
    assert draft.transitions.filter(reason="Approved by saved reply “Looking into it” v1").exists()
    assert not draft.approvals.exists()
    replies = [
        post
        for post in x_sandbox.posts_by(account.x_user_id)
        if {"type": "replied_to", "id": posted["id"]} in post.get("referenced_tweets", [])
    ]
    assert [reply["text"] for reply in replies] == [filled]
    wait_for(lambda: InboxItem.objects.get(pk=item.pk).status == "replied", message="the item to be marked replied")


@pytest.mark.django_db(transaction=True)
def test_where_the_policy_needs_approval_the_approver_sees_the_post_it_answers(
    journeys,
    department,  # noqa: F811
    x_sandbox,
    rq_worker,
):
    account = TwitterAccount.objects.get(handle="DeptForExample")
    assert account.saved_replies_skip_approval is False  # the default
    _saved_reply(account)
    posted = _conversation(x_sandbox, "waiting_will", "driving licence")
    item = _poll_and_wait_for(posted["id"])

    officer = User.objects.get(email="comms.officer@dovecote.example")
    journey = journeys.start("comms-officer")
    journey.sign_in(officer.email, password=accounts_demo.DEMO_PASSWORD)
    page, filled = _open_and_reply(
        journey, department, item, posted, author="waiting_will", words="driving licence", from_the_list=True
    )
    page.get_by_text("Reply submitted for approval.").wait_for()
    draft = Draft.objects.get(in_reply_to_post_id=posted["id"])
    assert draft.state == Draft.State.SUBMITTED

    approver = User.objects.get(email="comms.approver@dovecote.example")
    reviewer = journeys.start("comms-approver")
    reviewer.sign_in(approver.email, password=accounts_demo.DEMO_PASSWORD, totp_secret=enrol_totp(approver))
    page = reviewer.goto("/drafts/approvals/")
    assert page.get_by_text(re.compile("Answering @waiting_will")).first.is_visible()
    page.get_by_role("link", name=re.compile("Thanks @waiting_will")).first.click()
    reviewer.check()
    answers = page.locator("#answers")
    assert answers.get_by_text("@waiting_will").first.is_visible()
    assert answers.get_by_text(re.compile("driving licences taking longer")).is_visible()
    assert page.get_by_text(filled).first.is_visible()
