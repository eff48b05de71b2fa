"""Retracting a published post: deleted from X (a thread post by post), kept in Dovecote as a retracted record with
who, when and why; audited; a post already gone from X counts as retracted; retracting twice is harmless."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import AuditEvent
from core.permissions import Refused, decide
from tests.factories import AdminFactory, MembershipFactory
from tests.tweets.factories import DraftFactory
from tweets import services
from tweets.models import Draft
from twitter_api.models import ApiCall

S = Draft.State


def published(member, account, run_jobs, posts):
    draft = services.draft_create(author=member, account=account, posts=posts)
    with run_jobs():
        services.draft_submit(draft=draft, by=member)
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    return draft


@pytest.fixture
def post(personal, member, run_jobs):
    return published(member, personal, run_jobs, ["Our new guidance on flood defences is out today."])


@pytest.fixture
def thread(personal, member, run_jobs):
    return published(member, personal, run_jobs, ["First of three.", "Second of three.", "Third of three."])


def deletes(x_sandbox):
    return [(path, status) for method, path, status in x_sandbox.requests if method == "DELETE"]


def test_an_approver_retracts_a_post_and_the_record_stays(post, personal, lead, x_sandbox):
    draft = services.draft_retract(draft=post, by=lead, reason="Wrong date in the post")

    draft.refresh_from_db()
    assert draft.state == S.RETRACTED
    assert draft.retracted_by == lead and draft.retracted_at is not None
    assert draft.retraction_reason == "Wrong date in the post"
    assert draft.posts == ["Our new guidance on flood defences is out today."]  # what it said is kept
    assert x_sandbox.posts_by(personal.x_user_id) == []
    transition = draft.transitions.last()
    assert (transition.from_state, transition.to_state, transition.actor) == (S.PUBLISHED, S.RETRACTED, lead)
    assert "Wrong date in the post" in transition.reason
    event = AuditEvent.objects.get(action="draft.retracted")
    assert event.actor == lead and event.details["reason"].endswith("Wrong date in the post")
    call = ApiCall.objects.get(method="DELETE")
    assert (call.endpoint, call.status_code, call.account) == ("/2/tweets/:id", 200, personal)


def test_retracting_twice_is_harmless(post, lead, x_sandbox):
    services.draft_retract(draft=post, by=lead, reason="Wrong date")
    calls = len(x_sandbox.requests)

    again = services.draft_retract(draft=post, by=lead, reason="Clicked twice")

    assert again.state == S.RETRACTED
    assert again.retraction_reason == "Wrong date"  # the first retraction's record stands
    assert len(x_sandbox.requests) == calls  # X was not asked again
    assert post.transitions.filter(to_state=S.RETRACTED).count() == 1


def test_a_post_already_gone_from_x_counts_as_retracted(post, personal, lead, x_sandbox):
    x_sandbox.state.delete_post(author=x_sandbox.state.users[personal.x_user_id], post_id=post.published_post_id)

    draft = services.draft_retract(draft=post, by=lead, reason="Someone deleted it in X's app")

    assert draft.state == S.RETRACTED
    assert deletes(x_sandbox) == [(f"/2/tweets/{post.published_post_id}", 404)]
    assert post.attempts.get().retracted_at is not None


def test_a_thread_retracts_post_by_post_the_last_first(thread, personal, lead, x_sandbox):
    ids = list(thread.attempts.order_by("position").values_list("x_post_id", flat=True))

    services.draft_retract(draft=thread, by=lead, reason="Superseded")

    assert deletes(x_sandbox) == [(f"/2/tweets/{i}", 200) for i in reversed(ids)]
    assert x_sandbox.posts_by(personal.x_user_id) == []
    assert not thread.attempts.filter(retracted_at__isnull=True).exists()


def test_a_retraction_x_stops_part_way_keeps_the_draft_published_and_finishes_when_tried_again(
    thread, personal, lead, x_sandbox
):
    x_sandbox.set_rate_limit("DELETE /2/tweets/:id", 1)

    with pytest.raises(services.DraftError) as refused:
        services.draft_retract(draft=thread, by=lead, reason="Superseded")

    assert "1 of its posts were deleted" in refused.value.message
    thread.refresh_from_db()
    assert thread.state == S.PUBLISHED
    assert [p["text"] for p in x_sandbox.posts_by(personal.x_user_id)] == ["Second of three.", "First of three."]
    assert thread.attempts.filter(retracted_at__isnull=False).get().position == 2

    x_sandbox.set_rate_limit("DELETE /2/tweets/:id", 50)
    services.draft_retract(draft=thread, by=lead, reason="Superseded")

    thread.refresh_from_db()
    assert thread.state == S.RETRACTED
    assert x_sandbox.posts_by(personal.x_user_id) == []
    assert len([s for _, s in deletes(x_sandbox) if s == 200]) == 3  # each post deleted once


def test_a_retraction_needs_a_reason(post, lead, x_sandbox):
    with pytest.raises(services.DraftError):
        services.draft_retract(draft=post, by=lead, reason="  ")
    assert deletes(x_sandbox) == []


def test_only_a_published_post_can_be_retracted(personal, member, lead):
    draft = services.draft_create(author=member, account=personal, text="Not out yet.")
    with pytest.raises(services.TransitionNotAllowed):
        services.draft_retract(draft=draft, by=lead, reason="No")


# --- Who may retract (tweets.rules, one place) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "state", "allowed"),
    [
        ("member", S.PUBLISHED, False),
        ("author", S.PUBLISHED, False),
        ("approver", S.PUBLISHED, True),
        ("lead", S.PUBLISHED, True),
        ("admin", S.PUBLISHED, True),
        ("outsider", S.PUBLISHED, False),
        ("lead", S.RETRACTED, True),  # harmless: nothing happens
        ("lead", S.SCHEDULED, False),
        ("lead", S.DRAFT, False),
        ("approver", S.FAILED, False),
    ],
)
def test_who_may_retract(who, state, allowed, account, member, approver, lead, outsider):
    draft = DraftFactory(account=account, author=member, state=state)
    user = {
        "member": MembershipFactory(team=account.team).user,
        "author": member,
        "approver": approver,
        "lead": lead,
        "admin": AdminFactory(),
        "outsider": outsider,
    }[who]
    assert decide(user, "tweets.retract_draft", draft).allowed is allowed


def test_a_member_is_refused_with_a_reason(post, member):
    with pytest.raises(Refused) as refused:
        services.draft_retract(draft=post, by=member, reason="Mine")
    assert "Only approvers and leads" in str(refused.value.reason)
    post.refresh_from_db()
    assert post.state == S.PUBLISHED


# --- The confirmation page ---------------------------------------------------------------------------------------


def test_the_confirmation_page_shows_the_post_and_asks_for_a_reason(client, post, approver):
    client.force_login(approver)
    response = client.get(reverse("tweets:draft_retract", args=[post.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Our new guidance on flood defences is out today." in page
    assert 'name="reason"' in page and "Delete from X" in page


def test_the_draft_page_offers_retraction_only_to_approvers_and_leads(client, post, approver, member):
    url = reverse("tweets:draft_retract", args=[post.pk])
    client.force_login(approver)
    assert url in client.get(post.get_absolute_url()).content.decode()
    client.force_login(member)
    assert url not in client.get(post.get_absolute_url()).content.decode()


def test_confirming_retracts_and_shows_the_record(client, post, lead, personal, x_sandbox):
    client.force_login(lead)
    response = client.post(reverse("tweets:draft_retract", args=[post.pk]), {"reason": "Wrong date"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.state == S.RETRACTED
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Retracted" in page and "Wrong date" in page
    assert "Retracted from X" in client.get(reverse("tweets:published")).content.decode()


def test_confirming_without_a_reason_is_a_form_error(client, post, lead, x_sandbox):
    client.force_login(lead)
    response = client.post(reverse("tweets:draft_retract", args=[post.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    assert deletes(x_sandbox) == []


def test_a_plain_member_is_refused(client, post, member, x_sandbox):
    client.force_login(member)
    assert client.get(reverse("tweets:draft_retract", args=[post.pk])).status_code == 403
    response = client.post(reverse("tweets:draft_retract", args=[post.pk]), {"reason": "Mine"})
    assert response.status_code == 403
    assert deletes(x_sandbox) == []


def test_an_outsider_gets_404(client, post, outsider, x_sandbox):
    client.force_login(outsider)
    assert client.get(reverse("tweets:draft_retract", args=[post.pk])).status_code == 404
    assert client.post(reverse("tweets:draft_retract", args=[post.pk]), {"reason": "x"}).status_code == 404
    assert deletes(x_sandbox) == []


def test_signed_out_people_are_sent_to_sign_in(client, post):
    response = client.get(reverse("tweets:draft_retract", args=[post.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reason=st.text(max_size=300))
def test_any_reason_never_makes_a_server_error(client, post, lead, x_sandbox, reason):
    client.force_login(lead)
    response = client.post(reverse("tweets:draft_retract", args=[post.pk]), {"reason": reason})
    assert response.status_code in (302, 400)  # retracted by an earlier example: the form is still checked


def test_the_page_of_a_retracted_post_says_who_retracted_it_and_offers_nothing(client, post, lead):
    services.draft_retract(draft=post, by=lead, reason="Wrong date")
    client.force_login(lead)
    response = client.get(reverse("tweets:draft_retract", args=[post.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "already retracted" in page and "Wrong date" in page and "Delete from X" not in page
