"""One definition of a person's training standing: the selector, the gate (policy.check) and its SQL twin
(policy.trained_for) give the same answer for every certification and exemption case."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import User
from tests.factories import TwitterAccountFactory
from tests.training.factories import ExemptionFactory
from tests.training.helpers import require_course
from training import policy
from training.models import Certification
from training.selectors import EXPIRING_WITHIN, standing

AT = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)
DAY = dt.timedelta(days=1)


@pytest.fixture
def courses(db):
    return {
        "basics": require_course("corporate", "draft", title="Twitter basics"),
        "other": require_course("press_office", "draft", title="Responding to journalists"),
    }


def _certified(user, course, *, at, until):
    return Certification.objects.create(user=user, course=course, certified_at=at, expires_at=until)


def _exempt(user, course, *, starts=AT - DAY, ends=AT + DAY, revoked=None):
    return ExemptionFactory(user=user, course=course, starts_at=starts, expires_at=ends, revoked_at=revoked)


# Each case: how the member stands in "Twitter basics" (needed to draft for corporate accounts), and whether
# that lets them draft for a corporate account at AT.
CASES = {
    "nothing held": ([], False),
    "certified, a year to run": ([("cert", AT - DAY, AT + 365 * DAY)], True),
    "certified, one second to run": ([("cert", AT - DAY, AT + SECOND)], True),
    "certified, ending exactly now": ([("cert", AT - 365 * DAY, AT)], False),
    "certified, ended last month": ([("cert", AT - 400 * DAY, AT - 30 * DAY)], False),
    "certified from exactly now": ([("cert", AT, AT + 365 * DAY)], True),
    "certified from tomorrow": ([("cert", AT + DAY, AT + 365 * DAY)], False),
    "exempt from the course": ([("exempt", "basics", AT - DAY, AT + DAY, None)], True),
    "exempt from all training": ([("exempt", None, AT - DAY, AT + DAY, None)], True),
    "exempt from another course only": ([("exempt", "other", AT - DAY, AT + DAY, None)], False),
    "exempt from tomorrow": ([("exempt", None, AT + DAY, AT + 2 * DAY, None)], False),
    "exemption ending exactly now": ([("exempt", "basics", AT - DAY, AT, None)], False),
    "exemption starting exactly now": ([("exempt", None, AT, AT + DAY, None)], True),
    "exemption revoked": ([("exempt", None, AT - DAY, AT + DAY, AT - SECOND)], False),
    "expired, but exempt from all": (
        [("cert", AT - 400 * DAY, AT - DAY), ("exempt", None, AT - DAY, AT + DAY, None)],
        True,
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_the_selector_the_gate_and_the_sql_agree_on_who_is_trained(courses, member, case):
    facts, trained = CASES[case]
    basics = courses["basics"]
    for fact in facts:
        if fact[0] == "cert":
            _certified(member, basics, at=fact[1], until=fact[2])
        else:
            _, course, starts, ends, revoked = fact
            _exempt(member, courses.get(course), starts=starts, ends=ends, revoked=revoked)
    account = TwitterAccountFactory(kind="corporate")

    assert standing(member, at=AT).covers(basics.pk) is trained
    assert policy.check(member, account, "draft", at=AT).allowed is trained
    in_sql = User.objects.filter(pk=member.pk).annotate(
        ok=policy.trained_for("corporate", "draft", user_field="pk", at=AT)
    )
    assert in_sql.get().ok is trained


def test_a_certification_is_expiring_within_thirty_days_and_still_counts(courses, member):
    basics = courses["basics"]
    _certified(member, basics, at=AT - 300 * DAY, until=AT + EXPIRING_WITHIN)
    mine = standing(member, at=AT)
    assert mine.holds(basics.pk) and mine.is_expiring(basics.pk) and mine.covers(basics.pk)
    assert [c.course_id for c in mine.expiring] == [basics.pk]
    later = standing(member, at=AT - SECOND)  # 30 days and a second to run: not yet expiring
    assert later.holds(basics.pk) and not later.is_expiring(basics.pk) and later.expiring == []


def test_an_expired_certification_is_named_as_expired_and_is_missing(courses, member):
    basics = courses["basics"]
    certification = _certified(member, basics, at=AT - 400 * DAY, until=AT - DAY)
    mine = standing(member, at=AT)
    assert mine.expired == {basics.pk: certification}
    assert mine.missing([basics, courses["other"]]) == [basics, courses["other"]]


def test_a_blanket_exemption_covers_every_course_and_a_course_exemption_is_named_first(courses, member):
    blanket = _exempt(member, None)
    own = _exempt(member, courses["basics"])
    mine = standing(member, at=AT)
    assert mine.exempt_from_all
    assert mine.exemption_for(courses["basics"].pk) == own
    assert mine.exemption_for(courses["other"].pk) == blanket
    assert mine.missing([courses["basics"].pk, courses["other"].pk]) == []


def test_standing_limited_to_some_courses_reads_only_those_and_blanket_exemptions(courses, member):
    _certified(member, courses["other"], at=AT - DAY, until=AT + DAY)
    _exempt(member, courses["other"])
    mine = standing(member, at=AT, course_ids=[courses["basics"].pk])
    assert mine.certifications == {} and mine.exemptions == []
    blanket = _exempt(member, None)
    assert standing(member, at=AT, course_ids=[courses["basics"].pk]).exemptions == [blanket]


def test_standing_takes_two_queries_whatever_the_data(courses, member, django_assert_num_queries):
    _certified(member, courses["basics"], at=AT - DAY, until=AT + DAY)
    _certified(member, courses["other"], at=AT - 400 * DAY, until=AT - DAY)
    _exempt(member, None)
    _exempt(member, courses["other"])
    with django_assert_num_queries(2):
        mine = standing(member, at=AT)
        assert [c.course.title for c in mine.current.values()] == ["Twitter basics"]
        assert [e.course.title if e.course else None for e in mine.exemptions] == ["Responding to journalists", None]


def test_the_default_moment_is_now(courses, member):
    _certified(member, courses["basics"], at=timezone.now() - DAY, until=timezone.now() + DAY)
    assert standing(member).covers(courses["basics"].pk)
