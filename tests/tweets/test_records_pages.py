"""The records pages: an account's records page (its retention period and legal hold, changed there by admins with
a reason; what happened to its posts on X) and a draft's page showing what happened to it on X."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from tweets import records, services
from tweets.models import Draft, PostOnX


@pytest.fixture
def post(personal, member, run_jobs):
    draft = services.draft_create(author=member, account=personal, posts=["First.", "Second."])
    with run_jobs():
        services.draft_submit(draft=draft, by=member)
    draft.refresh_from_db()
    assert draft.state == Draft.State.PUBLISHED
    return draft


def test_an_admin_places_and_lifts_a_legal_hold_from_the_records_page(client, personal, admin_user):
    client.force_login(admin_user)
    page = reverse("tweets:account_records", args=[personal.pk])
    hold = reverse("tweets:account_legal_hold", args=[personal.pk])

    empty = client.post(hold, {"hold-reason": "  "})
    assert empty.status_code == 400
    assert "govuk-error-summary" in empty.content.decode() and "Say why" in empty.content.decode()

    response = client.post(hold, {"hold-reason": "FOI request 2026/114"}, follow=True)
    assert response.redirect_chain[-1][0] == page
    body = response.content.decode()
    assert "On legal hold" in body and "FOI request 2026/114" in body and "Lift the legal hold" in body
    personal.refresh_from_db()
    assert personal.on_legal_hold
    account_page = client.get(reverse("accounts:account_detail", args=[personal.pk])).content.decode()
    assert "On legal hold" in account_page and "FOI request 2026/114" in account_page

    client.post(hold, {"hold-reason": "Request answered"})
    personal.refresh_from_db()
    assert not personal.on_legal_hold
    actions = AuditEvent.objects.filter(action__startswith="account.legal_hold").values_list("action", flat=True)
    assert list(actions) == ["account.legal_hold_lifted", "account.legal_hold_set"]


def test_an_admin_changes_the_retention_period_and_garbage_is_refused(client, personal, admin_user):
    client.force_login(admin_user)
    url = reverse("tweets:account_retention", args=[personal.pk])
    for garbage in ("0", "101", "seven", "", "1e3", "9" * 30, "\x00"):
        response = client.post(url, {"retention-years": garbage})
        assert response.status_code == 400, garbage
        assert "Enter a whole number of years between 1 and 100." in response.content.decode()

    client.post(url, {"retention-years": "10"})
    personal.refresh_from_db()
    assert personal.retention_years == 10
    assert AuditEvent.objects.get(action="account.retention_changed").details["to"] == 10


def test_a_lead_sees_the_records_but_may_not_change_them(client, personal, lead, post):
    client.force_login(lead)
    page = client.get(reverse("tweets:account_records", args=[personal.pk])).content.decode()
    assert "Kept for" in page and "7 years" in page
    assert "Place on legal hold" not in page and "Save retention period" not in page

    hold = reverse("tweets:account_legal_hold", args=[personal.pk])
    retain = reverse("tweets:account_retention", args=[personal.pk])
    assert client.post(hold, {"hold-reason": "Mine"}).status_code == 403
    assert client.post(retain, {"retention-years": "1"}).status_code == 403
    personal.refresh_from_db()
    assert not personal.on_legal_hold and personal.retention_years == 7


def test_the_draft_page_and_the_records_page_show_what_happened_on_x(client, personal, lead, post):
    first, second = post.attempts.order_by("position").values_list("x_post_id", flat=True)
    records.x_change_record(
        draft=post,
        kind=PostOnX.Kind.EDITED_ON_X,
        seen_at=timezone.now(),
        source="poll",
        detail={"post_id": first, "previous_text": "First.", "new_text": "First, <b>edited</b> on X."},
    )
    records.x_change_record(  # as the own-post readers record an edit: X's text of the newest version
        draft=post,
        kind=PostOnX.Kind.EDITED_ON_X,
        seen_at=timezone.now(),
        source="poll",
        detail={"post_id": first, "new_post_ids": ["77"], "text_on_x": "First, edited again."},
        event_id=f"edited:{first}:77",
    )
    records.post_deleted_on_x(account_id=personal.pk, post_id=second, seen_at=timezone.now(), source="push")
    services.draft_retract(draft=post, by=lead, reason="Out of date")
    client.force_login(lead)

    draft_page = client.get(reverse("tweets:draft_detail", args=[post.pk])).content.decode()
    assert "On X since publishing" in draft_page
    assert "Edited on X" in draft_page and "First, &lt;b&gt;edited&lt;/b&gt; on X." in draft_page
    assert 'Now: <span class="dovecote-post-text">First, edited again.</span>' in draft_page
    assert "Deleted on X" in draft_page and f"X post {second}" in draft_page
    assert "Retracted through Dovecote" in draft_page and f"By {lead.get_full_name()}: Out of date" in draft_page

    records_page = client.get(reverse("tweets:account_records", args=[personal.pk])).content.decode()
    assert records_page.count(f"Draft {post.pk}") == 4 and "First, edited again." in records_page
