"""The audit trail is append-only: no edit or delete through the ORM, the admin, or SQL."""

import pytest
from django.db import DatabaseError, connection, transaction

from accounts.models import AuditEvent
from accounts.services import audit_record
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
