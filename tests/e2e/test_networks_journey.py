"""An announcement on two networks, in the browser from the first click: an officer writes it once for the press
office's X account and its Bluesky account, an approver approves each, the worker publishes each once on its own
network (seen in the X and Bluesky sandboxes), and the approver retracts both."""

import re

import pytest

from accounts.models import Membership, TwitterAccount
from networks.text import check
from tests.conftest import enrol_totp
from tests.e2e.conftest import wait_for
from tests.factories import MembershipFactory, TeamFactory, TwitterAccountFactory
from tweets import costs
from tweets.models import Draft

TEXT = "Our flood defence guidance is out today: what it means for you 🌊"


@pytest.fixture
def press_office(db):
    team = TeamFactory(name="Press Office", slug="press-office")
    officer = MembershipFactory(team=team, role=Membership.Role.MEMBER).user
    approver = MembershipFactory(team=team, role=Membership.Role.APPROVER).user
    on_x = TwitterAccountFactory(
        team=team, responsible_person=approver, kind=TwitterAccount.Kind.PRESS_OFFICE, handle="DeptExPress"
    )
    on_bluesky = TwitterAccountFactory(
        team=team,
        responsible_person=approver,
        kind=TwitterAccount.Kind.PRESS_OFFICE,
        network="bluesky",
        handle="press.deptforexample.gov.uk",
        access_token="abcd-efgh-ijkl-mnop",
        access_token_secret="",
        x_user_id="did:plc:pressofficedemo000000001",
    )
    return officer, approver, on_x, on_bluesky


def _bluesky_texts(bluesky_sandbox, account) -> list[str]:
    return [post["record"]["text"] for post in bluesky_sandbox.posts_by(account.x_user_id)]


def _x_texts(x_sandbox, account) -> list[str]:
    return [post["text"] for post in x_sandbox.posts_by(account.x_user_id)]


@pytest.mark.django_db(transaction=True)
def test_one_announcement_is_approved_published_on_x_and_bluesky_once_each_then_retracted(
    journeys, press_office, x_sandbox, bluesky_sandbox, rq_worker
):
    officer, approver, on_x, on_bluesky = press_office
    x_sandbox.register_account(on_x)
    bluesky_sandbox.register_account(on_bluesky)
    totp_secret = enrol_totp(approver)

    author = journeys.start("comms-officer")
    author.sign_in(officer.email)
    page = author.goto("/drafts/new/")
    page.get_by_label("Account", exact=True).select_option(str(on_x.pk))
    page.get_by_label("Post", exact=True).fill(TEXT)
    page.get_by_role("checkbox", name=f"@{on_bluesky.handle} on Bluesky").check()
    variant = page.get_by_label(f"Text for @{on_bluesky.handle} on Bluesky (optional)")
    variant.wait_for()
    variant.fill(TEXT + " #FloodReady")
    # Each box counts as its own network does: X's weighted count, Bluesky's graphemes (the emoji is one).
    bluesky_count = page.locator(f"#variant_{on_bluesky.pk}-count")
    expected = check("bluesky", TEXT + " #FloodReady").weighted_length
    wait_for(lambda: bluesky_count.inner_text().startswith(f"{expected} of 300"), message="Bluesky's live count")
    page.get_by_role("button", name="Save and submit for approval").click()
    page.get_by_text(re.compile("2 drafts saved")).wait_for()
    author.check()
    drafts = {d.account.network: d for d in Draft.objects.select_related("account")}
    assert set(drafts) == {"x", "bluesky"}
    assert {d.state for d in drafts.values()} == {Draft.State.SUBMITTED}
    assert drafts["x"].announcement == drafts["bluesky"].announcement is not None

    reviewer = journeys.start("press-officer")
    reviewer.sign_in(approver.email, totp_secret=totp_secret)
    for network in ("x", "bluesky"):
        page = reviewer.goto("/drafts/approvals/")
        page.get_by_role("link", name=re.compile(f"Draft {drafts[network].pk}\\b|flood defence", re.I)).first.click()
        page.get_by_role("heading", name="Part of an announcement").wait_for()
        if f"/drafts/{drafts[network].pk}/" not in page.url:
            reviewer.goto(f"/drafts/{drafts[network].pk}/")
        reviewer.check()
        page = reviewer.page
        page.get_by_role("button", name="Approve and publish now").click()
        page.get_by_text("Approved. It is being published now", exact=False).wait_for()
        reviewer.check()

    for network, draft in drafts.items():
        wait_for(
            lambda d=draft: Draft.objects.get(pk=d.pk).state == Draft.State.PUBLISHED,
            message=f"the worker to publish on {network}",
        )
    assert _x_texts(x_sandbox, on_x) == [TEXT]
    assert _bluesky_texts(bluesky_sandbox, on_bluesky) == [TEXT + " #FloodReady"]
    published = Draft.objects.get(pk=drafts["bluesky"].pk)
    assert published.published_post_id.startswith(f"at://{on_bluesky.x_user_id}/app.bsky.feed.post/")

    for network, draft in drafts.items():
        page = reviewer.goto(f"/drafts/{draft.pk}/")
        label = "X" if network == "x" else "Bluesky"
        assert page.get_by_role("link", name=re.compile(f"View on {label}")).first.is_visible()
        page.get_by_role("link", name=f"Retract from {label}").click()
        reviewer.check()
        page.get_by_label("Reason").fill("The guidance was withdrawn for corrections.")
        page.get_by_role("button", name=f"Delete from {label}").click()
        page.get_by_text(re.compile("Retracted", re.I)).first.wait_for()
        reviewer.check()
        assert Draft.objects.get(pk=draft.pk).state == Draft.State.RETRACTED
    assert _x_texts(x_sandbox, on_x) == []
    assert _bluesky_texts(bluesky_sandbox, on_bluesky) == []


@pytest.mark.django_db(transaction=True)
def test_what_x_will_charge_counts_only_the_x_post_not_the_bluesky_text_beside_it(journeys, press_office):
    """The live cost on the compose page once counted the Bluesky account's own text as a second X post ("$0.400 to
    publish these 2 posts"), though Bluesky charges nothing and that text is another draft."""
    officer, _, on_x, on_bluesky = press_office
    author = journeys.start("comms-officer")
    author.sign_in(officer.email)
    page = author.goto("/drafts/new/")
    page.get_by_label("Account", exact=True).select_option(str(on_x.pk))
    with_link = TEXT + " https://www.gov.uk/example/floods"
    page.get_by_label("Post", exact=True).fill(with_link)
    total = page.locator("[data-cost-total]")
    expected = f"${costs.cost_of([with_link]).total:.3f} to publish this post."
    wait_for(lambda: total.inner_text() == expected, message="the cost of the X post")
    page.get_by_role("checkbox", name=f"@{on_bluesky.handle} on Bluesky").check()
    variant = page.get_by_label(f"Text for @{on_bluesky.handle} on Bluesky (optional)")
    variant.wait_for()
    variant.fill(with_link + " #FloodReady")
    page.get_by_label("Post", exact=True).press("End")  # another keystroke in the X box recounts too
    page.get_by_label("Post", exact=True).type(" ")
    assert total.inner_text() == expected
    assert page.locator("[data-cost-lines] li").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_preview_names_the_account_as_soon_as_it_is_chosen(journeys, press_office):
    """The compose page's preview said "Choose an account" after one was chosen, until the page was reloaded."""
    officer, _, on_x, on_bluesky = press_office
    author = journeys.start("comms-officer")
    author.sign_in(officer.email)
    page = author.goto("/drafts/new/")
    name = page.locator("[data-preview-account]").first
    assert name.inner_text() == "Choose an account"
    page.get_by_label("Account", exact=True).select_option(str(on_bluesky.pk))
    wait_for(lambda: name.inner_text() == f"@{on_bluesky.handle} on Bluesky", message="the preview to name the account")
    page.get_by_label("Account", exact=True).select_option(str(on_x.pk))
    wait_for(lambda: name.inner_text() == f"@{on_x.handle} on X", message="the preview to name the other account")
