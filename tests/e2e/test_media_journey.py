"""Journey: a thread with two photos and their alt text, from sign-in to X and back. The officer composes it,
attaches two photos taken on a phone (with their location in them), writes alt text, watches the preview; the
press office's approver sees the same preview and approves; the worker publishes it once with the alt text on X
and no location in the files X received; the approver then retracts it."""

import re

import pytest

from accounts.models import Membership, TwitterAccount
from tests.conftest import enrol_totp
from tests.e2e.conftest import wait_for
from tests.factories import MembershipFactory, TeamFactory, TwitterAccountFactory
from tests.tweets.media_helpers import jpeg_with_gps
from tweets.models import Draft

FIRST = "The new library in Leeds is open from today. #Libraries"
SECOND = "Opening times are on https://www.gov.uk/libraries"
ALT = {
    "ribbon.jpg": "The minister cutting a red ribbon at the library's front door, with pupils from a local school.",
    "reading.jpg": "Children reading on bean bags in the library's new children's corner.",
}


@pytest.fixture
def press_office(db):
    team = TeamFactory(name="Press Office", slug="press-office")
    officer = MembershipFactory(team=team, role=Membership.Role.MEMBER).user
    approver = MembershipFactory(team=team, role=Membership.Role.APPROVER).user
    account = TwitterAccountFactory(
        team=team, responsible_person=approver, kind=TwitterAccount.Kind.PRESS_OFFICE, handle="DeptExPress"
    )
    return officer, approver, account


@pytest.mark.django_db(transaction=True)
def test_a_thread_with_two_photos_goes_out_with_its_alt_text_and_is_retracted(
    journeys, press_office, x_sandbox, rq_worker, tmp_path
):
    officer, approver, account = press_office
    x_sandbox.register_account(account)
    totp_secret = enrol_totp(approver)
    photos = []
    for index, name in enumerate(ALT):
        path = tmp_path / name
        path.write_bytes(jpeg_with_gps(size=(320, 240), colour=(200, 40 * index, 40)))
        photos.append(str(path))

    author = journeys.start("comms-officer")
    author.sign_in(officer.email)
    page = author.goto("/drafts/new/")
    page.get_by_label("Account").select_option(str(account.pk))
    page.locator("#id_posts").fill(FIRST)
    page.get_by_role("button", name="Add another post to the thread").click()
    author.check()
    page.locator("#id_posts_2").fill(SECOND)
    page.locator("#upload_0").set_input_files(photos)
    page.get_by_role("button", name="Attach the files and show the preview").click()
    author.check()
    for name, alt in ALT.items():
        page.get_by_label(f"Alt text for {name} (image)").fill(alt)

    # The preview: the thread in order, entities marked (live, as the text changes), both photos.
    preview = page.locator("[data-preview]")
    page.locator("#id_posts").fill(FIRST + " @DeptExPress")
    preview.locator(".dovecote-entity--mention").first.wait_for()
    assert preview.locator(".dovecote-entity--hashtag").first.inner_text() == "#Libraries"
    assert "gov.uk/libraries" in preview.locator(".dovecote-entity--url").first.inner_text()
    assert preview.locator("img.dovecote-preview__image").count() == 2
    assert "A thread of 2 posts" in preview.inner_text()
    _check_cost(page, alt_texts=False)  # counted from the alt texts the page was last shown with: none yet
    page.get_by_role("button", name="Save and submit for approval").click()
    author.check()
    draft = Draft.objects.get(account=account)
    assert draft.state == Draft.State.SUBMITTED
    assert [row.alt_text for row in draft.current_revision.media.order_by("order")] == list(ALT.values())

    reviewer = journeys.start("press-officer")
    reviewer.sign_in(approver.email, totp_secret=totp_secret)
    page = reviewer.goto(f"/drafts/{draft.pk}/")
    preview = page.locator("[data-preview]")
    images = preview.locator("img.dovecote-preview__image")
    assert [images.nth(i).get_attribute("alt") for i in range(2)] == list(ALT.values())
    assert images.first.evaluate("image => image.complete && image.naturalWidth > 0"), "the photo did not load"
    _check_cost(page)
    page.get_by_role("button", name="Approve and publish now").click()
    page.get_by_text("Approved. It is being published now", exact=False).wait_for()
    reviewer.check()

    wait_for(lambda: Draft.objects.get(pk=draft.pk).state == Draft.State.PUBLISHED, message="the worker to publish")
    posts = list(reversed(x_sandbox.posts_by(account.x_user_id)))
    assert [post["text"] for post in posts] == [FIRST + " @DeptExPress", SECOND]
    on_x = x_sandbox.state.media.by_post[posts[0]["id"]]
    assert [m["alt_text"] for m in on_x] == list(ALT.values())
    for medium in on_x:
        sent = x_sandbox.state.media.uploads[medium["media_id"]].content
        assert b"GPS" not in sent and b"Exif" not in sent

    page = reviewer.goto(f"/drafts/{draft.pk}/")
    page.get_by_role("link", name="Retract from X").click()
    reviewer.check()
    page.get_by_label("Reason").fill("Posted before the embargo lifted.")
    page.get_by_role("button", name="Delete from X").click()
    page.get_by_text(re.compile("Retracted: it is deleted from X")).wait_for()
    reviewer.check()
    assert Draft.objects.get(pk=draft.pk).state == "retracted"
    assert x_sandbox.posts_by(account.x_user_id) == []


def _check_cost(page, *, alt_texts: bool = True) -> None:
    """What X will charge (tweets/_cost.html): a post, a post with a link, and the photos' alt texts."""
    cost = page.locator("[data-cost]").first.inner_text()
    assert "What X will charge" in cost
    assert "Post 2: Post with a link, $0.200" in cost
    if alt_texts:
        assert "alt text for 2 images" in cost
        assert "$0.225 to publish these 2 posts" in cost
