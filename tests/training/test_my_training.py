"""The My training page: certifications, courses still required for the user's roles, upcoming bookings."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from tests.factories import TwitterAccountFactory
from tests.training.factories import BookingFactory, ExemptionFactory, TrainingSessionFactory
from tests.training.helpers import certify, require_course
from training.selectors import required_courses_for_user


def test_members_need_draft_and_reply_courses_and_approvers_also_approve_courses(team, member, approver, account):
    require_course("corporate", "draft", title="Twitter basics")
    require_course("corporate", "reply", title="Handling complaints")
    require_course("corporate", "approve", title="Crisis and rebuttal")
    require_course("press_office", "draft", title="Responding to journalists")
    assert [n.course.title for n in required_courses_for_user(member)] == ["Handling complaints", "Twitter basics"]
    assert [n.course.title for n in required_courses_for_user(approver)] == [
        "Crisis and rebuttal",
        "Handling complaints",
        "Twitter basics",
    ]


def test_the_page_lists_missing_courses_with_the_next_session_to_book(client, team, member, account):
    course = require_course("corporate", "draft", title="Twitter basics")
    session = TrainingSessionFactory(course=course, location="Room 4")
    client.force_login(member)
    body = client.get(reverse("training:my_training")).content.decode()
    assert "Twitter basics" in body
    assert "draft posts for corporate accounts" in body
    assert reverse("training:session_detail", args=[session.pk]) in body


def test_held_and_exempt_courses_are_not_listed_as_missing(client, team, member, account):
    basics = require_course("corporate", "draft", title="Twitter basics")
    complaints = require_course("corporate", "reply", title="Handling complaints")
    certify(member, basics)
    ExemptionFactory(user=member, course=complaints, reason="Covering the inbox this week")
    client.force_login(member)
    response = client.get(reverse("training:my_training"))
    assert response.context["outstanding"] == []
    body = response.content.decode()
    assert "You hold every course your roles need" in body
    assert "Covering the inbox this week" in body


def test_certifications_show_expiry_and_status(client, member):
    course = require_course("corporate", "draft", title="Twitter basics")
    certify(member, course, at=timezone.now() - dt.timedelta(days=350))
    client.force_login(member)
    body = client.get(reverse("training:my_training")).content.decode()
    assert "Expiring soon" in body


def test_upcoming_bookings_are_shown(client, member):
    booking = BookingFactory(user=member, session=TrainingSessionFactory(location="Room 12"))
    client.force_login(member)
    body = client.get(reverse("training:my_training")).content.decode()
    assert "Room 12" in body
    assert booking.session.course.title in body


def test_the_page_uses_a_fixed_number_of_queries(client, team, member, account, django_assert_max_num_queries):
    require_course("corporate", "draft", title="Twitter basics")
    client.force_login(member)
    client.get(reverse("training:my_training"))
    with django_assert_max_num_queries(40) as captured:
        client.get(reverse("training:my_training"))
    baseline = len(captured)
    for i in range(6):
        course = require_course("corporate", "draft", title=f"Course {i}")
        TrainingSessionFactory(course=course)
        BookingFactory(user=member)
        if i % 2:
            certify(member, course)
    TwitterAccountFactory(team=team, kind="press_office")
    client.get(reverse("training:my_training"))  # the banners the new rows made stale are built again once
    with django_assert_max_num_queries(baseline):
        client.get(reverse("training:my_training"))


def test_the_page_and_the_dashboard_agree_on_what_is_missing_and_what_is_expiring(client, team, member, account):
    basics = require_course("corporate", "draft", title="Twitter basics")
    complaints = require_course("corporate", "reply", title="Handling complaints")
    require_course("corporate", "reply", title="Plain English")
    certify(member, basics, at=timezone.now() - dt.timedelta(days=350))  # current, expiring in about 15 days
    certify(member, complaints, at=timezone.now() - dt.timedelta(days=400))  # expired
    client.force_login(member)
    page = client.get(reverse("training:my_training")).context
    panel = client.get(reverse("home")).context["training"]
    assert [n.course.title for n in page["outstanding"]] == ["Handling complaints", "Plain English"]
    assert [n["course"].title for n in panel.missing] == ["Handling complaints", "Plain English"]
    assert [(c.course.title, c.current, c.expiring) for c in page["certifications"]] == [
        ("Handling complaints", False, False),
        ("Twitter basics", True, True),
    ]
    assert [c.course.title for c in panel.expiring] == ["Twitter basics"]
