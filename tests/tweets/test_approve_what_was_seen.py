"""An approval is for what the approver saw: the approve form carries the revision (and the publishing time) the
page showed, and a draft changed since is refused with what changed, from the draft page and the dashboard."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.tweets.factories import FreezeFactory
from tweets import services
from tweets.models import Approval, Draft, PublishingFreeze

S = Draft.State


@pytest.fixture
def submitted(account, member):
    draft = services.draft_create(
        author=member,
        account=account,
        text="Our offices close at 4pm on Friday.",
        scheduled_at=timezone.now() + timezone.timedelta(days=1),
    )
    return services.draft_submit(draft=draft, by=member)


def approve_form(page: str) -> dict:
    """The hidden fields of the page's approve form, as the browser would send them."""
    form = re.search(r'<form[^>]*action="[^"]*/approve/"[^>]*>(.*?)</form>', page, re.S).group(1)
    return dict(re.findall(r'<input type="hidden" name="(revision|scheduled_at)" value="([^"]*)"', form))


def test_the_service_refuses_a_revision_that_is_no_longer_current(submitted, member, approver):
    seen = submitted.current_revision
    services.draft_edit(draft=submitted, by=member, text="Our offices close at 2pm on Friday.")

    with pytest.raises(services.DraftChanged, match="This draft changed since you opened it"):
        services.draft_approve(draft=submitted, by=approver, revision=seen.pk)

    assert not Approval.objects.exists()


def test_the_service_approves_the_revision_that_was_seen_when_it_is_current(submitted, approver):
    approval = services.draft_approve(draft=submitted, by=approver, revision=submitted.current_revision_id)
    assert approval.revision_id == submitted.current_revision_id


def test_the_service_refuses_an_empty_or_foreign_revision(submitted, approver, account, member):
    other = services.draft_create(author=member, account=account, text="Another draft.")
    for revision in ("", "nonsense", other.current_revision_id):
        with pytest.raises(services.DraftError, match="Open the draft again"):
            services.draft_approve(draft=submitted, by=approver, revision=revision)
    assert not Approval.objects.exists()


def test_the_service_refuses_when_the_publishing_time_moved(submitted, member, approver):
    seen_time = submitted.scheduled_at
    services.draft_edit(draft=submitted, by=member, scheduled_at=None)

    with pytest.raises(services.DraftChanged):
        services.draft_approve(
            draft=submitted, by=approver, revision=submitted.current_revision_id, scheduled_at=seen_time
        )
    assert not Approval.objects.exists()


def test_the_draft_page_form_carries_the_revision_and_time_it_shows(client, submitted, approver):
    client.force_login(approver)
    fields = approve_form(client.get(reverse("tweets:draft_detail", args=[submitted.pk])).content.decode())
    assert fields["revision"] == str(submitted.current_revision_id)
    assert fields["scheduled_at"] == submitted.scheduled_at.isoformat()


def test_an_edit_while_the_approver_reads_is_refused_with_the_diff(client, submitted, member, approver):
    client.force_login(approver)
    fields = approve_form(client.get(reverse("tweets:draft_detail", args=[submitted.pk])).content.decode())
    services.draft_edit(draft=submitted, by=member, text="Our offices close at 2pm on Friday.")

    response = client.post(reverse("tweets:draft_approve", args=[submitted.pk]), fields)

    page = response.content.decode()
    assert response.status_code == 409
    assert "This draft changed since you opened it" in page
    assert '<del><span class="govuk-visually-hidden">removed: </span>4pm</del>' in page
    assert '<ins><span class="govuk-visually-hidden">added: </span>2pm</ins>' in page
    assert not Approval.objects.exists()
    # The page now offers the current version, so the approver can approve what they have now read.
    assert approve_form(page)["revision"] == str(Draft.objects.get(pk=submitted.pk).current_revision_id)


def test_a_post_without_the_revision_approves_nothing(client, submitted, approver):
    client.force_login(approver)
    response = client.post(reverse("tweets:draft_approve", args=[submitted.pk]), {})
    assert response.status_code == 400
    assert not Approval.objects.exists()


def test_the_last_approval_with_no_time_says_it_publishes_now_and_shows_the_whole_thread(
    client, account, member, approver, lead
):
    draft = services.draft_create(author=member, account=account, posts=["First of three.", "Second.", "Third."])
    services.draft_submit(draft=draft, by=member)
    client.force_login(approver)
    page = client.get(reverse("tweets:draft_detail", args=[draft.pk])).content.decode()
    assert "Approve and publish now" not in page  # the corporate account needs two

    services.draft_approve(draft=draft, by=approver, revision=draft.current_revision_id)
    client.force_login(lead)
    page = client.get(reverse("tweets:draft_detail", args=[draft.pk])).content.decode()
    assert "Approve and publish now" in page
    for text in ("First of three.", "Second.", "Third."):
        assert text in page


def test_the_last_approval_of_a_scheduled_post_does_not_say_publish_now(client, submitted, approver, lead):
    services.draft_approve(draft=submitted, by=approver, revision=submitted.current_revision_id)
    client.force_login(lead)
    page = client.get(reverse("tweets:draft_detail", args=[submitted.pk])).content.decode()
    assert "Approve and publish now" not in page
    assert "Approve this version" in page


def test_the_dashboard_form_carries_the_revision_and_a_changed_draft_is_refused(client, submitted, member, approver):
    client.force_login(approver)
    home = client.get(reverse("home")).content.decode()
    fields = approve_form(home)
    assert fields["revision"] == str(submitted.current_revision_id)
    services.draft_edit(draft=submitted, by=member, text="Our offices close at 2pm on Friday.")

    response = client.post(reverse("tweets:draft_approve", args=[submitted.pk]), fields, HTTP_HX_REQUEST="true")

    assert response.status_code == 409
    assert not Approval.objects.exists()


def test_the_dashboard_says_approve_and_publish_now_and_shows_the_thread_when_it_would(
    client, account, member, approver, lead
):
    draft = services.draft_create(author=member, account=account, posts=["Thread opener.", "And its second post."])
    services.draft_submit(draft=draft, by=member)
    services.draft_approve(draft=draft, by=approver, revision=draft.current_revision_id)
    client.force_login(lead)
    home = client.get(reverse("home")).content.decode()
    assert "Approve and publish now" in home
    assert "And its second post." in home


def test_under_a_freeze_approving_does_not_say_it_publishes_now(client, account, member, approver, lead):
    draft = services.draft_create(author=member, account=account, text="A single post.")
    services.draft_submit(draft=draft, by=member)
    services.draft_approve(draft=draft, by=approver, revision=draft.current_revision_id)
    client.force_login(lead)
    assert "Approve and publish now" in client.get(reverse("home")).content.decode()

    FreezeFactory(scope=PublishingFreeze.Scope.ACCOUNT, account=account, started_by=lead)

    assert "Approve and publish now" not in client.get(reverse("home")).content.decode()
    assert "Approve and publish now" not in client.get(draft.get_absolute_url()).content.decode()
