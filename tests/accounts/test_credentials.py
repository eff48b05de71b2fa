"""Credentials are encrypted at rest and never shown back, in forms or the admin."""

from django.db import connection

from accounts.models import AuditEvent, TwitterAccount
from tests.factories import TwitterAccountFactory

TOKEN = "1234567890-SuperSecretAccessTokenValue"
SECRET = "AnotherVerySecretTokenSecretValue987"


def _raw_columns(account_id: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, access_token_secret FROM accounts_twitteraccount WHERE id = %s", [account_id]
        )
        return cursor.fetchone()


def test_the_database_column_does_not_hold_the_token(team, lead):
    account = TwitterAccountFactory(team=team, responsible_person=lead, access_token=TOKEN, access_token_secret=SECRET)
    raw_token, raw_secret = _raw_columns(account.pk)
    assert TOKEN not in raw_token and SECRET not in raw_secret
    assert raw_token.startswith("gAAAAA")  # a Fernet token
    fresh = TwitterAccount.objects.get(pk=account.pk)
    assert (fresh.access_token, fresh.access_token_secret) == (TOKEN, SECRET)


def test_the_account_page_never_renders_the_token(client, lead, team):
    account = TwitterAccountFactory(team=team, responsible_person=lead, access_token=TOKEN, access_token_secret=SECRET)
    client.force_login(lead)
    content = client.get(f"/teams/accounts/{account.pk}/").content.decode()
    assert TOKEN not in content and SECRET not in content
    assert "never shown again" in content


def test_a_lead_replaces_credentials_and_they_are_stored_encrypted_and_audited(client, lead, account):
    client.force_login(lead)
    response = client.post(
        f"/teams/accounts/{account.pk}/credentials/", {"access_token": TOKEN, "access_token_secret": SECRET}
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.access_token == TOKEN
    assert TOKEN not in _raw_columns(account.pk)[0]
    assert AuditEvent.objects.filter(action="account.credentials_set", object_id=str(account.pk)).exists()
    assert TOKEN not in client.get(response["Location"]).content.decode()


def test_credentials_with_spaces_are_refused_and_the_stored_ones_kept(client, lead, account):
    client.force_login(lead)
    before = account.access_token
    response = client.post(
        f"/teams/accounts/{account.pk}/credentials/", {"access_token": "has space", "access_token_secret": SECRET}
    )
    assert response.status_code == 400
    assert "without spaces" in response.content.decode()
    assert SECRET not in response.content.decode()
    account.refresh_from_db()
    assert account.access_token == before


def test_a_member_cannot_replace_credentials(client, member, account):
    client.force_login(member)
    response = client.post(
        f"/teams/accounts/{account.pk}/credentials/", {"access_token": TOKEN, "access_token_secret": SECRET}
    )
    assert response.status_code == 403
    account.refresh_from_db()
    assert account.access_token != TOKEN


def test_revoking_removes_the_credentials(client, lead, account):
    client.force_login(lead)
    client.post(f"/teams/accounts/{account.pk}/credentials/revoke/")
    account.refresh_from_db()
    assert not account.has_credentials
    assert account.access_token == ""
    assert account.credentials_revoked_at is not None


def test_the_admin_never_renders_the_token(client, admin_user, team, lead):
    account = TwitterAccountFactory(team=team, responsible_person=lead, access_token=TOKEN, access_token_secret=SECRET)
    client.force_login(admin_user)
    content = client.get(f"/admin/accounts/twitteraccount/{account.pk}/change/").content.decode()
    assert "New access token" in content
    assert TOKEN not in content and SECRET not in content
    listing = client.get("/admin/accounts/twitteraccount/").content.decode()
    assert TOKEN not in listing


def test_saving_in_the_admin_with_blank_credential_fields_keeps_the_stored_ones(client, admin_user, team, lead):
    account = TwitterAccountFactory(team=team, responsible_person=lead, access_token=TOKEN, access_token_secret=SECRET)
    client.force_login(admin_user)
    data = {
        "handle": account.handle,
        "display_name": "Renamed",
        "kind": account.kind,
        "team": team.pk,
        "responsible_person": lead.pk,
        "x_user_id": account.x_user_id,
        "status": "active",
        "approvals_required": "",
        "approver_team": "",
        "replies_need_approval": "on",
        "approval_expiry_hours": 72,
        "api_access": "self_serve",
        "retention_years": 7,
        "new_access_token": "",
        "new_access_token_secret": "",
    }
    response = client.post(f"/admin/accounts/twitteraccount/{account.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    account.refresh_from_db()
    assert account.display_name == "Renamed"
    assert (account.access_token, account.access_token_secret) == (TOKEN, SECRET)
    assert AuditEvent.objects.filter(action="account.changed", object_id=str(account.pk)).exists()
