"""The takeover tripwire with the sandbox: a post not made through Dovecote, or a profile change, raises one
incident, freezes the account where its policy says so, and tells the leads and the security contact."""

import pytest
import requests
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import AuditEvent, TwitterAccount
from notifications.models import Notification
from safety import services
from safety.models import Incident, Watch
from tests.factories import MembershipFactory
from tests.safety.conftest import SECURITY, take_over
from tweets import jobs as tweets_jobs
from tweets import services as tweets_services
from tweets.models import Draft, PublishingFreeze

S = Draft.State


def test_the_first_read_is_a_baseline_and_raises_nothing(corporate, x_sandbox, watch):
    take_over(x_sandbox, corporate, "Posted before Dovecote watched the account.")

    assert watch(corporate) == "baseline"

    assert not Incident.objects.exists()
    saved = Watch.objects.get(account=corporate)
    assert saved.since_id == x_sandbox.posts_by(corporate.x_user_id)[0]["id"]
    assert saved.profile["username"] == corporate.handle


def test_a_foreign_post_raises_an_incident_freezes_the_account_and_tells_leads_and_security(
    corporate, lead, member, x_sandbox, watch
):
    watch(corporate)
    post = take_over(x_sandbox, corporate, "Free crypto for everyone! bit.ly/scam")
    mail.outbox.clear()

    assert watch(corporate) == "read"

    incident = Incident.objects.get()
    assert incident.kind == Incident.Kind.FOREIGN_POST
    assert (incident.post_id, incident.post_text) == (post["id"], "Free crypto for everyone! bit.ly/scam")
    assert incident.source == Incident.Source.POLL
    freeze = incident.freeze
    assert freeze.is_active and freeze.scope == PublishingFreeze.Scope.ACCOUNT and freeze.account == corporate
    assert freeze.reason.startswith("Possible compromise: a post not made through Dovecote")
    assert freeze.started_by is None
    recipients = {address for message in mail.outbox for address in message.to}
    assert {lead.email, SECURITY} <= recipients
    assert member.email not in recipients
    assert any("Free crypto" in m.body and "frozen" in m.body for m in mail.outbox if SECURITY in m.to)
    notice = Notification.objects.get(recipient=lead, kind="incident_raised")
    assert notice.url == incident.get_absolute_url() and notice.in_app
    assert not Notification.objects.filter(recipient=member, kind="incident_raised").exists()
    assert AuditEvent.objects.filter(action="incident.raised", object_id=str(incident.pk)).exists()
    assert AuditEvent.objects.filter(action="freeze.started", object_id=str(freeze.pk), actor=None).exists()


def test_a_scheduled_post_is_held_not_published_while_the_account_is_frozen(
    personal, member, lead, x_sandbox, watch, run_jobs
):
    personal.freeze_on_compromise = True
    personal.save()
    draft = tweets_services.draft_create(
        author=member,
        account=personal,
        text="Our scheduled update.",
        scheduled_at=timezone.now() + timezone.timedelta(minutes=30),
    )
    with run_jobs():
        tweets_services.draft_submit(draft=draft, by=member)
    watch(personal)
    take_over(x_sandbox, personal, "Not one of ours.")
    watch(personal)

    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=31), tick=True), run_jobs():
        tweets_jobs.publish_due_sweep()

    draft.refresh_from_db()
    assert draft.state == S.HELD
    assert draft.held_by == Incident.objects.get().freeze
    assert [p["text"] for p in x_sandbox.posts_by(personal.x_user_id)] == ["Not one of ours."]


def test_a_personal_account_by_default_raises_an_incident_without_a_freeze(personal, lead, x_sandbox, watch):
    watch(personal)
    take_over(x_sandbox, personal, "Posted from my phone.")
    watch(personal)

    incident = Incident.objects.get()
    assert incident.freeze is None
    assert not PublishingFreeze.objects.exists()
    assert any(lead.email in m.to for m in mail.outbox)


def test_a_profile_change_raises_an_incident_with_before_and_after(corporate, x_sandbox, watch, settings):
    watch(corporate)
    x_sandbox.state.update_profile(corporate.x_user_id, description="Hacked by someone", url="https://scam.example")
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=settings.SAFETY_PROFILE_INTERVAL), tick=True):
        watch(corporate)

    changes = {i.profile_field: (i.before, i.after) for i in Incident.objects.all()}
    assert changes == {"description": ("", "Hacked by someone"), "url": ("", "https://scam.example")}
    assert all(i.kind == Incident.Kind.PROFILE_CHANGE for i in Incident.objects.all())
    # One freeze for the account, shared by the two findings.
    assert PublishingFreeze.objects.count() == 1


def test_the_profile_is_not_read_again_before_its_interval(corporate, x_sandbox, watch):
    watch(corporate)
    x_sandbox.state.update_profile(corporate.x_user_id, name="Someone else")
    watch(corporate)
    assert not Incident.objects.exists()
    assert [r for r in x_sandbox.requests if r[1] == f"/2/users/{corporate.x_user_id}"] != []
    assert len([r for r in x_sandbox.requests if r[1] == f"/2/users/{corporate.x_user_id}"]) == 1


def test_a_post_dovecote_published_is_never_foreign(personal, member, x_sandbox, watch, run_jobs):
    watch(personal)
    draft = tweets_services.draft_create(author=member, account=personal, text="Published through Dovecote.")
    with run_jobs():
        tweets_services.draft_submit(draft=draft, by=member)
    draft.refresh_from_db()
    assert draft.state == S.PUBLISHED

    watch(personal)

    assert not Incident.objects.exists()
    assert Watch.objects.get(account=personal).since_id == draft.published_post_id


def test_a_post_dovecote_is_publishing_right_now_is_not_foreign(personal, member, x_sandbox, watch):
    """The attempt is recorded before X is called: X has the post, the attempt has no answer yet."""
    from tweets.models import PublishAttempt

    watch(personal)
    draft = tweets_services.draft_create(author=member, account=personal, text="Going out now https://gov.uk/a")
    PublishAttempt.objects.create(draft=draft, revision=draft.current_revision, claim_token="t")
    x_sandbox.state.create_post(
        author=x_sandbox.state.users[personal.x_user_id],
        text="Going out now https://gov.uk/a",
        in_reply_to_post_id=None,
    )

    watch(personal)

    assert not Incident.objects.exists()


def test_the_same_text_long_after_an_attempt_is_foreign(personal, member, x_sandbox, watch):
    from tweets.models import PublishAttempt

    watch(personal)
    draft = tweets_services.draft_create(author=member, account=personal, text="Old words, reused.")
    PublishAttempt.objects.create(
        draft=draft, revision=draft.current_revision, started_at=timezone.now() - timezone.timedelta(hours=2)
    )
    take_over(x_sandbox, personal, "Old words, reused.")

    watch(personal)

    assert Incident.objects.count() == 1


def test_reading_twice_raises_one_incident(corporate, x_sandbox, watch):
    watch(corporate)
    take_over(x_sandbox, corporate, "Once.")
    watch(corporate)
    Watch.objects.filter(account=corporate).update(since_id="")  # as if the cursor had not moved
    watch(corporate)

    assert Incident.objects.count() == 1
    assert PublishingFreeze.objects.count() == 1


def test_a_member_cannot_record_the_outcome(corporate, member, x_sandbox, watch):
    from core.permissions import Refused

    watch(corporate)
    take_over(x_sandbox, corporate, "Foreign.")
    watch(corporate)
    with pytest.raises(Refused):
        services.incident_resolve(incident=Incident.objects.get(), by=member, outcome="legitimate")


def test_legitimate_lifts_the_freeze_it_started(corporate, lead, x_sandbox, watch):
    watch(corporate)
    take_over(x_sandbox, corporate, "The minister posted this herself.")
    watch(corporate)
    incident = Incident.objects.get()

    services.incident_resolve(incident=incident, by=lead, outcome="legitimate", note="Checked with her office.")

    incident.refresh_from_db()
    assert incident.state == Incident.State.LEGITIMATE
    assert incident.resolved_by == lead and incident.note == "Checked with her office."
    assert not incident.freeze.is_active and incident.freeze.lifted_by == lead
    assert not incident.freeze_kept
    assert AuditEvent.objects.filter(action="incident.resolved", actor=lead).exists()


def test_legitimate_can_keep_the_freeze(corporate, lead, x_sandbox, watch):
    watch(corporate)
    take_over(x_sandbox, corporate, "Hmm.")
    watch(corporate)

    incident = services.incident_resolve(
        incident=Incident.objects.get(), by=lead, outcome="legitimate", keep_freeze=True
    )

    assert incident.freeze_kept and incident.freeze.is_active


def test_legitimate_leaves_a_freeze_another_open_incident_shares(corporate, lead, x_sandbox, watch):
    watch(corporate)
    take_over(x_sandbox, corporate, "First.")
    take_over(x_sandbox, corporate, "Second.")
    watch(corporate)
    first, second = Incident.objects.order_by("post_id")
    assert first.freeze_id == second.freeze_id

    services.incident_resolve(incident=first, by=lead, outcome="legitimate")
    first.refresh_from_db()
    assert first.freeze.is_active  # the second is still open

    services.incident_resolve(incident=second, by=lead, outcome="legitimate")
    second.refresh_from_db()
    assert not second.freeze.is_active


def test_compromised_revokes_the_credentials_and_deletes_the_post_on_x(corporate, lead, x_sandbox, watch):
    watch(corporate)
    post = take_over(x_sandbox, corporate, "Send your bank details.")
    watch(corporate)

    incident = services.incident_resolve(
        incident=Incident.objects.get(), by=lead, outcome="compromised", revoke_credentials=True, delete_post=True
    )

    assert incident.state == Incident.State.COMPROMISED
    assert incident.post_deleted and incident.credentials_revoked
    assert x_sandbox.state.by_id[post["id"]].deleted
    corporate.refresh_from_db()
    assert not corporate.has_credentials
    assert incident.freeze.is_active  # stays until a lead lifts it
    assert ("DELETE", f"/2/tweets/{post['id']}", 200) in x_sandbox.requests
    assert AuditEvent.objects.filter(action="account.credentials_revoked", actor=lead).exists()


def test_an_outcome_is_recorded_once(corporate, lead, x_sandbox, watch):
    watch(corporate)
    take_over(x_sandbox, corporate, "Once only.")
    watch(corporate)
    incident = Incident.objects.get()
    services.incident_resolve(incident=incident, by=lead, outcome="legitimate")
    with pytest.raises(services.IncidentError, match="already recorded"):
        services.incident_resolve(incident=incident, by=lead, outcome="compromised")


def test_the_sandbox_simulates_a_takeover_and_a_profile_change(corporate, x_sandbox):
    session = requests.Session()
    session.trust_env = False
    answer = session.post(
        f"{x_sandbox.url}/_sandbox/takeover", json={"user_id": corporate.x_user_id, "text": "Hijacked"}, timeout=5
    )
    assert answer.status_code == 201
    assert x_sandbox.posts_by(corporate.x_user_id)[0]["text"] == "Hijacked"
    answer = session.post(
        f"{x_sandbox.url}/_sandbox/profile",
        json={"user_id": corporate.x_user_id, "username": "NotDeptComms"},
        timeout=5,
    )
    assert answer.json()["data"] == [{"field": "username", "before": corporate.handle, "after": "NotDeptComms"}]
    assert x_sandbox.state.users_by_name["notdeptcomms"].id == corporate.x_user_id
    refused = session.post(f"{x_sandbox.url}/_sandbox/profile", json={"user_id": "1", "name": "x"}, timeout=5)
    assert refused.status_code == 404


def test_another_team_lead_is_not_told(corporate, other_team, x_sandbox, watch):
    from accounts.models import Membership

    other_lead = MembershipFactory(team=other_team, role=Membership.Role.LEAD).user
    watch(corporate)
    take_over(x_sandbox, corporate, "Foreign.")
    watch(corporate)
    assert not Notification.objects.filter(recipient=other_lead).exists()
    assert not any(other_lead.email in m.to for m in mail.outbox)


def test_a_suspended_account_is_not_read(corporate, x_sandbox, watch):
    corporate.status = TwitterAccount.Status.SUSPENDED
    corporate.save()
    assert watch(corporate) == "skipped"


def test_every_read_is_metered_with_its_cost(corporate, x_sandbox, watch):
    from decimal import Decimal

    from twitter_api.models import ApiCall

    take_over(x_sandbox, corporate, "Already there.")
    watch(corporate)

    profile = ApiCall.objects.get(endpoint="/2/users/:id", account=corporate)
    assert (profile.context, profile.cost) == ("tripwire", Decimal("0.010"))
    posts = ApiCall.objects.get(endpoint="/2/users/:id/tweets", account=corporate)
    assert posts.posts_read == 1 and posts.cost == Decimal("0.005")


def test_every_post_since_the_last_read_is_checked_across_pages(corporate, x_sandbox, watch):
    watch(corporate)
    for n in range(104):
        take_over(x_sandbox, corporate, f"Spam number {n}")

    watch(corporate)

    assert Incident.objects.count() == 104
    assert PublishingFreeze.objects.count() == 1
    assert Watch.objects.get(account=corporate).since_id == x_sandbox.posts_by(corporate.x_user_id)[0]["id"]


def test_security_contacts_an_admin_added_are_emailed_and_told_too(corporate, x_sandbox, watch, admin_user, client):
    from safety.models import SecurityContact
    from tests.factories import UserFactory

    officer = UserFactory(email="Duty.Officer@dept.example")
    client.force_login(admin_user)
    client.post("/admin/safety/securitycontact/add/", {"email": "duty.officer@dept.example", "name": "Duty officer"})
    assert SecurityContact.objects.filter(email="duty.officer@dept.example").exists()
    assert AuditEvent.objects.filter(action="security_contact.added", actor=admin_user).exists()
    watch(corporate)
    take_over(x_sandbox, corporate, "Foreign.")
    mail.outbox.clear()
    watch(corporate)

    recipients = {address for message in mail.outbox for address in message.to}
    assert {"duty.officer@dept.example", SECURITY} <= recipients
    assert Notification.objects.filter(recipient=officer, kind="incident_raised").exists()
