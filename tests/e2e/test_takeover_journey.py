"""A takeover journey: a post nobody in the department wrote appears on the corporate account (made in the X
sandbox), the tripwire's cycle (run by a real worker) raises an incident and freezes the account; a lead signs in,
sees the banner, opens the incident, reads the evidence and records that it was legitimate; the freeze is lifted."""

import re

import django_rq
import pytest
import requests

from accounts.models import AuditEvent
from safety.jobs import watch_cycle
from safety.models import Incident, Watch
from tests.conftest import enrol_totp
from tests.e2e.conftest import wait_for

TEXT = "Big announcement from the minister's phone: we are hiring!"


@pytest.mark.django_db(transaction=True)
def test_a_lead_sees_a_takeover_reads_the_evidence_and_records_it_legitimate(
    journeys, lead, account, x_sandbox, rq_worker
):
    x_sandbox.register_account(account)
    totp_secret = enrol_totp(lead)
    poll = django_rq.get_queue("poll")
    poll.enqueue(watch_cycle)  # as the scheduler does every few seconds in `make run`: the first read is the baseline
    wait_for(
        lambda: Watch.objects.filter(account=account, posts_baseline_at__isnull=False).exists(), message="baseline"
    )

    session = requests.Session()
    session.trust_env = False
    made = session.post(
        f"{x_sandbox.url}/_sandbox/takeover", json={"user_id": account.x_user_id, "text": TEXT}, timeout=10
    )
    assert made.status_code == 201
    poll.enqueue(watch_cycle)
    incident = wait_for(lambda: Incident.objects.filter(account=account).first(), message="the incident")
    assert wait_for(lambda: Incident.objects.get(pk=incident.pk).freeze_id, message="the freeze")

    journey = journeys.start("lead")
    journey.sign_in(lead.email, totp_secret=totp_secret)
    page = journey.goto("/")
    assert page.get_by_role("heading", name=f"Possible takeover of @{account.handle}").is_visible()
    page.get_by_role("link", name="See the evidence and record what happened").click()
    journey.check()

    assert page.locator("#evidence-post").get_by_text(TEXT, exact=True).is_visible()
    assert (
        page.get_by_role("link", name=re.compile("See it on X"))
        .get_attribute("href")
        .endswith(f"/status/{incident.post_id}")
    )
    assert page.get_by_text("Nothing scheduled for the account is being published.").is_visible()

    page.get_by_label("Legitimate", exact=True).check()
    page.get_by_label("Note (optional)").fill("The minister posted it herself; her office confirmed.")
    page.get_by_role("button", name="Record the outcome").click()
    journey.check()

    assert page.get_by_text("Recorded as legitimate. The freeze is lifted").is_visible()
    assert page.get_by_text(re.compile(r"The freeze was lifted on .* by ")).is_visible()
    incident.refresh_from_db()
    assert incident.state == Incident.State.LEGITIMATE and not incident.freeze.is_active
    assert AuditEvent.objects.filter(action="incident.resolved", actor=lead).exists()
    assert not page.get_by_role("heading", name=f"Possible takeover of @{account.handle}").count()
