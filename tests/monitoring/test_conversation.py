"""An inbox item's conversation: from stored posts first, from X only when something is missing (metered once,
cached, within the read budget), and what X sends treated as hostile."""

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring.budget import budget_state
from monitoring.conversation import conversation_fetch, conversation_for
from monitoring.models import ReadBudget
from tests.monitoring.factories import InboxItemFactory, MentionFactory, next_tweet_id
from tests.tweets.factories import DraftFactory
from twitter_api import client as x_client
from twitter_api.models import ApiCall

pytestmark = pytest.mark.django_db


def _item(team, **mention):
    return InboxItemFactory(team=team, mention=MentionFactory(**mention))


def test_a_conversation_is_read_from_stored_posts_oldest_first_with_our_posts_marked(client, team, member, account):
    root = next_tweet_id()
    ours = DraftFactory(account=account, state="published", published_post_id=str(root), text="New passport fees")
    ours.published_at = timezone.now()
    ours.save()
    first = MentionFactory(conversation_id=str(root), reply_to_post_id=str(root), text="Why so expensive?")
    second = MentionFactory(conversation_id=str(root), reply_to_post_id=str(first.tweet_id), text="Agreed, @first")
    item = InboxItemFactory(team=team, mention=second)
    unrelated = MentionFactory(text="Something else entirely")

    conversation = conversation_for(item)

    assert [p.post_id for p in conversation.posts] == [str(root), str(first.tweet_id), str(second.tweet_id)]
    assert [p.ours for p in conversation.posts] == [True, False, False]
    assert conversation.posts[1].answered and conversation.posts[2].this
    assert conversation.missing == [] and not conversation.can_fetch
    client.force_login(member)
    page = client.get(item.get_absolute_url()).content.decode()
    page = page[page.index('id="conversation"') :]
    assert page.index("New passport fees") < page.index("Why so expensive?") < page.index("Agreed, @first")
    assert "Our post" in page and "The post it answers" in page
    assert unrelated.text not in page
    assert "Read the rest from X" not in page
    assert ApiCall.objects.count() == 0


def test_a_mention_that_starts_its_conversation_says_so(client, team, member):
    item = _item(team)
    client.force_login(member)
    page = client.get(item.get_absolute_url()).content.decode()
    assert "starts its conversation" in page
    assert "Read the rest from X" not in page


def _reply_in_sandbox(x_sandbox, team):
    """A citizen's post in the sandbox (not stored here) and a reply to it that Dovecote stored as a mention."""
    root = x_sandbox.inject_post("asker", "My passport has not arrived after six weeks")
    other = x_sandbox.inject_post("bystander", "Same here, nothing for a month", in_reply_to_post_id=root["id"])
    reply = x_sandbox.inject_post("citizen", "@DeptComms any news?", in_reply_to_post_id=root["id"])
    item = _item(
        team,
        tweet_id=int(reply["id"]),
        conversation_id=root["id"],
        reply_to_post_id=root["id"],
        text=reply["text"],
        author_username="citizen",
    )
    return item, root, other


def test_missing_posts_are_read_from_x_once_metered_and_cached(client, x_sandbox, team, member):
    item, root, other = _reply_in_sandbox(x_sandbox, team)
    client.force_login(member)
    page = client.get(item.get_absolute_url()).content.decode()
    assert "Read the rest from X" in page and "six weeks" not in page

    response = client.post(reverse("monitoring:item_conversation_fetch", args=[item.pk]), follow=True)

    page = response.content.decode()
    assert "My passport has not arrived after six weeks" in page
    assert "Same here, nothing for a month" in page
    assert "read from X" in page and "Read the rest from X" not in page
    calls = list(ApiCall.objects.all())
    assert [c.endpoint for c in calls] == ["/2/tweets/search/recent"]
    assert calls[0].posts_read == 3  # the root, the other reply and the mention itself, as X bills them
    assert calls[0].context == f"monitoring:conversation:{root['id']}"
    assert budget_state().used == 3  # counted against the month's read budget

    client.post(reverse("monitoring:item_conversation_fetch", args=[item.pk]))
    client.get(item.get_absolute_url())
    assert ApiCall.objects.count() == 1  # cached: read once
    searched = [path for method, path, status in x_sandbox.requests if "search" in path]
    assert len(searched) == 1


def test_a_post_older_than_the_search_window_is_looked_up(x_sandbox, team, member):
    old = x_sandbox.inject_post("asker", "An old question", created_at=timezone.now() - timezone.timedelta(days=30))
    item = _item(team, conversation_id=old["id"], reply_to_post_id=old["id"], author_username="citizen")

    conversation = conversation_fetch(item=item, by=member)

    assert [p.text for p in conversation.posts if p.answered] == ["An old question"]
    assert sorted(c.endpoint for c in ApiCall.objects.all()) == ["/2/tweets/:id", "/2/tweets/search/recent"]


def test_a_deleted_post_stays_missing_and_is_not_asked_for_again(x_sandbox, team, member):
    item = _item(team, conversation_id="123456789", reply_to_post_id="123456789")
    conversation = conversation_fetch(item=item, by=member)
    assert conversation.missing == ["123456789"] and conversation.fetched and not conversation.can_fetch
    calls = ApiCall.objects.count()
    conversation_fetch(item=item, by=member)
    assert ApiCall.objects.count() == calls


def test_nothing_is_read_from_x_while_the_read_budget_is_used_up(client, x_sandbox, team, member):
    item, root, _ = _reply_in_sandbox(x_sandbox, team)
    ReadBudget.objects.create(month=timezone.localdate().replace(day=1), posts_limit=0)
    client.force_login(member)

    response = client.post(reverse("monitoring:item_conversation_fetch", args=[item.pk]), follow=True)

    assert "read budget is used up" in response.content.decode()
    assert ApiCall.objects.count() == 0
    assert not x_sandbox.requests


def test_an_x_failure_is_a_message_and_can_be_tried_again(client, x_sandbox, team, member):
    item, root, _ = _reply_in_sandbox(x_sandbox, team)
    x_sandbox.set_faults(force_5xx=1)
    client.force_login(member)
    response = client.post(reverse("monitoring:item_conversation_fetch", args=[item.pk]), follow=True)
    assert response.status_code == 200
    assert "could not be read from X" in response.content.decode()
    response = client.post(reverse("monitoring:item_conversation_fetch", args=[item.pk]), follow=True)
    assert "six weeks" in response.content.decode()


def test_outsiders_get_a_404_and_the_fetch_needs_a_post(client, x_sandbox, team, outsider, member):
    item, _, _ = _reply_in_sandbox(x_sandbox, team)
    client.force_login(outsider)
    assert client.get(item.get_absolute_url()).status_code == 404
    assert client.post(reverse("monitoring:item_conversation_fetch", args=[item.pk])).status_code == 404
    client.force_login(member)
    assert client.get(reverse("monitoring:item_conversation_fetch", args=[item.pk])).status_code == 405
    assert not x_sandbox.requests


def test_signed_out_people_are_sent_to_sign_in(client, team):
    item = _item(team)
    response = client.post(reverse("monitoring:item_conversation_fetch", args=[item.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_hostile_stored_ids_never_fail_the_page(client, team, member):
    item = _item(team, conversation_id="not an id", reply_to_post_id="99999999999999999999999")
    client.force_login(member)
    response = client.get(item.get_absolute_url())
    assert response.status_code == 200
    assert conversation_for(item).missing == []


def test_hostile_conversation_payloads_are_cleaned_or_set_aside(x_sandbox, team, member):
    item, root, _ = _reply_in_sandbox(x_sandbox, team)
    x_sandbox.set_faults(
        malformed=[
            {"post": {"id": "not-a-number", "text": "unreadable"}},
            {"post": {"id": "5", "text": ["not", "text"]}},
            {"post": {"id": "6", "text": "nul \x00 and \ud800 lone", "conversation_id": root["id"]}},
        ]
    )
    conversation = conversation_fetch(item=item, by=member)
    texts = [p.text for p in conversation.posts]
    assert "unreadable" not in texts
    assert "nul  and \ufffd lone" in texts


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        {"includes": "nope"},
        {"includes": {"tweets": "nope"}},
        {"includes": {"tweets": [None, 3, {"id": "x"}, {"id": "12", "text": 5}]}},
        {"includes": {"tweets": [{"id": "12", "text": "ok", "author_id": "9"}], "users": [{"id": []}, "x"]}},
    ],
)
def test_included_posts_are_read_item_by_item(payload):
    posts = x_client.parse_included_posts(payload)
    assert [p.id for p in posts] in ([], ["12"])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(tweets=json_values, users=json_values)
def test_any_includes_never_raise(tweets, users):
    for post in x_client.parse_included_posts({"includes": {"tweets": tweets, "users": users}}):
        assert post.id.isdigit() and "\x00" not in post.text


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(pk=st.integers(min_value=-(2**63), max_value=2**63) | st.text(max_size=30))
def test_garbage_item_ids_are_never_a_server_error(client, member, pk):
    client.force_login(member)
    response = client.post(f"/monitoring/items/{pk}/conversation/")
    assert response.status_code in (301, 404, 405)  # 301: text such as "0?" ends the path early (APPEND_SLASH)


def test_the_query_language_reads_conversation_id_as_x_does():
    from twitter_api.query import QuerySyntaxError, analyse, parse
    from twitter_api.types import XPost

    query = parse("conversation_id:1453231029364047873")
    assert str(query) == "conversation_id:1453231029364047873"
    now = timezone.now()
    reply = XPost(
        id="1453231029364047999", text="hi", author_id="1", created_at=now, conversation_id="1453231029364047873"
    )
    root = XPost(id="1453231029364047873", text="start", author_id="2", created_at=now)
    other = XPost(id="5", text="hi", author_id="1", created_at=now, conversation_id="6")
    assert [query.matches_analysed(analyse(p)) for p in (reply, root, other)] == [True, True, False]
    for bad in (
        "conversation_id:",
        "conversation_id:abc",
        "conversation_id:0123",
        "conversation_id:99999999999999999999",
    ):
        with pytest.raises(QuerySyntaxError):
            parse(bad)
