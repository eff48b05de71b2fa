"""Reply where you read: the item's reply box with a saved reply filled in, with and without scripts, and the reply
draft keeping the post it answers all the way through approval."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import TwitterAccount
from tests.factories import TwitterAccountFactory
from tests.monitoring.factories import InboxItemFactory, MentionFactory
from tweets import saved_replies
from tweets.models import Draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def corporate(team, lead):
    return TwitterAccountFactory(
        team=team, responsible_person=lead, handle="DeptComms", kind=TwitterAccount.Kind.CORPORATE, approvals_required=1
    )


@pytest.fixture
def item(team, corporate):
    # The citizen mentioned the account: X accepts the reply (twitter_api.replies).
    mention = MentionFactory(author_username="citizen", author_name="Cit Izen", text="@DeptComms When do you open?")
    return InboxItemFactory(team=team, account=corporate, mention=mention)


@pytest.fixture
def version(corporate, member, approver):
    saved = saved_replies.saved_reply_create(
        by=member, account=corporate, title="Opening hours", text="Hello {name} ({handle}), we open at 9."
    )
    return saved_replies.saved_reply_approve(by=approver, version=saved.versions.get())


def test_the_item_page_offers_the_teams_approved_saved_replies_and_a_live_count(client, item, version, member):
    client.force_login(member)
    page = client.get(item.get_absolute_url()).content.decode()
    assert "Opening hours (@DeptComms, version 1)" in page
    assert "data-post-count" in page and "js/tweets.js" in page
    assert 'id="reply_text"' in page and "Send reply" in page


def test_choosing_a_saved_reply_fills_it_in_for_the_author_htmx(client, item, version, member):
    client.force_login(member)
    url = reverse("monitoring:item_reply_box", args=[item.pk])
    response = client.get(url, {"saved_reply": version.pk, "inline": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Hello Cit Izen (@citizen), we open at 9." in page
    assert f'id="reply{item.pk}_text"' in page  # a box in the inbox list has ids of its own


def test_without_scripts_the_use_button_fills_it_in_and_send_sends_it(client, item, version, member, corporate):
    corporate.saved_replies_skip_approval = True
    corporate.save()
    client.force_login(member)
    reply = reverse("monitoring:item_reply", args=[item.pk])
    page = client.post(reply, {"account": corporate.pk, "saved_reply": version.pk, "text": "", "use_saved": "1"})
    assert page.status_code == 200
    assert "Hello Cit Izen (@citizen), we open at 9." in page.content.decode()
    text = "Hello Cit Izen (@citizen), we open at 9."
    response = client.post(reply, {"account": corporate.pk, "saved_reply": version.pk, "text": text, "send": "1"})
    assert response.status_code == 302
    draft = Draft.objects.get()
    assert draft.state == Draft.State.APPROVED  # published after commit, without a second approval
    assert draft.current_revision.saved_reply_version == version


def test_a_reply_that_needs_approval_shows_the_post_it_answers_to_the_approver(
    client, item, member, approver, corporate
):
    client.force_login(member)
    client.post(
        reverse("monitoring:item_reply", args=[item.pk]),
        {"account": corporate.pk, "text": "@citizen We open at 9.", "send": "1"},
    )
    draft = Draft.objects.get()
    assert draft.state == Draft.State.SUBMITTED
    client.force_login(approver)
    detail = client.get(draft.get_absolute_url()).content.decode()
    assert "The post it answers" in detail and "When do you open?" in detail and "Cit Izen" in detail
    queue = client.get(reverse("tweets:approval_queue")).content.decode()
    assert "Answering @citizen (Cit Izen): “@DeptComms When do you open?”" in queue
    listing = client.get(reverse("tweets:draft_list")).content.decode()
    assert "Answering @citizen" in listing
    item.mention.delete()
    assert "When do you open?" in client.get(draft.get_absolute_url()).content.decode()


def test_a_saved_reply_too_long_for_this_author_is_refused_with_the_reason(client, team, corporate, member, approver):
    saved = saved_replies.saved_reply_create(by=member, account=corporate, title="Long", text="{name} " + "z" * 250)
    long_version = saved_replies.saved_reply_approve(by=approver, version=saved.versions.get())
    mention = MentionFactory(author_username="someone", author_name="N" * 50)
    item = InboxItemFactory(team=team, account=corporate, mention=mention)
    client.force_login(member)
    response = client.get(reverse("monitoring:item_reply_box", args=[item.pk]), {"saved_reply": long_version.pk})
    page = response.content.decode()
    assert "Filled in for @someone" in page and "280" in page


def test_outsiders_get_a_404_for_the_box(client, item, version, outsider):
    client.force_login(outsider)
    assert client.get(reverse("monitoring:item_reply_box", args=[item.pk])).status_code == 404
    response = client.post(
        reverse("monitoring:item_reply", args=[item.pk]), {"saved_reply": version.pk, "use_saved": "1"}
    )
    assert response.status_code == 404


def test_another_teams_saved_reply_cannot_be_used(client, item, member, other_team, approver):
    elsewhere = TwitterAccountFactory(team=other_team, approvals_required=1)
    from tests.factories import MembershipFactory

    writer = MembershipFactory(team=other_team).user
    saved = saved_replies.saved_reply_create(by=writer, account=elsewhere, title="Theirs", text="Not yours")
    client.force_login(member)
    response = client.get(
        reverse("monitoring:item_reply_box", args=[item.pk]), {"saved_reply": saved.versions.get().pk}
    )
    assert "Not yours" not in response.content.decode()
    assert "approved saved replies first" in response.content.decode()


junk = st.text(st.characters(exclude_categories=("Cs",)), max_size=40) | st.sampled_from(["0", "-1", "9" * 25, "1e3"])


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(saved_reply=junk, account=junk, inline=junk)
def test_garbage_is_never_a_server_error(client, item, member, saved_reply, account, inline):
    client.force_login(member)
    params = {"saved_reply": saved_reply.replace("\x00", ""), "account": account.replace("\x00", ""), "inline": inline}
    assert client.get(reverse("monitoring:item_reply_box", args=[item.pk]), params).status_code == 200
    data = {**params, "use_saved": "1", "text": saved_reply.replace("\x00", "")}
    assert client.post(reverse("monitoring:item_reply", args=[item.pk]), data).status_code in (200, 400)


def test_the_inbox_list_offers_a_reply_box_per_open_item_and_sending_returns_to_the_list(
    client, team, item, member, corporate
):
    client.force_login(member)
    page = client.get(reverse("monitoring:inbox"), {"team": team.pk}).content.decode()
    box_url = reverse("monitoring:item_reply_box", args=[item.pk]) + "?inline=1"
    assert f'hx-get="{box_url}"' in page and 'id="inline-reply"' in page
    assert f'href="{item.get_absolute_url()}#reply"' in page  # without scripts, the link opens the item
    box = client.get(box_url).content.decode()
    assert 'name="back_to" value="inbox"' in box and "Reply to @citizen" in box
    response = client.post(
        reverse("monitoring:item_reply", args=[item.pk]),
        {"account": corporate.pk, "text": "@citizen We open at 9.", "send": "1", "back_to": "inbox"},
    )
    assert response.status_code == 302 and response["Location"] == f"{reverse('monitoring:inbox')}?team={team.pk}"
    page = client.get(reverse("monitoring:inbox"), {"team": team.pk}).content.decode()
    assert f'hx-get="{box_url}"' not in page  # a reply is under way
