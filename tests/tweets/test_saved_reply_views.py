"""The saved replies pages: outsiders, members, approvers, and garbage input."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import TwitterAccount
from tests.factories import TwitterAccountFactory
from tweets import saved_replies
from tweets.models import SavedReply, SavedReplyVersion

pytestmark = pytest.mark.django_db
V = SavedReplyVersion.State


@pytest.fixture
def corporate(team, lead):
    return TwitterAccountFactory(
        team=team, responsible_person=lead, handle="DeptComms", kind=TwitterAccount.Kind.CORPORATE, approvals_required=1
    )


@pytest.fixture
def saved(corporate, member):
    return saved_replies.saved_reply_create(
        by=member, account=corporate, title="Looking into it", text="Thanks {handle}, we're looking into it."
    )


def _urls(saved):
    version = saved.versions.get()
    return {
        "detail": ("get", reverse("tweets:saved_reply_detail", args=[saved.pk]), {}),
        "edit": ("post", reverse("tweets:saved_reply_edit", args=[saved.pk]), {"text": "New text"}),
        "archive": ("post", reverse("tweets:saved_reply_archive", args=[saved.pk]), {}),
        "approve": ("post", reverse("tweets:saved_reply_approve", args=[version.pk]), {}),
        "reject": ("post", reverse("tweets:saved_reply_reject", args=[version.pk]), {"reason": "No"}),
    }


@pytest.mark.parametrize("page", ["detail", "edit", "archive", "approve", "reject"])
def test_outsiders_get_a_404(client, saved, outsider, page):
    client.force_login(outsider)
    method, url, data = _urls(saved)[page]
    assert getattr(client, method)(url, data).status_code == 404
    assert saved.versions.get().state == V.SUBMITTED


def test_the_library_lists_only_my_teams_saved_replies(client, saved, outsider, member):
    client.force_login(outsider)
    assert "Looking into it" not in client.get(reverse("tweets:saved_reply_list")).content.decode()
    client.force_login(member)
    page = client.get(reverse("tweets:saved_reply_list")).content.decode()
    assert "Looking into it" in page and "Not yet approved" in page


def test_signed_out_people_are_sent_to_sign_in(client, saved):
    response = client.get(reverse("tweets:saved_reply_list"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_member_writes_one_and_cannot_approve_their_own(client, corporate, member):
    client.force_login(member)
    page = client.get(reverse("tweets:saved_reply_create")).content.decode()
    assert "data-post-count" in page and "{handle}" in page
    response = client.post(
        reverse("tweets:saved_reply_create"),
        {"account": corporate.pk, "title": "Opening hours", "text": "Hello {name}, we're open 9 to 5."},
    )
    saved = SavedReply.objects.get(title="Opening hours")
    assert response.status_code == 302 and response["Location"] == saved.get_absolute_url()
    page = client.get(saved.get_absolute_url()).content.decode()
    assert "Approve version 1" not in page and "Only approvers and leads" in page
    version = saved.versions.get()
    assert client.post(reverse("tweets:saved_reply_approve", args=[version.pk])).status_code == 403
    assert saved.versions.get().state == V.SUBMITTED


def test_an_approver_approves_from_the_page(client, saved, approver):
    client.force_login(approver)
    page = client.get(saved.get_absolute_url()).content.decode()
    assert "Approve version 1" in page
    response = client.post(reverse("tweets:saved_reply_approve", args=[saved.versions.get().pk]), follow=True)
    assert "is approved: the team can use it now" in response.content.decode()
    assert saved.versions.get().state == V.APPROVED


def test_rejecting_needs_a_reason(client, saved, approver):
    client.force_login(approver)
    url = reverse("tweets:saved_reply_reject", args=[saved.versions.get().pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and "Say why it is rejected" in response.content.decode()
    client.post(url, {"reason": "Give the opening hours."})
    assert saved.versions.get().state == V.REJECTED


def test_an_edit_with_an_unknown_placeholder_is_shown_as_an_error(client, saved, member):
    client.force_login(member)
    response = client.post(reverse("tweets:saved_reply_edit", args=[saved.pk]), {"text": "Hi {firstname}"})
    page = response.content.decode()
    assert response.status_code == 400 and "There is a problem" in page and "{firstname}" in page
    assert saved.versions.count() == 1


def test_a_member_cannot_write_for_another_teams_account(client, member, other_team):
    elsewhere = TwitterAccountFactory(team=other_team)
    client.force_login(member)
    response = client.post(reverse("tweets:saved_reply_create"), {"account": elsewhere.pk, "title": "X", "text": "Y"})
    assert response.status_code == 400 and not SavedReply.objects.exists()


# A browser cannot send a lone surrogate as UTF-8 (the test client cannot encode one either).
text_or_junk = st.text(st.characters(exclude_categories=("Cs",)), max_size=300) | st.sampled_from(
    ["", " ", "{handle}" * 40, "\x00", "{", "9" * 30]
)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(account=text_or_junk, title=text_or_junk, text=text_or_junk)
def test_garbage_in_the_form_is_never_a_server_error(client, corporate, member, account, title, text):
    client.force_login(member)
    data = {"account": account, "title": title, "text": text}
    response = client.post(reverse("tweets:saved_reply_create"), {k: v.replace("\x00", "") for k, v in data.items()})
    assert response.status_code in (200, 302, 400)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(pk=st.integers(min_value=-(2**64), max_value=2**64))
def test_garbage_ids_are_never_a_server_error(client, member, pk):
    client.force_login(member)
    for path in (f"/drafts/saved-replies/{pk}/", f"/drafts/saved-replies/versions/{pk}/approve/"):
        assert client.post(path).status_code in (404, 405)


def test_approvers_are_told_on_their_queue_and_writers_and_outsiders_are_not(client, saved, approver, member, outsider):
    client.force_login(approver)
    page = client.get(reverse("tweets:approval_queue")).content.decode()
    assert "1 saved reply is waiting for approval" in page
    for person in (member, outsider):  # its writer (not an approver), and another team
        client.force_login(person)
        assert "saved-replies-waiting" not in client.get(reverse("tweets:approval_queue")).content.decode()
    saved_replies.saved_reply_approve(by=approver, version=saved.versions.get())
    client.force_login(approver)
    assert "saved-replies-waiting" not in client.get(reverse("tweets:approval_queue")).content.decode()
