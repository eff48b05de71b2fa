"""Action endpoints (POST only): each calls one service; refusals are 400/403/404 with a plain message."""

import pytest
from django.urls import reverse

from tests.training.helpers import certify, require_course
from tweets import selectors, services
from tweets.models import Draft

S = Draft.State


@pytest.fixture
def submitted(account, member):
    draft = services.draft_create(author=member, account=account, text="Please check.")
    return services.draft_submit(draft=draft, by=member)


def post(client, name, draft, data=None):
    if name == "draft_approve":  # the approve form says which version the page showed
        data = {"revision": draft.current_revision_id, **(data or {})}
    return client.post(reverse(f"tweets:{name}", args=[draft.pk]), data or {})


@pytest.mark.parametrize(
    "name", ["draft_submit", "draft_withdraw", "draft_approve", "draft_reject", "draft_publish_now", "draft_retry"]
)
def test_it_rejects_get(client, member, submitted, name):
    client.force_login(member)
    assert client.get(reverse(f"tweets:{name}", args=[submitted.pk])).status_code == 405


def test_an_approver_approves_through_the_page(client, approver, submitted):
    client.force_login(approver)
    response = post(client, "draft_approve", submitted)
    assert response.status_code == 302
    assert submitted.approvals.get().approver == approver


def test_the_author_approving_directly_is_refused(client, member, submitted):
    client.force_login(member)
    response = post(client, "draft_approve", submitted)
    assert response.status_code == 403
    assert "Only approvers" in response.content.decode()
    assert not submitted.approvals.exists()


def test_an_approver_author_approving_their_own_draft_is_refused(client, account, approver):
    draft = services.draft_create(author=approver, account=account, text="Mine.")
    services.draft_submit(draft=draft, by=approver)
    client.force_login(approver)
    response = post(client, "draft_approve", draft)
    assert response.status_code == 403  # about who they are, not the draft's state
    assert "someone else must approve" in response.content.decode()


def test_an_outsider_posting_directly_gets_404(client, outsider, submitted):
    client.force_login(outsider)
    for name in ["draft_approve", "draft_reject", "draft_withdraw", "draft_submit", "draft_comment"]:
        assert post(client, name, submitted, {"reason": "x", "body": "x"}).status_code == 404
    submitted.refresh_from_db()
    assert submitted.state == S.SUBMITTED


def test_the_training_gate_applies_to_direct_posts(client, account, member, approver, submitted):
    course = require_course(account.kind, "approve", title="Approving corporate posts")
    client.force_login(approver)
    response = post(client, "draft_approve", submitted)
    assert response.status_code == 403
    assert "Approving corporate posts" in response.content.decode()
    assert not submitted.approvals.exists()
    certify(approver, course)
    assert post(client, "draft_approve", submitted).status_code == 302
    assert submitted.approvals.count() == 1


def test_the_training_gate_applies_to_submitting(client, account, member):
    draft = services.draft_create(author=member, account=account, text="Written before the rule.")
    require_course(account.kind, "draft", title="Writing for corporate accounts")
    client.force_login(member)
    response = post(client, "draft_submit", draft)
    assert response.status_code == 403
    assert "Writing for corporate accounts" in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == S.DRAFT


def test_request_changes_needs_a_reason(client, approver, submitted):
    client.force_login(approver)
    response = post(client, "draft_request_changes", submitted, {"reason": ""})
    assert response.status_code == 400
    assert "Say why" in response.content.decode()
    assert post(client, "draft_request_changes", submitted, {"reason": "Shorter."}).status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == S.CHANGES_REQUESTED


@pytest.mark.parametrize("name", ["draft_request_changes", "draft_reject"])
def test_a_reason_typed_with_nul_characters_is_kept_without_them(client, approver, submitted, name):
    """PostgreSQL refuses NUL in text: the reason was a server error; now it is kept as typed, less the NULs."""
    client.force_login(approver)
    assert post(client, name, submitted, {"reason": "Too\x00 long."}).status_code == 302
    assert submitted.comments.get().body == "Too long."


def test_reject(client, approver, submitted):
    client.force_login(approver)
    assert post(client, "draft_reject", submitted, {"reason": "Off message."}).status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == S.REJECTED


def test_a_refused_transition_says_why(client, member, submitted):
    client.force_login(member)
    response = post(client, "draft_submit", submitted)
    assert response.status_code == 400
    assert "can&#x27;t be submitted for approval because it is waiting for approval" in response.content.decode()


def test_withdraw_and_comment(client, member, submitted):
    client.force_login(member)
    assert post(client, "draft_comment", submitted, {"body": "One moment."}).status_code == 302
    assert post(client, "draft_withdraw", submitted).status_code == 302
    submitted.refresh_from_db()
    assert submitted.state == S.WITHDRAWN
    assert submitted.comments.get().body == "One moment."


def test_someone_else_cannot_withdraw_unless_lead(client, account, member, approver, lead, submitted):
    client.force_login(approver)
    assert post(client, "draft_withdraw", submitted).status_code == 403
    client.force_login(lead)
    assert post(client, "draft_withdraw", submitted).status_code == 302


def test_edit_page_creates_a_new_revision(client, member, submitted, approver):
    services.draft_approve(draft=submitted, by=approver)
    client.force_login(member)
    response = client.post(
        reverse("tweets:draft_edit", args=[submitted.pk]), {"posts": ["Please check again."], "action": "save"}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.current_revision.number == 2
    assert selectors.approval_count(submitted) == 0


def test_the_edit_page_shows_the_current_text(client, member, submitted):
    client.force_login(member)
    page = client.get(reverse("tweets:draft_edit", args=[submitted.pk])).content.decode()
    assert "Please check." in page
    assert "approvals already given no longer count" in page
