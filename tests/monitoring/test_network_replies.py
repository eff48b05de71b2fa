"""Replying from the inbox to a post on Bluesky or Mastodon: on that network, from the account it was for, free of X's
reply rule; the item shows its network and links to the post there; other teams cannot see it."""

import pytest
from django.urls import reverse

from monitoring import services
from monitoring.access import items_for_user
from monitoring.models import InboxItem
from tests.factories import TwitterAccountFactory
from tests.monitoring.factories import InboxItemFactory, MentionFactory
from tweets.services import draft_submit

pytestmark = pytest.mark.django_db

POSTS = {
    "bluesky": (
        "at://did:plc:citizen/app.bsky.feed.post/3kq2abc",
        "https://bsky.app/profile/did:plc:citizen/post/3kq2abc",
    ),
    "mastodon": ("113456789012345678", "https://social.example/@citizen/113456789012345678"),
}


def network_account(team, network, handle):
    extra = {"instance_url": "https://social.example"} if network == "mastodon" else {}
    return TwitterAccountFactory(
        team=team, network=network, handle=handle, access_token_secret="", x_user_id=f"id-{handle}", **extra
    )


def network_item(team, network, account):
    post_id, url = POSTS[network]
    mention = MentionFactory(
        network=network,
        network_post_id=post_id,
        network_url=url,
        author_username="citizen",
        text="When do the passport offices open?",
    )
    return InboxItemFactory(team=team, account=account, mention=mention)


HANDLES = {"bluesky": "dept.bsky.social", "mastodon": "dept"}


@pytest.mark.parametrize("network", ["bluesky", "mastodon"])
def test_a_reply_is_drafted_on_the_post_s_network_from_the_account_it_was_for(network, team, member):
    account = network_account(team, network, HANDLES[network])
    TwitterAccountFactory(team=team, handle="DeptOnX")  # the team's X account is no choice for this post
    item = network_item(team, network, account)
    draft = services.item_reply(item=item, by=member, account=account, text="@citizen 9am to 5pm.")
    assert draft.account == account
    assert draft.in_reply_to_post_id == POSTS[network][0]
    assert draft.current_revision.in_reply_to_post_id == POSTS[network][0]
    assert draft.reply_to_snapshot["post_id"] == POSTS[network][0]
    item.refresh_from_db()
    assert (item.reply_draft, item.status) == (draft, InboxItem.Status.IN_PROGRESS)
    # X's summoned-reply rule does not apply: the post does not mention the account, and the reply is submitted.
    draft = draft_submit(draft=draft, by=member)
    assert not getattr(draft, "not_submitted_because", "")
    assert draft.state != "draft"


@pytest.mark.parametrize("network", ["bluesky", "mastodon"])
def test_a_reply_from_another_network_or_another_account_is_refused(network, team, member):
    account = network_account(team, network, HANDLES[network])
    other_same_network = network_account(team, network, f"other{HANDLES[network]}")
    on_x = TwitterAccountFactory(team=team, handle="DeptOnX")
    item = network_item(team, network, account)
    with pytest.raises(services.TransitionError, match="reply from one of your"):
        services.item_reply(item=item, by=member, account=on_x, text="hello")
    with pytest.raises(services.TransitionError, match="the .* account this post was for"):
        services.item_reply(item=item, by=member, account=other_same_network, text="hello")
    item.refresh_from_db()
    assert item.reply_draft is None and item.status == InboxItem.Status.NEW


def test_the_item_and_the_inbox_show_the_network_and_link_to_the_post_there(client, team, member):
    account = network_account(team, "bluesky", "dept.bsky.social")
    on_x = TwitterAccountFactory(team=team, handle="DeptOnX")
    item = network_item(team, "bluesky", account)
    x_item = InboxItemFactory(team=team, account=on_x)
    client.force_login(member)
    page = client.get(reverse("monitoring:item_detail", args=[item.pk])).text
    assert 'id="network-tag">Bluesky</strong>' in page
    assert f'href="{POSTS["bluesky"][1]}"' in page and "Open on Bluesky" in page
    assert "x.com/" not in page
    # Only the team's Bluesky accounts are offered to reply as.
    assert (
        "dept.bsky.social" in page.split('id="reply-box', 1)[1] and "DeptOnX" not in page.split('id="reply-box', 1)[1]
    )
    x_page = client.get(reverse("monitoring:item_detail", args=[x_item.pk])).text
    assert 'id="network-tag"' not in x_page and "Open on X" in x_page
    inbox = client.get(reverse("monitoring:inbox")).text
    assert inbox.count('govuk-tag--light-blue">Bluesky</strong>') == 1


def test_an_outsider_cannot_see_another_team_s_bluesky_item(client, team, outsider):
    item = network_item(team, "bluesky", network_account(team, "bluesky", "dept.bsky.social"))
    assert not items_for_user(outsider).filter(pk=item.pk).exists()
    client.force_login(outsider)
    assert client.get(reverse("monitoring:item_detail", args=[item.pk])).status_code == 404
    assert item.mention.text not in client.get(reverse("monitoring:inbox")).text


def test_a_team_with_no_account_on_the_post_s_network_is_told_so(client, team, member):
    TwitterAccountFactory(team=team, handle="DeptOnX")
    item = network_item(team, "mastodon", None)
    client.force_login(member)
    page = client.get(reverse("monitoring:item_detail", args=[item.pk])).text
    assert f"{team} has no Mastodon account to reply from" in page


def test_the_monitor_list_says_what_each_monitor_is_searched_for_on_other_networks(client, team, member):
    from tests.monitoring.factories import MonitorFactory

    searched = MonitorFactory(team=team, query='"passport office" delay')
    unsearched = MonitorFactory(team=team, query="from:someone")
    client.force_login(member)
    page = client.get(reverse("monitoring:monitor_list")).text
    assert f'id="monitor-{searched.pk}-networks"' not in page  # no account on another network yet
    network_account(team, "bluesky", "dept.bsky.social")
    page = client.get(reverse("monitoring:monitor_list")).text
    assert 'On Bluesky, searched for <code class="dovecote-mono">passport office</code>' in page
    assert f'id="monitor-{unsearched.pk}-networks">Not searched on Bluesky' in page


def test_the_reply_box_counts_as_the_post_s_network_does(client, team, member):
    account = network_account(team, "bluesky", HANDLES["bluesky"])
    item = network_item(team, "bluesky", account)
    client.force_login(member)
    page = client.get(reverse("monitoring:item_detail", args=[item.pk])).text
    assert 'data-network="bluesky" data-max="300"' in page
    assert "as Bluesky counts them" in page
    assert "js/compose_count.js" in page
    x_item = InboxItemFactory(team=team, account=TwitterAccountFactory(team=team, handle="DeptOnX"))
    assert 'data-network="x" data-max="280"' in client.get(reverse("monitoring:item_detail", args=[x_item.pk])).text
