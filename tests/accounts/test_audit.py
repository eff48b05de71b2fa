"""The audit trail is append-only: no edit or delete through the ORM, the admin, or SQL."""

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction

from accounts.models import AuditEvent
from accounts.services import audit_record
from tests.boxes import date_boxes
from tests.factories import TEST_PASSWORD


@pytest.fixture
def event(team, lead):
    return audit_record(action="test.something", actor=lead, team=team, details={"a": 1})


def test_an_event_cannot_be_changed_through_the_orm(event):
    event.action = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    assert AuditEvent.objects.get(pk=event.pk).action == "test.something"


def test_an_event_cannot_be_deleted_through_the_orm(event):
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_database_refuses_updates_and_deletes(event):
    for sql in [
        "UPDATE accounts_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM accounts_auditevent WHERE id = %s",
    ]:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.something"


def test_the_admin_is_read_only(client, admin_user, event):
    client.force_login(admin_user)
    change = client.get(f"/admin/accounts/auditevent/{event.pk}/change/")
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    assert client.post(f"/admin/accounts/auditevent/{event.pk}/change/", {"action": "x"}).status_code == 403
    assert client.post(f"/admin/accounts/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/accounts/auditevent/add/").status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "test.something"


def test_signing_in_and_failing_to_sign_in_are_recorded(client, member):
    client.post("/accounts/login/", {"login": member.email, "password": "wrong-password"})
    client.post("/accounts/login/", {"login": member.email, "password": TEST_PASSWORD})
    failed = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert failed.details == {"email": member.email}
    assert "wrong-password" not in str(failed.details)
    assert AuditEvent.objects.get(action="auth.signed_in").actor == member


def test_leads_see_their_teams_events_and_members_see_none(client, lead, member, event, other_team):
    audit_record(action="test.elsewhere", team=other_team)
    client.force_login(lead)
    content = client.get("/teams/audit/").content.decode()
    assert "test.something" in content and "test.elsewhere" not in content
    client.force_login(member)
    content = client.get("/teams/audit/").content.decode()
    assert "test.something" not in content


def test_the_audit_page_filters_by_action(client, lead, event, team):
    audit_record(action="other.thing", team=team)
    client.force_login(lead)
    content = client.get("/teams/audit/", {"action": "other"}).content.decode()
    assert "other.thing" in content and "test.something" not in content


def test_the_audit_pages_keep_the_filters(client, lead, team):
    for i in range(55):
        audit_record(action=f"other.thing{i}", team=team)
    audit_record(action="test.unrelated", team=team)
    client.force_login(lead)

    first = client.get("/teams/audit/", {"action": "other"}).content.decode()
    assert "action=other&amp;page=2" in first

    second = client.get("/teams/audit/", {"action": "other", "page": 2}).content.decode()
    assert "other.thing" in second and "test.unrelated" not in second


def test_the_audit_page_filters_by_the_days_typed_in_the_date_boxes(client, lead, team):
    with time_machine.travel("2026-11-02 10:00 +0000"):
        audit_record(action="test.early", team=team)
    with time_machine.travel("2026-11-05 10:00 +0000"):
        audit_record(action="test.middle", team=team)
    with time_machine.travel("2026-11-09 10:00 +0000"):
        audit_record(action="test.late", team=team)
    client.force_login(lead)

    response = client.get(
        "/teams/audit/", {**date_boxes("date_from", "2026-11-04"), **date_boxes("date_to", "2026-11-06")}
    )

    content = response.content.decode()
    assert "test.middle" in content and "test.early" not in content and "test.late" not in content
    assert 'name="date_from_day" value="04"' in content  # what was typed stays in the boxes
    assert 'type="date"' not in content


def test_the_audit_filters_keep_the_date_boxes_across_pages(client, lead, team):
    for i in range(55):
        audit_record(action=f"other.thing{i}", team=team)
    client.force_login(lead)

    first = client.get("/teams/audit/", date_boxes("date_from", "2026-01-01")).content.decode()

    assert "date_from_day=01&amp;date_from_month=01&amp;date_from_year=2026&amp;page=2" in first


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"date_from_day": "31", "date_from_month": "2", "date_from_year": "2026"},
            "The first day must be a real date.",
        ),
        ({"date_to_day": "3", "date_to_year": "2026"}, "The last day must include a month."),
        ({"date_from_day": "3", "date_from_month": "1", "date_from_year": "26"}, "Year must include 4 numbers."),
        (
            {**date_boxes("date_from", "2026-11-09"), **date_boxes("date_to", "2026-11-02")},
            "The last day must be the same as or after the first day.",
        ),
    ],
)
def test_a_mistake_in_the_audit_dates_is_shown_in_place_with_the_error_summary(client, lead, team, query, message):
    client.force_login(lead)

    response = client.get("/teams/audit/", query)

    assert response.status_code == 200
    content = response.content.decode()
    assert "There is a problem" in content and content.count(message) == 2  # in the summary and beside the boxes
    assert "<title>Error: " in content
