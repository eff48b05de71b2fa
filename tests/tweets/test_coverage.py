"""Live coverage of an event: a planned thread with an approver on duty; each post approved in one tap from a phone
page goes out in order, replying to the one before, under the usual rules (no self-approval, freezes)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import AuditEvent, TwitterAccount
from tests.factories import TwitterAccountFactory
from tweets import coverage as live
from tweets import freezes
from tweets.models import Coverage, Draft

S = Draft.State


@pytest.fixture
def press(team, lead, x_sandbox):
    """A press office account (one approval needed) known to the sandbox."""
    account = TwitterAccountFactory(
        team=team, kind=TwitterAccount.Kind.PRESS_OFFICE, responsible_person=lead, handle="DeptPress"
    )
    x_sandbox.register_account(account)
    return account


@pytest.fixture
def event(press, member, approver):
    now = timezone.now()
    return live.coverage_plan(
        by=member,
        account=press,
        title="Launch of the Green Homes Grant",
        starts_at=now,
        ends_at=now + timedelta(hours=2),
        approver_on_duty=approver,
    )


def tap(client, coverage, draft):
    return client.post(
        f"/drafts/coverage/{coverage.pk}/approve/{draft.pk}/", {"revision": draft.current_revision_id}, follow=True
    )


def thread(x_sandbox, account):
    """The account's posts on X, oldest first: (text, the post it replies to)."""
    posts = list(reversed(x_sandbox.posts_by(account.x_user_id)))
    return [
        (p["text"], next((r["id"] for r in p.get("referenced_tweets", []) if r["type"] == "replied_to"), None))
        for p in posts
    ]


def test_planning_is_audited_and_the_plan_holds_its_posts_in_order(event, member):
    one = live.coverage_post_add(coverage=event, by=member, text="The minister arrives.")
    two = live.coverage_post_add(coverage=event, by=member, text="The grant opens today.")
    assert (one.state, one.coverage_position, two.coverage_position) == (S.SUBMITTED, 1, 2)
    assert list(event.drafts.order_by("coverage_position")) == [one, two]
    assert AuditEvent.objects.filter(action="coverage.planned").count() == 1


def test_one_tap_each_publishes_in_order_as_a_thread(client, event, member, approver, x_sandbox, run_jobs):
    one = live.coverage_post_add(coverage=event, by=member, text="The minister arrives.")
    two = live.coverage_post_add(coverage=event, by=member, text="The grant opens today.")
    client.force_login(approver)
    with run_jobs():
        page = tap(client, event, two)  # the second is approved first: it waits for the first
    assert "Post 2 approved" in page.content.decode()
    two.refresh_from_db()
    assert two.state == S.APPROVED
    assert thread(x_sandbox, event.account) == []
    with run_jobs():
        tap(client, event, one)
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.state, two.state) == (S.PUBLISHED, S.PUBLISHED)
    assert thread(x_sandbox, event.account) == [
        ("The minister arrives.", None),
        ("The grant opens today.", one.published_post_id),
    ]


def test_the_author_cannot_approve_their_own_post_with_a_tap(client, event, approver):
    own = live.coverage_post_add(coverage=event, by=approver, text="I wrote this one.")
    client.force_login(approver)
    page = tap(client, event, own).content.decode()
    assert "someone else must approve" in page
    own.refresh_from_db()
    assert own.state == S.SUBMITTED and not own.approvals.exists()


def test_a_member_sees_the_phone_page_without_an_approve_button(client, event, member):
    live.coverage_post_add(coverage=event, by=member, text="The minister arrives.")
    client.force_login(member)
    page = client.get(f"/drafts/coverage/{event.pk}/approve/").content.decode()
    assert "The minister arrives." in page and "Approve post 1" not in page


def test_the_approver_sees_the_one_tap_button(client, event, member, approver):
    live.coverage_post_add(coverage=event, by=member, text="The minister arrives.")
    client.force_login(approver)
    page = client.get(f"/drafts/coverage/{event.pk}/approve/").content.decode()
    assert "Approve post 1" in page


def test_a_freeze_holds_the_coverage_and_released_posts_still_go_in_order(
    event, member, approver, lead, x_sandbox, run_jobs
):
    from tweets import services

    one = live.coverage_post_add(coverage=event, by=member, text="The minister arrives.")
    two = live.coverage_post_add(coverage=event, by=member, text="The grant opens today.")
    freeze = freezes.freeze_start(by=lead, scope="account", account=event.account, reason="National mourning")
    with run_jobs():
        services.draft_approve(draft=one, by=approver)
        services.draft_approve(draft=two, by=approver)
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.state, two.state) == (S.HELD, S.HELD)
    assert thread(x_sandbox, event.account) == []
    freezes.freeze_lift(freeze=freeze, by=lead)
    with run_jobs():
        freezes.draft_publish_now(draft=two, by=lead)  # released out of order: it waits for the first
    two.refresh_from_db()
    assert two.state == S.APPROVED and thread(x_sandbox, event.account) == []
    with run_jobs():
        freezes.draft_publish_now(draft=one, by=lead)
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.state, two.state) == (S.PUBLISHED, S.PUBLISHED)
    assert thread(x_sandbox, event.account) == [
        ("The minister arrives.", None),
        ("The grant opens today.", one.published_post_id),
    ]


def test_a_dropped_post_lets_the_next_go(event, member, approver, x_sandbox, run_jobs):
    from tweets import services

    one = live.coverage_post_add(coverage=event, by=member, text="Scrapped.")
    two = live.coverage_post_add(coverage=event, by=member, text="The grant opens today.")
    with run_jobs():
        services.draft_approve(draft=two, by=approver)
        services.draft_withdraw(draft=one, by=member, reason="Not needed")
    two.refresh_from_db()
    assert two.state == S.PUBLISHED
    assert thread(x_sandbox, event.account) == [("The grant opens today.", None)]


@pytest.mark.parametrize("page", ["", "approve/"])
def test_outsiders_get_a_404(client, event, outsider, page):
    client.force_login(outsider)
    assert client.get(f"/drafts/coverage/{event.pk}/{page}").status_code == 404
    assert client.get("/drafts/coverage/").content.decode().count(event.title) == 0


def test_an_outsider_cannot_tap_approve(client, event, member, outsider):
    draft = live.coverage_post_add(coverage=event, by=member, text="The minister arrives.")
    client.force_login(outsider)
    assert tap(client, event, draft).status_code == 404
    draft.refresh_from_db()
    assert draft.state == S.SUBMITTED


def test_a_writer_plans_coverage_from_the_form(client, press, member, approver):
    client.force_login(member)
    response = client.post(
        "/drafts/coverage/new/",
        {
            "account": press.pk,
            "title": "Summit",
            "starts_at": (timezone.localtime() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (timezone.localtime() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "approver_on_duty": approver.pk,
        },
    )
    coverage = Coverage.objects.get()
    assert response.status_code == 302 and response["Location"] == coverage.get_absolute_url()
    assert (coverage.account, coverage.approver_on_duty, coverage.created_by) == (press, approver, member)


def test_the_approver_on_duty_must_be_able_to_approve(client, press, member, lead):
    client.force_login(member)
    now = timezone.localtime()
    response = client.post(
        "/drafts/coverage/new/",
        {
            "account": press.pk,
            "title": "Summit",
            "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "approver_on_duty": member.pk,
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "The coverage must end after it starts." in page
    assert "Choose one of the approvers listed." in page
    assert not Coverage.objects.exists()


def test_an_outsider_cannot_plan_on_our_account(client, press, outsider, approver):
    client.force_login(outsider)
    now = timezone.localtime()
    response = client.post(
        "/drafts/coverage/new/",
        {
            "account": press.pk,
            "title": "Summit",
            "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "approver_on_duty": approver.pk,
        },
    )
    assert response.status_code == 400
    assert not Coverage.objects.exists()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.dictionaries(
        st.sampled_from(["account", "title", "starts_at", "ends_at", "approver_on_duty", "text", "revision"]),
        st.one_of(st.text(max_size=40), st.integers(), st.sampled_from(["\x00", "9" * 30, "2026-13-40T99:99"])),
    )
)
def test_garbage_never_causes_a_server_error(client, event, member, data):
    client.force_login(member)
    draft = event.drafts.first() or live.coverage_post_add(coverage=event, by=member, text="A post.")
    for url in (
        "/drafts/coverage/new/",
        f"/drafts/coverage/{event.pk}/",
        f"/drafts/coverage/{event.pk}/approve/{draft.pk}/",
    ):
        assert client.post(url, data).status_code < 500


def test_a_post_with_a_photo_is_approved_in_one_tap_and_goes_out_with_its_alt_text(
    client, event, member, approver, x_sandbox, run_jobs, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.tweets.media_helpers import jpeg_with_gps

    settings.MEDIA_ROOT = str(tmp_path / "media")
    alt = "The minister opening the summit in front of a blue banner."
    client.force_login(member)
    photo = SimpleUploadedFile("summit.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = client.post(
        f"/drafts/coverage/{event.pk}/", {"text": "The summit opens.", "photo": photo, "alt_text": alt}
    )
    assert response.status_code == 302
    (draft,) = event.drafts.all()
    assert draft.current_revision.media.get().alt_text == alt
    client.force_login(approver)
    page = client.get(f"/drafts/coverage/{event.pk}/approve/").content.decode()
    assert f'alt="{alt}"' in page and "Approve post 1" in page
    with run_jobs():
        tap(client, event, draft)
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    (attached,) = x_sandbox.state.media.by_post[draft.published_post_id]
    assert attached["alt_text"] == alt


def test_a_photo_without_alt_text_is_refused(client, event, member, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.tweets.media_helpers import jpeg_with_gps

    settings.MEDIA_ROOT = str(tmp_path / "media")
    client.force_login(member)
    photo = SimpleUploadedFile("summit.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = client.post(f"/drafts/coverage/{event.pk}/", {"text": "The summit opens.", "photo": photo})
    assert response.status_code == 400
    assert "Describe the photo in its alt text" in response.content.decode()
    assert not event.drafts.exists()
