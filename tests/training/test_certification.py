"""Awarding, renewing and expiring certification (services, with time-machine)."""

import datetime as dt

import time_machine
from django.utils import timezone

from accounts.models import AuditEvent
from tests.factories import TwitterAccountFactory
from tests.training.factories import CourseFactory
from tests.training.helpers import require_course
from training import policy
from training.certification import certification_award
from training.models import Certification, CertificationAward

START = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def test_awarding_certification_sets_expiry_from_the_course_validity_and_is_audited(member, lead):
    course = CourseFactory(validity_months=12)
    certification = certification_award(user=member, course=course, by=lead, at=START)
    assert certification.certified_at == START
    assert certification.expires_at == dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)
    event = AuditEvent.objects.get(action="training.certification_awarded")
    assert event.actor == lead and event.details["course"] == course.title


def test_renewal_extends_the_certification_and_keeps_history(member, lead):
    course = CourseFactory(validity_months=6)
    certification_award(user=member, course=course, by=lead, at=START)
    renewed = certification_award(user=member, course=course, by=lead, at=START + dt.timedelta(days=150))
    assert Certification.objects.count() == 1
    assert renewed.expires_at == course.expiry_from(START + dt.timedelta(days=150))
    assert CertificationAward.objects.filter(certification=renewed).count() == 2
    assert AuditEvent.objects.filter(action="training.certification_renewed").count() == 1


def test_an_early_renewal_never_shortens_an_expiry(member, lead):
    course = CourseFactory(validity_months=12)
    first = certification_award(user=member, course=course, by=lead, at=START)
    # A backdated award (say, an old one-to-one recorded late) must not cut the current expiry short.
    again = certification_award(user=member, course=course, by=lead, at=START - dt.timedelta(days=30))
    assert again.expires_at == first.expires_at


def test_certification_lapses_at_expiry_and_renewal_restores_it(member, lead):
    course = require_course("corporate", "draft", title="Twitter basics")
    account = TwitterAccountFactory(kind="corporate")
    with time_machine.travel(START, tick=False):
        certification_award(user=member, course=course, by=lead)
        assert policy.check(member, account, "draft").allowed
    with time_machine.travel(START + dt.timedelta(days=364), tick=False):
        assert policy.check(member, account, "draft").allowed
    with time_machine.travel(dt.datetime(2027, 3, 1, 12, 0, 1, tzinfo=dt.UTC), tick=False):
        assert not policy.check(member, account, "draft").allowed
        certification_award(user=member, course=course, by=lead)
        assert policy.check(member, account, "draft").allowed
        assert Certification.objects.get().expires_at > timezone.now() + dt.timedelta(days=364)
