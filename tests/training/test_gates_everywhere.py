"""The training gate holds on every path into tweets and monitoring: refused untrained (naming the course),
allowed once certified, refused again once the certification has expired."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.monitoring.factories import InboxItemFactory
from tests.training.helpers import certify, require_course
from tweets import services as tweets
from tweets.models import Draft

VALIDITY_MONTHS = 12


@pytest.fixture
def courses(account):
    return {
        action: require_course(account.kind, action, title=title, validity_months=VALIDITY_MONTHS)
        for action, title in [
            ("draft", "Writing for corporate accounts"),
            ("approve", "Approving corporate posts"),
            ("reply", "Handling complaints"),
        ]
    }


def _after_expiry():
    return time_machine.travel(timezone.now() + timedelta(days=370), tick=False)


def test_submitting_is_refused_then_allowed_then_refused_after_expiry(client, account, member, courses):
    client.force_login(member)
    url = reverse("tweets:draft_create")
    data = {"account": account.pk, "posts": "Roadworks on the A1 finish on Friday.", "action": "submit"}

    refused = client.post(url, data)
    assert refused.status_code in (400, 403)
    assert "Writing for corporate accounts" in refused.content.decode()
    assert not Draft.objects.exists()

    certify(member, courses["draft"])
    assert client.post(url, data).status_code == 302
    assert Draft.objects.get().state == Draft.State.SUBMITTED

    with _after_expiry():
        client.force_login(member)
        again = client.post(url, {**data, "posts": "A different post after expiry."})
        assert again.status_code in (400, 403)
        assert "Writing for corporate accounts" in again.content.decode()
    assert Draft.objects.count() == 1


def test_approving_by_direct_post_is_refused_then_allowed_then_refused_after_expiry(
    client, account, member, approver, lead, courses
):
    certify(member, courses["draft"])
    first = tweets.draft_create(author=member, account=account, text="First post for approval.")
    tweets.draft_submit(draft=first, by=member)
    client.force_login(approver)
    approve = reverse("tweets:draft_approve", args=[first.pk])

    refused = client.post(approve, {"revision": first.current_revision_id})
    assert refused.status_code == 403
    assert "Approving corporate posts" in refused.content.decode()
    assert not first.approvals.exists()

    certify(approver, courses["approve"])
    assert client.post(approve, {"revision": first.current_revision_id}).status_code == 302
    assert first.approvals.count() == 1

    with _after_expiry():
        certify(member, courses["draft"])  # the author renews; the approver does not
        second = tweets.draft_create(author=member, account=account, text="Second post, a year later.")
        tweets.draft_submit(draft=second, by=member)
        client.force_login(approver)
        again = client.post(reverse("tweets:draft_approve", args=[second.pk]), {"revision": second.current_revision_id})
        assert again.status_code == 403
        assert "Approving corporate posts" in again.content.decode()
        assert not second.approvals.exists()


def test_replying_from_the_inbox_is_refused_then_allowed_then_refused_after_expiry(
    client, team, account, member, courses
):
    item = InboxItemFactory(team=team, account=account)
    client.force_login(member)
    reply = reverse("monitoring:item_reply", args=[item.pk])
    data = {"account": account.pk, "text": "@citizen Sorry to hear that: we have passed it on."}

    refused = client.post(reply, data)
    assert refused.status_code == 403
    assert "Handling complaints" in refused.content.decode()

    certify(member, courses["reply"])
    assert client.post(reply, data).status_code == 302
    item.refresh_from_db()
    assert item.reply_draft is not None

    later = InboxItemFactory(team=team, account=account)
    with _after_expiry():
        client.force_login(member)
        again = client.post(reverse("monitoring:item_reply", args=[later.pk]), data)
        assert again.status_code == 403
        assert "Handling complaints" in again.content.decode()
    later.refresh_from_db()
    assert later.reply_draft is None
