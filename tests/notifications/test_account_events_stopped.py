"""X refusing to refresh an account's account events grant: the account's team leads hear once (in the app and by
email), nobody else; a later failure, after authorising again, is told again."""

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from accounts.jobs import activity_grants_refresh
from accounts.models import ActivityGrant
from notifications.models import Notification
from tests.accounts.oauth2_helpers import authorise, grant_of


def _refused_on_next_refresh(x_sandbox, account) -> None:
    x_sandbox.state.oauth2.control("POST", {"revoke_user": account.x_user_id})
    ActivityGrant.objects.filter(account=account).update(expires_at=timezone.now() + timedelta(minutes=5))


def test_the_accounts_leads_hear_once_and_nobody_else(
    client, committed, x_sandbox, account, lead, member, approver, other_lead, admin_user
):
    x_sandbox.register_account(account)
    client.force_login(lead)
    with committed():
        authorise(client, account)
    _refused_on_next_refresh(x_sandbox, account)
    with committed():
        assert activity_grants_refresh() == {"failed": 1}
    with committed():
        assert activity_grants_refresh() == {}  # asked again: nothing new to tell
    notices = Notification.objects.filter(kind="account_events_stopped")
    assert list(notices.values_list("recipient_id", flat=True)) == [lead.pk]
    notice = notices.get()
    assert "@DeptComms" in notice.title and notice.url == f"/teams/accounts/{account.pk}/#account-events"
    assert [m.to for m in mail.outbox if "@DeptComms" in m.subject] == [[lead.email]]

    with committed():
        authorise(client, account)
    assert grant_of(account).is_usable
    _refused_on_next_refresh(x_sandbox, account)
    with committed():
        assert activity_grants_refresh() == {"failed": 1}
    assert notices.count() == 2
