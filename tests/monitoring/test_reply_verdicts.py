"""Each inbox item says whether its team's accounts can reply to it through the API, or why not and what to do
instead; the account setting recording unlimited access is edited with the other account settings, audited."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, TwitterAccount
from monitoring import replies
from tests.monitoring.factories import InboxItemFactory, MentionFactory
from tweets.models import PublishAttempt
from twitter_api import replies as x_replies

pytestmark = pytest.mark.django_db


def item_page(client, item):
    return client.get(reverse("monitoring:item_detail", args=[item.pk]))


def test_an_item_mentioning_the_account_can_be_replied_to_through_the_api(client, team, member, account):
    item = InboxItemFactory(team=team, account=account, mention=MentionFactory(text="@DeptComms help please"))
    client.force_login(member)
    page = item_page(client, item).content.decode()
    assert "Can reply through the API" in page and "mentioned @DeptComms" in page


def test_an_item_that_does_not_summon_the_account_says_what_to_do_instead(client, team, member, account):
    item = InboxItemFactory(team=team, mention=MentionFactory(text="The passport office is slow"))
    client.force_login(member)
    page = item_page(client, item).content.decode()
    assert "X will refuse a reply" in page
    assert "X&#x27;s own app" in page and "new post" in page


def test_an_account_with_enterprise_access_can_reply_to_anything(client, team, member, account):
    TwitterAccount.objects.filter(pk=account.pk).update(api_access=TwitterAccount.ApiAccess.PUBLIC_UTILITY)
    item = InboxItemFactory(team=team, mention=MentionFactory(text="The passport office is slow"))
    client.force_login(member)
    assert "Can reply through the API" in item_page(client, item).content.decode()


def test_a_post_quoting_one_of_our_published_posts_summons_the_account(team, member, account):
    from tweets.models import Draft, DraftRevision

    draft = Draft.objects.create(account=account, author=member, state=Draft.State.PUBLISHED)
    revision = DraftRevision.objects.create(draft=draft, number=1, posts=["Our post."], created_by=member)
    PublishAttempt.objects.create(draft=draft, revision=revision, state="succeeded", x_post_id="424242")
    quoting = MentionFactory(text="Look at this nonsense", quoted_post_id="424242")

    (verdict,) = [v for _, v in replies.item_verdicts(quoting, [account])]

    assert verdict.allowed and "quoted one of @DeptComms's posts" in verdict.reason
    # The same answer from the one rule for a post id, as the compose page asks it.
    assert x_replies.verdict_for(account, str(quoting.tweet_id)) == verdict
    # And our own post is ours to reply to (a thread).
    assert x_replies.verdict_for(account, "424242").allowed


def test_an_outsider_cannot_open_the_item(client, team, outsider):
    item = InboxItemFactory(team=team)
    client.force_login(outsider)
    assert item_page(client, item).status_code == 404


def test_the_access_setting_is_edited_in_the_admin_and_audited(client, admin_user, account):
    client.force_login(admin_user)
    url = reverse("admin:accounts_twitteraccount_change", args=[account.pk])
    page = client.get(url).content.decode()
    assert "X API access" in page and 'name="api_access"' in page
    data = {
        "handle": account.handle,
        "display_name": account.display_name,
        "kind": account.kind,
        "team": account.team_id,
        "responsible_person": account.responsible_person_id,
        "x_user_id": account.x_user_id,
        "status": account.status,
        "approvals_required": "",
        "approver_team": "",
        "replies_need_approval": "on",
        "approval_expiry_hours": account.approval_expiry_hours,
        "api_access": "enterprise",
        "retention_years": account.retention_years,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    account.refresh_from_db()
    assert account.api_access == "enterprise"
    event = AuditEvent.objects.get(action="account.changed")
    assert event.actor == admin_user
    assert event.details["api_access"] == {"from": "self_serve", "to": "enterprise"}


def test_sending_a_reply_x_would_refuse_from_the_inbox_saves_it_unsent_and_says_why(client, team, member, account):
    from tweets.models import Draft

    item = InboxItemFactory(team=team, mention=MentionFactory(text="The passport office is slow"))
    client.force_login(member)
    response = client.post(
        reverse("monitoring:item_reply", args=[item.pk]),
        {"account": account.pk, "text": "@citizen Sorry to hear that.", "send": "1"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Not submitted." in response.content.decode()
    draft = Draft.objects.get()
    assert draft.state == Draft.State.DRAFT  # kept, for X's own app or a new post
