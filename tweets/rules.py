"""Who may do what with drafts and freezes: the one place these rules live.

Each permission is a list of checks, asked in order: who the person is (accounts.access), whether their training
lets them (training.policy.check, the gate), what state the draft is in (tweets.services.ALLOWED_FROM) and whether
a freeze applies. The permission holds when every check does; a refusal gives the sentence of the first check that
fails (core.permissions). Services `ensure` these once the draft's row is locked (so the state they see is
current, and a state the action cannot start from has already been refused as TransitionNotAllowed); views
`decide` them to show only the buttons that would work.

Which drafts and freezes a person can load at all is not decided here but in tweets.access (a 404 otherwise).

Permissions: tweets.create_draft, tweets.reply (account); tweets.edit_draft, submit_draft, withdraw_draft,
approve_draft, request_changes, reject_draft, reschedule_draft, publish_now, publish_essential, retry_draft,
comment_draft, retract_draft (draft); tweets.bring_forward (account); tweets.start_freeze (team, account or None:
any team); tweets.lift_freeze (freeze).
"""

from collections.abc import Callable
from typing import Any, NamedTuple

import rules

from accounts.access import is_lead, team_ids_for_user
from accounts.models import Team, TwitterAccount, User
from core.permissions import register_reason
from training.policy import Action
from training.policy import check as training_check
from tweets import spend
from tweets.models import Draft, PublishingFreeze
from tweets.selectors import approver_team_ids, freeze_for, valid_approvals
from tweets.services import ALLOWED_FROM, TransitionNotAllowed

Test = Callable[[User, Any], bool]
Why = str | Callable[[User, Any], str]


class Check(NamedTuple):
    name: str
    test: Test
    why: Why


_checks: dict[str, list[Check]] = {}


def _declare(perm: str, *checks: Check) -> None:
    """Declare `perm` as every one of `checks`, and its refusal as the first one's sentence that fails."""
    _checks[perm] = list(checks)

    @rules.predicate
    def allowed(user, obj) -> bool:
        return _signed_in(user) and all(check.test(user, obj) for check in checks)

    rules.add_perm(perm, allowed)
    register_reason(perm, lambda user, obj: (first_refusal(user, perm, obj) or Check("", None, "")).why)


def first_refusal(user: User, perm: str, obj: Any) -> Check | None:
    """The first of `perm`'s checks that `user` fails on `obj` (its `why` made into the sentence), or None.

    Pages use its name where one refusal reads differently from the rest (the approver who is not yet trained)."""
    if not _signed_in(user):
        return Check("signed_in", None, "Sign in first.")
    for check in _checks[perm]:
        if not check.test(user, obj):
            return check._replace(why=check.why(user, obj) if callable(check.why) else check.why)
    return None


# --- Who: roles in teams (accounts.access) ---------------------------------------------------------------


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _account(obj: Draft | TwitterAccount) -> TwitterAccount:
    return obj.account if isinstance(obj, Draft) else obj


def writes_for(user: User, obj: Draft | TwitterAccount) -> bool:
    """Members of the account's own team (and admins) write, edit, submit and reschedule its posts, replies
    included: belonging to some other team, even the one that approves for it, is not enough."""
    return user.is_admin or _account(obj).team_id in team_ids_for_user(user)


def approves_for(user: User, obj: Draft | TwitterAccount) -> bool:
    """Approvers and leads of the account's approving team (its own team unless another approves), and admins."""
    return user.is_admin or _account(obj).approving_team_id in approver_team_ids(user)


def leads_for(user: User, obj: Draft | TwitterAccount) -> bool:
    """Leads of the account's own team, and admins."""
    return is_lead(user, _account(obj).team_id)


def is_current_author(user: User, draft: Draft) -> bool:
    """Authors act on their own drafts only while they may still write for the account: a leaver loses them."""
    return user.pk == draft.author_id and writes_for(user, draft)


def sees(user: User, draft: Draft) -> bool:
    """Whoever may load the draft (tweets.access): its account's team and its approving team, and admins."""
    account = draft.account
    teams = team_ids_for_user(user)
    return user.is_admin or account.team_id in teams or account.approver_team_id in teams


def _writer_refusal(user: User, obj) -> str:
    account = _account(obj)
    return f"Only members of {account.team} can write posts for {account}."


def _approver_refusal(user: User, obj) -> str:
    account = _account(obj)
    return f"Only approvers and leads in {account.approver_team or account.team} can approve posts for {account}."


def _lead_refusal(what: str) -> Callable[[User, Any], str]:
    return lambda user, obj: f"Only a lead of {_account(obj).team} or an admin can {what}."


WRITER = Check("writer", writes_for, _writer_refusal)
APPROVER = Check("approver", approves_for, _approver_refusal)


# --- Training (the gate is training.policy.check) -----------------------------------------------------


def _training_action(obj: Draft | TwitterAccount, action: str | None) -> str:
    if action is not None:
        return action
    return Action.REPLY if isinstance(obj, Draft) and obj.purpose == Draft.Purpose.REPLY else Action.DRAFT


def trained(action: str | None = None) -> Check:
    """The training gate for `action` on the account (None: drafting, or replying for a reply draft)."""

    def test(user, obj) -> bool:
        return training_check(user, _account(obj), _training_action(obj, action)).allowed

    def why(user, obj) -> str:
        return training_check(user, _account(obj), _training_action(obj, action)).message

    return Check("trained", test, why)


# --- The draft's state and freezes ----------------------------------------------------------------------


def in_state(action: str) -> Check:
    """The draft's state is one `action` may start from (tweets.services.ALLOWED_FROM)."""
    return Check(
        "state",
        lambda user, draft: draft.state in ALLOWED_FROM[action],
        lambda user, draft: TransitionNotAllowed(draft, action).message,
    )


def freeze_on(draft: Draft) -> PublishingFreeze | None:
    """The freeze in force on the draft's account: the one a page already read for it (it sets
    `draft.freeze_in_force`, so a list of drafts costs no query each), else asked now."""
    if hasattr(draft, "freeze_in_force"):
        return draft.freeze_in_force
    return freeze_for(draft.account)


def _still_frozen(user, draft: Draft) -> str:
    freeze = freeze_on(draft)
    return (
        f"{draft.account} is still frozen ({freeze.reason}). Lift the freeze first, or publish this post as an "
        "essential communication."
    )


NOT_FROZEN = Check("frozen", lambda user, draft: freeze_on(draft) is None, _still_frozen)
NOT_OVER_SPEND = Check(
    "over_spend",
    lambda user, draft: not spend.holds(draft),
    lambda user, draft: (
        f"{draft.account.team}'s spend budget for this month is used up, so its posts are held. A lead can raise "
        "the budget on the usage page, or publish this post as an essential communication."
    ),
)
# The essential exception: a post goes out past what holds the rest back, a freeze or a used-up spend budget.
FROZEN = Check(
    "not_frozen",
    lambda user, draft: freeze_on(draft) is not None or spend.holds(draft),
    lambda user, draft: f"{draft.account} is not frozen, so this post can be published normally.",
)
NOT_THE_AUTHOR = Check(
    "author",
    lambda user, draft: user.pk != draft.author_id,
    "You wrote this draft, so someone else must approve it. Ask another approver.",
)
NOT_THE_WRITER = Check(
    "writer_of_revision",
    lambda user, draft: user.pk != draft.current_revision.created_by_id,
    "You wrote this draft, so someone else must approve it. Ask another approver.",
)
NOT_YET_APPROVED = Check(
    "approved_already",
    lambda user, draft: not valid_approvals(draft).filter(approver=user).exists(),
    "You have already approved this version. It is waiting for another approver.",
)
NOT_THE_AUTHOR_REVIEWING = Check(
    "author",
    lambda user, draft: user.pk != draft.author_id,
    "You wrote this draft. To take it back, withdraw it instead.",
)


# --- Writing --------------------------------------------------------------------------------------------

_declare("tweets.create_draft", WRITER, trained(Action.DRAFT))
_declare("tweets.reply", WRITER, trained(Action.REPLY))
_declare("tweets.edit_draft", WRITER, trained(), in_state("edit"))
_declare("tweets.submit_draft", WRITER, trained(), in_state("submit"))
_declare(
    "tweets.withdraw_draft",
    Check(
        "author_or_lead",
        lambda user, draft: is_current_author(user, draft) or leads_for(user, draft),
        _lead_refusal("withdraw someone else's draft"),
    ),
    in_state("withdraw"),
)
_declare(
    "tweets.comment_draft",
    Check("sees", sees, "Only the teams that write and approve for this account can comment on its drafts."),
)

# --- Approving ------------------------------------------------------------------------------------------

_declare(
    "tweets.approve_draft",
    APPROVER,
    in_state("approve"),
    NOT_THE_AUTHOR,
    trained(Action.APPROVE),
    NOT_THE_WRITER,
    NOT_YET_APPROVED,
)
_declare("tweets.request_changes", APPROVER, in_state("request_changes"), NOT_THE_AUTHOR_REVIEWING)
_declare("tweets.reject_draft", APPROVER, in_state("reject"), NOT_THE_AUTHOR_REVIEWING)

# --- When it goes out -----------------------------------------------------------------------------------

_declare(
    "tweets.bring_forward",
    Check(
        "approver_or_lead",
        lambda user, obj: approves_for(user, obj) or leads_for(user, obj),
        lambda user, obj: f"Only approvers and leads for {_account(obj)} can bring an approved post forward.",
    ),
)
_declare("tweets.reschedule_draft", WRITER, in_state("reschedule"))
_declare(
    "tweets.publish_now",
    Check("lead", leads_for, _lead_refusal("release held posts")),
    in_state("publish_now"),
    NOT_FROZEN,
    NOT_OVER_SPEND,
)
_declare(
    "tweets.publish_essential",
    Check("lead", leads_for, _lead_refusal("publish during a freeze")),
    in_state("publish_essential"),
    FROZEN,
)
_declare(
    "tweets.retry_draft",
    Check(
        "author_or_lead",
        lambda user, draft: is_current_author(user, draft) or leads_for(user, draft),
        lambda user, draft: f"Only its author, a lead of {draft.account.team} or an admin can retry this post.",
    ),
    in_state("retry"),
)

_declare(
    "tweets.retract_draft",
    Check(
        "approver_or_lead",
        lambda user, draft: approves_for(user, draft) or leads_for(user, draft),
        lambda user, draft: f"Only approvers and leads for {draft.account} can retract a published post.",
    ),
    in_state("retract"),
)

# --- Saved replies (tweets.saved_replies): written by the account's writers, each version approved once --------


def _version_account(version) -> TwitterAccount:
    return version.saved_reply.account


SAVED_REPLY_APPROVER = Check(
    "approver",
    lambda user, version: approves_for(user, _version_account(version)),
    lambda user, version: _approver_refusal(user, _version_account(version)),
)
SAVED_REPLY_WAITING = Check(
    "state",
    lambda user, version: version.state == "submitted",
    "This version of the saved reply is not waiting for approval. Refresh the page to see where it is now.",
)
NOT_THE_VERSION_WRITER = Check(
    "writer_of_version",
    lambda user, version: user.pk != version.created_by_id,
    "You wrote this version of the saved reply, so someone else must approve it. Ask another approver.",
)

_declare("tweets.write_saved_reply", WRITER, trained(Action.DRAFT))  # on an account
_declare(
    "tweets.approve_saved_reply",  # on a version
    SAVED_REPLY_APPROVER,
    SAVED_REPLY_WAITING,
    NOT_THE_VERSION_WRITER,
    Check(
        "trained",
        lambda user, version: training_check(user, _version_account(version), Action.APPROVE).allowed,
        lambda user, version: training_check(user, _version_account(version), Action.APPROVE).message,
    ),
    Check(
        "approved_already",
        lambda user, version: not version.approvals.filter(approver=user).exists(),
        "You have already approved this version. It is waiting for another approver.",
    ),
)
_declare("tweets.reject_saved_reply", SAVED_REPLY_APPROVER, SAVED_REPLY_WAITING, NOT_THE_VERSION_WRITER)

# --- Freezes --------------------------------------------------------------------------------------------


def _freeze_team_id(obj: Team | TwitterAccount | PublishingFreeze | None) -> int | None:
    """The team whose lead may freeze `obj` (None: every account, which any lead may freeze)."""
    if isinstance(obj, PublishingFreeze):
        obj = obj.team if obj.scope == PublishingFreeze.Scope.TEAM else obj.account
    if isinstance(obj, TwitterAccount):
        return obj.team_id
    return obj.pk if isinstance(obj, Team) else None


def may_freeze(user: User, obj) -> bool:
    """Every account: admins or any lead (it may be urgent). A team or an account: a lead of that team."""
    return is_lead(user, _freeze_team_id(obj))


_declare(
    "tweets.start_freeze",
    Check(
        "lead",
        may_freeze,
        lambda user, obj: (
            "Only team leads and admins can start a publishing freeze."
            if obj is None
            else "Only a lead of the team that owns these accounts, or an admin, can freeze them."
        ),
    ),
)
_declare(
    "tweets.lift_freeze",
    Check("lead", may_freeze, "Only a lead of the team that owns these accounts, or an admin, can lift this freeze."),
)


# --- Spend budget ---------------------------------------------------------------------------------------------

_declare(
    "tweets.set_spend_budget",
    Check(
        "lead",
        lambda user, team: isinstance(team, Team) and is_lead(user, team.pk),
        "Only a lead of this team, or an admin, can set its spend budget.",
    ),
)
