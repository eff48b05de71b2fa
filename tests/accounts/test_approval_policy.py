"""An account's approval policy: numbers out of range are refused, with the range, wherever they are entered."""

import pytest
from django.core.exceptions import ValidationError

from accounts.admin import TwitterAccountAdminForm


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("approval_expiry_hours", 0, "Enter a number of hours between 1 and 720 (30 days)."),
        ("approval_expiry_hours", 10**9, "Enter a number of hours between 1 and 720 (30 days)."),
        ("approvals_required", 11, "Enter a number of approvals between 0 and 10."),
    ],
)
def test_an_approval_policy_number_out_of_range_is_refused_with_the_range(account, field, value, message):
    setattr(account, field, value)
    with pytest.raises(ValidationError) as caught:
        account.full_clean()
    assert caught.value.message_dict[field] == [message]

    data = {name: getattr(account, name) for name in TwitterAccountAdminForm._meta.fields}
    data |= {"team": account.team_id, "responsible_person": account.responsible_person_id, "approver_team": ""}
    data["approvals_required"] = data["approvals_required"] or ""
    form = TwitterAccountAdminForm(data=data, instance=account)
    assert not form.is_valid()
    assert form.errors[field] == [message]
