"""Journey 4: an untrained user is refused with the missing course named, books the next session, and
can submit once a trainer has marked them attended and certified them."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Membership
from tests.conftest import enrol_totp
from tests.e2e.conftest import wait_for
from tests.factories import MembershipFactory, UserFactory
from tests.training.helpers import require_course
from training.models import Booking, Certification, TrainingSession
from tweets.models import Draft

TEXT = "The new local bus timetable starts on Monday."


@pytest.mark.django_db(transaction=True)
def test_an_untrained_user_books_training_and_can_submit_after_certification(journeys, team, account, approver):
    course = require_course(account.kind, "draft", title="Twitter basics")
    trainer = UserFactory(is_trainer=True, first_name="Tess", last_name="Trainer")
    trainer_secret = enrol_totp(trainer)  # awarding certification needs an authenticator, like approving
    starts_at = timezone.now() + timedelta(minutes=30)
    session = TrainingSession.objects.create(
        course=course, starts_at=starts_at, location="Room 4", trainer=trainer, capacity=8
    )
    officer = MembershipFactory(team=team, role=Membership.Role.MEMBER).user

    journey = journeys.start("officer")
    journey.sign_in(officer.email)
    page = journey.goto("/drafts/new/")
    refusal = page.locator(".govuk-warning-text").first.inner_text()
    assert "Twitter basics" in refusal and "Room 4" in refusal

    page.get_by_role("link", name=re.compile("Book Twitter basics")).click()
    journey.check()
    assert page.url.endswith(f"/training/sessions/{session.pk}/")
    page.get_by_role("button", name="Book a place").click()
    journey.check()
    assert Booking.objects.get(session=session, user=officer).status == "booked"

    with time_machine.travel(starts_at + timedelta(minutes=100), tick=True):
        teacher = journeys.start("trainer")
        teacher.sign_in(trainer.email, totp_secret=trainer_secret)
        page = teacher.goto(f"/training/sessions/{session.pk}/")
        page.get_by_label("Attended").check()
        page.get_by_role("button", name="Save attendance").click()
        teacher.check()
        page.get_by_role("button", name="Award certification").click()
        teacher.check()
        wait_for(lambda: Certification.objects.filter(user=officer, course=course).exists(), message="certification")

        page = journey.goto("/drafts/new/")
        assert page.locator(".govuk-warning-text").count() == 0
        page.get_by_label("Account").select_option(str(account.pk))
        page.get_by_label("Post", exact=True).fill(TEXT)
        page.get_by_role("button", name="Save and submit for approval").click()
        journey.check()
        assert page.get_by_text(re.compile("Waiting for approval")).first.is_visible()
        assert Draft.objects.get(author=officer).state == Draft.State.SUBMITTED
