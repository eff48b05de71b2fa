"""Days typed in the GOV.UK date input where the pages used to show the browser's date picker (mm/dd/yyyy): a lead
filters the audit trail (a GET form: the boxes travel in the address), a trainer schedules a session with a day in
the boxes and a time written as people write it; each mistake is shown in place, with the error summary."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Membership
from accounts.services import audit_record
from tests.conftest import enrol_totp
from tests.factories import MembershipFactory
from tests.training.factories import CourseFactory, TrainerFactory
from training.models import TrainingSession


@pytest.mark.django_db(transaction=True)
def test_a_lead_filters_the_audit_trail_by_days_typed_in_the_boxes(journeys, team):
    lead = MembershipFactory(team=team, role=Membership.Role.LEAD).user
    for day, action in (("2026-11-02", "test.early"), ("2026-11-05", "test.middle"), ("2026-11-09", "test.late")):
        with time_machine.travel(f"{day} 10:00 +0000"):
            audit_record(action=action, team=team)

    journey = journeys.start("lead")
    journey.sign_in(lead.email, totp_secret=enrol_totp(lead))
    page = journey.goto(f"/teams/{team.pk}/audit/")
    assert page.locator("input[type=date]").count() == 0
    start = page.get_by_role("group", name="From")
    for box, value in (("Day", "31"), ("Month", "2"), ("Year", "2026")):
        start.get_by_label(box).fill(value)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"date_from_day=31"))
    journey.check()
    summary = page.locator(".govuk-error-summary")
    assert "The first day must be a real date." in summary.inner_text()
    assert summary.get_by_role("link").first.get_attribute("href") == "#id_date_from_0"
    assert start.get_by_label("Day").input_value() == "31"  # what was typed is kept

    start.get_by_label("Day").fill("4")
    start.get_by_label("Month").fill("Nov")
    end = page.get_by_role("group", name="To")
    for box, value in (("Day", "6"), ("Month", "11"), ("Year", "2026")):
        end.get_by_label(box).fill(value)
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"date_to_day=6"))
    journey.check()
    assert page.locator(".govuk-error-summary").count() == 0
    table = page.locator("table").inner_text()
    assert "test.middle" in table and "test.early" not in table and "test.late" not in table


@pytest.mark.django_db(transaction=True)
def test_a_trainer_schedules_a_session_typing_the_day_and_time(journeys):
    trainer = TrainerFactory(mfa=False)
    course = CourseFactory(title="Replying to the public")
    day = timezone.localdate() + timedelta(days=10)

    journey = journeys.start("trainer")
    journey.sign_in(trainer.email, totp_secret=enrol_totp(trainer))
    page = journey.goto("/training/sessions/new/")
    assert page.locator("input[type=date], input[type=time]").count() == 0
    page.get_by_label("Course").select_option(str(course.pk))
    date = page.get_by_role("group", name="Date")
    for box, value in (("Day", str(day.day)), ("Month", ""), ("Year", str(day.year))):
        date.get_by_label(box).fill(value)
    page.get_by_label("Time", exact=True).fill("2:30pm")
    page.get_by_label("Place").fill("Room 4")
    page.get_by_label("Trainer").select_option(str(trainer.pk))
    page.get_by_role("button", name="Schedule").click()
    journey.check()
    summary = page.locator(".govuk-error-summary")
    assert "The date must include a month." in summary.inner_text()
    summary.get_by_role("link", name="The date must include a month.").click()
    assert page.evaluate("document.activeElement.name") == "date_day"

    date.get_by_label("Month").fill(str(day.month))
    page.get_by_role("button", name="Schedule").click()
    page.wait_for_url(re.compile(r"/training/sessions/\d+/$"))
    journey.check()
    starts = timezone.localtime(TrainingSession.objects.get(course=course).starts_at)
    assert (starts.date(), starts.strftime("%H:%M")) == (day, "14:30")
