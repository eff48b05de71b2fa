from accounts.models import AuditEvent


def test_ending_a_membership_removes_access_on_the_next_request(client, lead, member, team, account):
    client.force_login(member)
    assert client.get(f"/teams/accounts/{account.pk}/").status_code == 200

    lead_client = client.__class__()
    lead_client.force_login(lead)
    membership = member.memberships.get(team=team)
    response = lead_client.post(f"/teams/memberships/{membership.pk}/end/")
    assert response.status_code == 302

    assert client.get(f"/teams/accounts/{account.pk}/").status_code == 404
    assert client.get(f"/teams/{team.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action="membership.ended", object_id=str(membership.pk)).exists()


def test_a_member_cannot_end_someone_elses_membership(client, member, lead, team):
    client.force_login(member)
    membership = lead.memberships.get(team=team)
    assert client.post(f"/teams/memberships/{membership.pk}/end/").status_code == 403
    membership.refresh_from_db()
    assert membership.ended_at is None


def test_a_lead_changes_a_role_and_it_is_audited(client, lead, member, team):
    client.force_login(lead)
    membership = member.memberships.get(team=team)
    response = client.post(f"/teams/memberships/{membership.pk}/", {"role": "approver"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "approver"
    event = AuditEvent.objects.get(action="membership.role_changed")
    assert event.details == {"from": "member", "to": "approver"}
    assert event.actor == lead
