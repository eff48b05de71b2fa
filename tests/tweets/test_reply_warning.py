"""Composing a reply X would refuse warns before anyone spends approval time on it: on the compose page, on the
draft's page and at submit (stopped unless submitted anyway), saying what to do instead."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import TwitterAccount
from tests.monitoring.factories import MentionFactory
from tweets import services
from tweets.models import Draft

S = Draft.State
URL = "/drafts/new/"


@pytest.fixture
def not_summoning(db):
    return MentionFactory(text="The consultation is a mess", author_username="citizen_jo")


@pytest.fixture
def summoning(account):
    return MentionFactory(text=f"@{account.handle} when does it open?", author_username="citizen_jo")


def compose(client, account, reply_to):
    return client.get(URL, {"account": account.pk, "reply_to": str(reply_to)}).content.decode()


def test_the_compose_page_warns_of_a_reply_x_will_refuse(client, member, account, not_summoning):
    client.force_login(member)
    page = compose(client, account, not_summoning.tweet_id)
    assert "X will refuse this reply" in page and "@citizen_jo did not mention @DeptComms" in page
    assert "X&#x27;s own app" in page and "new post" in page


def test_the_compose_page_says_x_will_accept_a_summoned_reply(client, member, account, summoning):
    client.force_login(member)
    page = compose(client, account, summoning.tweet_id)
    assert "X will accept this reply." in page and "mentioned @DeptComms" in page


def test_the_compose_page_warns_when_the_post_is_unknown(client, member, account):
    client.force_login(member)
    page = compose(client, account, "1234567890123")
    assert "has not seen this post" in page


def test_an_account_with_unlimited_access_is_not_warned(client, member, account, not_summoning):
    TwitterAccount.objects.filter(pk=account.pk).update(api_access=TwitterAccount.ApiAccess.ENTERPRISE)
    client.force_login(member)
    page = compose(client, account, not_summoning.tweet_id)
    assert "X will accept this reply." in page and "not limited" in page


def test_submitting_a_reply_x_will_refuse_is_stopped_and_says_what_to_do(member, account, not_summoning):
    draft = services.draft_create(
        author=member, account=account, text="Sorry to hear that.", in_reply_to_post_id=str(not_summoning.tweet_id)
    )
    with pytest.raises(services.ReplyWillBeRefused) as stopped:
        services.draft_submit(draft=draft, by=member)
    assert "X's own app" in stopped.value.message
    draft.refresh_from_db()
    assert draft.state == S.DRAFT

    services.draft_submit(draft=draft, by=member, despite_reply_rule=True)
    draft.refresh_from_db()
    assert draft.state == S.SUBMITTED


def test_a_summoned_reply_and_a_plain_post_submit_as_before(member, account, summoning):
    reply = services.draft_create(
        author=member, account=account, text="On Monday.", in_reply_to_post_id=str(summoning.tweet_id)
    )
    post = services.draft_create(author=member, account=account, text="A plain post.")
    for draft in (reply, post):
        services.draft_submit(draft=draft, by=member)
        draft.refresh_from_db()
        assert draft.state == S.SUBMITTED


def test_a_reply_to_an_unknown_post_is_warned_of_but_may_be_submitted(member, account):
    draft = services.draft_create(author=member, account=account, text="Hi.", in_reply_to_post_id="1234567890123")
    services.draft_submit(draft=draft, by=member)
    draft.refresh_from_db()
    assert draft.state == S.SUBMITTED


def test_save_and_submit_on_the_compose_page_saves_warns_and_does_not_submit(client, member, account, not_summoning):
    client.force_login(member)
    data = {
        "account": account.pk,
        "posts": ["Sorry to hear that."],
        "in_reply_to_post_id": str(not_summoning.tweet_id),
        "action": "submit",
    }
    response = client.post(URL, data, follow=True)
    draft = Draft.objects.get()
    assert draft.state == S.DRAFT
    page = response.content.decode()
    assert "Not submitted." in page and "Submit anyway" in page


def test_the_draft_page_warns_and_offers_submit_anyway(client, member, account, not_summoning):
    draft = services.draft_create(
        author=member, account=account, text="Sorry.", in_reply_to_post_id=str(not_summoning.tweet_id)
    )
    client.force_login(member)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "X will refuse this reply" in page and 'name="despite_reply_rule"' in page
    response = client.post(reverse("tweets:draft_submit", args=[draft.pk]))
    assert response.status_code == 400 and "Not submitted." in response.content.decode()
    response = client.post(reverse("tweets:draft_submit", args=[draft.pk]), {"despite_reply_rule": "1"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == S.SUBMITTED


def test_an_outsider_cannot_see_the_warning_of_another_team_s_draft(client, member, outsider, account, not_summoning):
    draft = services.draft_create(
        author=member, account=account, text="Sorry.", in_reply_to_post_id=str(not_summoning.tweet_id)
    )
    client.force_login(outsider)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.post(reverse("tweets:draft_submit", args=[draft.pk]), {"despite_reply_rule": "1"}).status_code == 404


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    reply_to=st.one_of(st.text(max_size=40), st.integers(min_value=-(2**70), max_value=2**70).map(str)),
    account_id=st.one_of(st.text(max_size=12), st.integers(min_value=-(2**40), max_value=2**40).map(str)),
)
def test_any_reply_to_and_account_on_the_compose_page_never_make_a_server_error(
    client, member, account, reply_to, account_id
):
    client.force_login(member)
    assert client.get(URL, {"account": account_id, "reply_to": reply_to}).status_code == 200
    data = {"account": account_id, "posts": ["x"], "in_reply_to_post_id": reply_to, "action": "submit"}
    assert client.post(URL, data).status_code in (302, 400, 403)
