"""Who may see the weekly reports and export an account's records. Asks only accounts and core (roles are kept on
the user for the request: no queries)."""

import rules

from accounts.rules import is_admin, is_lead
from core.permissions import register_reason

LEADS_AND_ADMINS = "Weekly reports are for team leads and admins."


@rules.predicate
def department_wide(user, team) -> bool:
    return team is None


@rules.predicate
def for_a_team(user, team) -> bool:
    return team is not None


def _weekly_refusal(user, team) -> str:
    if team is None:
        return "The department-wide report is for admins."
    return "Only the team's leads and admins can see its weekly report."


# The list of weekly reports: leads of any team, and admins.
rules.add_perm("reports.see_weekly_reports", is_lead)
register_reason("reports.see_weekly_reports", LEADS_AND_ADMINS)

# One team's report (a Team or its id), or the department's (None).
rules.add_perm("reports.see_weekly_report", is_admin | (for_a_team & is_lead))
register_reason("reports.see_weekly_report", _weekly_refusal)


@rules.predicate
def leads_the_accounts_team(user, account) -> bool:
    return is_lead(user, account.team_id if account is not None else None)


# An account's records, or (None) the export page for the accounts one may export.
rules.add_perm("reports.export_records", leads_the_accounts_team)
register_reason(
    "reports.export_records",
    lambda user, account: (
        "Records exports are for team leads and admins."
        if account is None
        else "Only the account's team leads and admins can export its records."
    ),
)
