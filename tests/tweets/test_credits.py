"""When X says no for money: a post refused because the credits are used up (402, or 429 UsageCapExceeded) is not
published, not retried until an admin says credits are restored, and admins see a banner; then it goes out once."""

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import AuditEvent
from accounts.services import x_credits_restore
from core.permissions import Refused
from tweets import jobs, publishing, services
from tweets.models import Draft
from twitter_api.models import CreditsBlock

S = Draft.State


def submit(member, account, text, run_jobs):
    draft = services.draft_create(author=member, account=account, text=text)
    with run_jobs():
        services.draft_submit(draft=draft, by=member)
    draft.refresh_from_db()
    return draft


def creates(x_sandbox):
    return [status for method, path, status in x_sandbox.requests if (method, path) == ("POST", "/2/tweets")]


@pytest.mark.parametrize("answer", [402, 429])
def test_a_post_refused_for_credits_waits_and_is_not_retried_until_an_admin_says_so(
    answer, personal, member, admin_user, x_sandbox, run_jobs
):
    x_sandbox.state.set_credits(exhausted=True, answer=answer)

    draft = submit(member, personal, "Our consultation opens today.", run_jobs)

    assert draft.state == S.SCHEDULED  # waiting, not failed, not published
    assert "credits" in draft.transitions.last().reason
    assert x_sandbox.posts_by(personal.x_user_id) == []
    assert creates(x_sandbox) == [answer]
    attempt = draft.attempts.get()
    assert (attempt.state, attempt.error_kind) == ("failed", "credits")
    block = CreditsBlock.objects.open().get()
    assert (block.scope, block.status_code) == ("all", answer)
    assert AuditEvent.objects.filter(action="x.credits_exhausted").count() == 1

    # X takes money again, but nobody has said so: sweeps and retries send nothing.
    x_sandbox.state.set_credits(exhausted=False)
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=2), tick=True), run_jobs():
        jobs.publish_due_sweep()
        assert publishing.draft_publish(draft_id=draft.pk) == publishing.Outcome.SKIPPED
    assert creates(x_sandbox) == [answer]

    with run_jobs():
        x_credits_restore(by=admin_user, note="Bought $100 of credits")

    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED
    assert [p["text"] for p in x_sandbox.posts_by(personal.x_user_id)] == ["Our consultation opens today."]
    assert creates(x_sandbox) == [answer, 201]
    assert not CreditsBlock.objects.open().exists()
    restored = AuditEvent.objects.get(action="x.credits_restored")
    assert restored.actor == admin_user and restored.details["note"] == "Bought $100 of credits"


def test_an_ordinary_rate_limit_is_not_a_credits_block(personal, member, x_sandbox, run_jobs):
    x_sandbox.set_faults(force_429=1)
    draft = submit(member, personal, "Rate limited once.", run_jobs)
    assert draft.state == S.SCHEDULED
    assert not CreditsBlock.objects.exists()


def test_other_drafts_wait_too_while_credits_are_out(personal, member, x_sandbox, run_jobs):
    x_sandbox.state.set_credits(exhausted=True)
    submit(member, personal, "First.", run_jobs)
    second = submit(member, personal, "Second.", run_jobs)
    assert second.state == S.APPROVED  # not even tried: the block stops the claim
    assert creates(x_sandbox) == [402]


def test_two_refusals_open_one_block(personal, member, x_sandbox, run_jobs):
    x_sandbox.state.set_credits(exhausted=True)
    first = submit(member, personal, "First.", run_jobs)
    CreditsBlock.objects.update(restored_at=None)  # still open
    from accounts.services import x_credits_refused
    from twitter_api.errors import CreditsExhausted

    block = x_credits_refused(exc=CreditsExhausted(detail="again"), endpoint="POST /2/tweets")
    assert CreditsBlock.objects.open().get() == block
    assert first.attempts.count() == 1


def test_only_admins_may_say_credits_are_restored(lead, x_sandbox):
    with pytest.raises(Refused):
        x_credits_restore(by=lead, note="I think so")


# --- The banner and the page --------------------------------------------------------------------------------------


@pytest.fixture
def blocked(personal, member, x_sandbox, run_jobs):
    x_sandbox.state.set_credits(exhausted=True)
    return submit(member, personal, "Waiting for credits.", run_jobs)


def test_admins_see_a_banner_while_credits_are_out_and_others_do_not(client, blocked, admin_user, member):
    client.force_login(admin_user)
    page = client.get(reverse("tweets:draft_list")).content.decode()
    assert "X credits are used up" in page and reverse("accounts:x_credits") in page
    client.force_login(member)
    assert "X credits are used up" not in client.get(reverse("tweets:draft_list")).content.decode()


def test_the_banner_goes_when_credits_are_restored(client, blocked, admin_user, x_sandbox, run_jobs):
    x_sandbox.state.set_credits(exhausted=False)
    client.force_login(admin_user)
    with run_jobs():
        response = client.post(reverse("accounts:x_credits"), {"note": "Topped up"})
    assert response.status_code == 302
    assert "X credits are used up" not in client.get(reverse("tweets:draft_list")).content.decode()
    blocked.refresh_from_db()
    assert blocked.state == S.PUBLISHED


def test_the_credits_page_shows_the_block_to_admins(client, blocked, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("accounts:x_credits"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Every call: the credits are used up" in page and "Credits are restored" in page
    assert "does not have any credits" in page  # X's own words


def test_saying_credits_are_back_when_x_still_refuses_blocks_again(blocked, admin_user, x_sandbox, run_jobs):
    with run_jobs():
        x_credits_restore(by=admin_user, note="Thought so")
    blocked.refresh_from_db()
    assert blocked.state == S.SCHEDULED
    assert CreditsBlock.objects.open().count() == 1 and CreditsBlock.objects.count() == 2


def test_restoring_needs_a_note(client, blocked, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("accounts:x_credits"), {"note": ""})
    assert response.status_code == 400
    assert CreditsBlock.objects.open().exists()


@pytest.mark.parametrize("who", ["member", "lead", "outsider"])
def test_people_who_are_not_admins_are_refused(client, blocked, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("accounts:x_credits")).status_code == 403
    assert client.post(reverse("accounts:x_credits"), {"note": "x"}).status_code == 403
    assert CreditsBlock.objects.open().exists()


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.get(reverse("accounts:x_credits"))
    assert response.status_code == 302 and "login" in response["Location"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(note=st.text(max_size=1200))
def test_any_note_never_makes_a_server_error(client, admin_user, note):
    client.force_login(admin_user)
    assert client.post(reverse("accounts:x_credits"), {"note": note}).status_code in (302, 400)
