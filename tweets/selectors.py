"""Careful reads of the draft workflow: which drafts a person sees or may approve, which approvals count, who
could give them, and what holds a post under a freeze. Nothing here changes anything.

tweets.services (the transitions), tweets.rules (who may do what) and tweets.access (what a person may load) read
through these; this module imports none of them.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.access import team_ids_for_user
from accounts.models import Membership, TwitterAccount, User, person_name
from training.policy import Action, trained_for
from tweets.models import Approval, Draft, PublishAttempt, PublishingFreeze, SavedReplyVersion
from twitter_api.replies import ReplyTarget, ReplyVerdict, verdict_for

S = Draft.State

APPROVING_ROLES = (Membership.Role.APPROVER, Membership.Role.LEAD)


# --- Which drafts a person sees -----------------------------------------------------------------------


def seen_accounts_q(user: User, *, through: str = "") -> Q:
    """Whose posts a person sees, as a filter on accounts (`through` reaches the account from the rows filtered,
    e.g. "account__"): the accounts their teams own and those their teams approve for; every account for admins.
    The one reading of that rule for many rows (drafts, saved replies, the calendar); tweets.rules.sees asks it of
    one draft."""
    if user.is_admin:
        return Q()
    team_ids = team_ids_for_user(user)
    return Q(**{f"{through}team_id__in": team_ids}) | Q(**{f"{through}approver_team_id__in": team_ids})


def drafts_for_user(user: User) -> QuerySet[Draft]:
    return Draft.objects.select_related("account", "author", "current_revision").filter(
        seen_accounts_q(user, through="account__")
    )


def approver_team_ids(user: User) -> list[int]:
    """Teams in which the user is an approver or lead now (cached on the user for the request)."""
    return [team_id for team_id, role in user.current_roles().items() if role in APPROVING_ROLES]


def drafts_awaiting_approval_by(user: User) -> QuerySet[Draft]:
    """Submitted drafts, other than their own, that the user may approve: those of accounts their teams approve
    for (as can_approve_for decides for one account); every account's for admins. Bare rows, for counting and
    paging. Who may approve is narrower than who may see (drafts_for_user), so no visibility filter is needed.
    """
    drafts = Draft.objects.filter(state=Draft.State.SUBMITTED).exclude(author=user)
    if user.is_admin:
        return drafts
    team_ids = approver_team_ids(user)
    return drafts.filter(
        Q(account__approver_team_id__in=team_ids)
        | Q(account__approver_team__isnull=True, account__team_id__in=team_ids)
    )


def writable_accounts(user: User) -> QuerySet[TwitterAccount]:
    qs = TwitterAccount.objects.select_related("team").filter(status=TwitterAccount.Status.ACTIVE)
    if user.is_admin:
        return qs
    return qs.filter(team_id__in=team_ids_for_user(user))


# --- Approvals that count ------------------------------------------------------------------------------


def approvals_required(draft: Draft) -> int:
    account = draft.account
    return approvals_needed(
        draft.purpose,
        account_requires=account.required_approvals,
        replies_need_approval=account.replies_need_approval,
        saved_reply_skips=saved_reply_approving(draft) is not None,
    )


def approvals_needed(
    purpose: str, *, account_requires: int, replies_need_approval: bool, saved_reply_skips: bool = False
) -> int:
    """How many approvals a draft of this purpose needs on an account that requires `account_requires` of a
    post: replies from the inbox may go out without any, if the account says so, and so may a reply that is an
    approved saved reply used unchanged, where the account allows it (saved_reply_skips_approval)."""
    if purpose == Draft.Purpose.REPLY and (not replies_need_approval or saved_reply_skips):
        return 0
    return account_requires


def saved_reply_skips_approval(*, purpose: str, policy_allows: bool, version_state: str | None) -> bool:
    """The rule, in one place: a reply needs no further approval because of a saved reply only when it is a reply,
    its account's policy allows it (TwitterAccount.saved_replies_skip_approval, off by default), and its current
    revision is a saved reply's approved version filled in and left unchanged (`version_state` is that version's
    state; None when the text was written or changed by hand: an edit makes a revision without a version)."""
    return purpose == Draft.Purpose.REPLY and policy_allows and version_state == SavedReplyVersion.State.APPROVED


def saved_reply_approving(draft: Draft) -> SavedReplyVersion | None:
    """The approved saved reply version that stands in for approval of this draft, if the rule above allows it."""
    revision = draft.current_revision if draft.current_revision_id else None
    if revision is None or revision.saved_reply_version_id is None:
        return None
    version = SavedReplyVersion.objects.select_related("saved_reply").get(pk=revision.saved_reply_version_id)
    allowed = saved_reply_skips_approval(
        purpose=draft.purpose,
        policy_allows=draft.account.saved_replies_skip_approval,
        version_state=version.state,
    )
    return version if allowed else None


def _counting(*, revision, lapses_before) -> Q:
    """The rule for when an approval counts, in one place: it is of the draft's current revision (an edit voids
    it), was given after `lapses_before` (the account's approval expiry before now) and was not voided (the post
    was brought forward by someone who may not: see _send_back_for_approval). Values or expressions
    (an outer draft's columns), so each reader below applies the same rule in SQL."""
    return Q(revision_id=revision, created_at__gt=lapses_before, voided_at__isnull=True)


def valid_approvals(draft: Draft, *, at: datetime | None = None):
    """Approvals of the current revision that have not lapsed."""
    at = at or timezone.now()
    return Approval.objects.filter(
        _counting(revision=draft.current_revision_id, lapses_before=at - draft.account.approval_expiry)
    )


def approval_count(draft: Draft, *, at: datetime | None = None) -> int:
    return valid_approvals(draft, at=at).values("approver_id").distinct().count()


class _HoursBefore(Func):
    """The moment a number of hours (an integer expression, such as a column) before `at`.

    Django can subtract a duration from a timestamp everywhere, but not multiply a column into one on SQLite.
    """

    output_field = DateTimeField()

    def __init__(self, at: datetime, hours):
        super().__init__(Value(at, output_field=DateTimeField()), hours)

    def _parts(self, compiler, connection):
        at_sql, at_params = compiler.compile(self.source_expressions[0])
        hours_sql, hours_params = compiler.compile(self.source_expressions[1])
        return at_sql, hours_sql, (*at_params, *hours_params)

    def as_sql(self, compiler, connection, **extra):
        at_sql, hours_sql, params = self._parts(compiler, connection)
        return f"({at_sql} - make_interval(hours => {hours_sql}))", params

    def as_sqlite(self, compiler, connection, **extra):
        # Timestamps are text there, 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC, compared as text.
        at_sql, hours_sql, params = self._parts(compiler, connection)
        return f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', {at_sql}, '-' || {hours_sql} || ' hours')", params


def approved_by(viewer: User, *, at: datetime) -> Exists:
    """For filtering drafts in SQL: has `viewer` approved the row's current revision (and not lapsed)?"""
    return Exists(
        Approval.objects.filter(
            _counting(
                revision=OuterRef("current_revision_id"),
                lapses_before=_HoursBefore(at, OuterRef("account__approval_expiry_hours")),
            ),
            draft=OuterRef("pk"),
            approver=viewer,
        )
    )


def approvals_counted(*, at: datetime) -> Coalesce:
    """For annotating drafts in SQL: how many approvers' approvals count (as approval_count for one draft)."""
    counted = (
        Approval.objects.filter(
            _counting(
                revision=OuterRef("current_revision_id"),
                lapses_before=_HoursBefore(at, OuterRef("account__approval_expiry_hours")),
            ),
            draft=OuterRef("pk"),
        )
        .order_by()
        .values("draft")
        .annotate(n=Count("approver", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def approval_publishes_now(*, needed: int, counted: int, scheduled_at: datetime | None, at: datetime) -> bool:
    """Would one more approval publish the post at once: it is the last one needed and no later time is set?"""
    return counted + 1 >= needed and not (scheduled_at and scheduled_at > at)


def counting_approvers(draft_ids: list[int], *, at: datetime | None = None) -> dict[int, set[int]]:
    """Per draft, who has given an approval that counts (as approval_count above does for one draft): one
    query for a page of drafts."""
    at = at or timezone.now()
    approvers = {pk: set() for pk in draft_ids}
    found = Approval.objects.filter(
        _counting(
            revision=F("draft__current_revision_id"),
            lapses_before=_HoursBefore(at, F("draft__account__approval_expiry_hours")),
        ),
        draft_id__in=draft_ids,
    ).values_list("draft_id", "approver_id")
    for draft_id, approver_id in found:
        approvers[draft_id].add(approver_id)
    return approvers


def approvals_on_page(draft: Draft, *, at: datetime | None = None) -> list[Approval]:
    """Every approval of the draft, oldest first, each marked `counts` (the rule of _counting) or `lapsed` (of the
    current revision and not voided, but older than the account's expiry), as the draft's page lists them."""
    at = at or timezone.now()
    approvals = list(draft.approvals.select_related("approver", "revision").order_by("created_at"))
    lapses_before = at - draft.account.approval_expiry
    for approval in approvals:
        current = approval.revision_id == draft.current_revision_id and approval.voided_at is None
        approval.counts = current and approval.created_at > lapses_before
        approval.lapsed = current and not approval.counts
    return approvals


def queue_progress(rows: list[dict], *, at: datetime | None = None) -> dict[int, tuple[set[int], int]]:
    """For a page of the approval queue (rows of values with pk, purpose and the account's kind,
    approvals_required and replies_need_approval): per draft, who has given an approval that counts, and how
    many it needs. One query."""
    approvers = counting_approvers([row["pk"] for row in rows], at=at)
    return {
        row["pk"]: (
            approvers[row["pk"]],
            approvals_needed(
                row["purpose"],
                account_requires=TwitterAccount.required_approvals_for(
                    row["account__kind"], row["account__approvals_required"]
                ),
                replies_need_approval=row["account__replies_need_approval"],
            ),
        )
        for row in rows
    }


def eligible_approvers(account: TwitterAccount):
    """People who may approve for the account: approvers and leads of its approving team."""
    user_ids = (
        Membership.objects.current()
        .filter(team_id=account.approving_team_id, role__in=[Membership.Role.APPROVER, Membership.Role.LEAD])
        .values("user_id")
    )
    return User.objects.filter(pk__in=user_ids, is_active=True)


# --- Who can approve ---------------------------------------------------------------------------------


@dataclass
class PossibleApprover:
    user_id: int
    name: str
    trained: dict[str, bool]  # account kind -> trained to approve for it now


def possible_approvers(team_ids, kinds, *, at: datetime | None = None) -> dict[int, list[PossibleApprover]]:
    """Per team, its current approvers and leads (active people, in name order) and, for each account kind, whether
    each is trained to approve for it (training.policy.trained_for): one query."""
    at = at or timezone.now()
    kinds = sorted(set(kinds))
    rows = (
        Membership.objects.current(at)
        .filter(team_id__in=team_ids, role__in=APPROVING_ROLES, user__is_active=True)
        .annotate(**{f"trained_{kind}": trained_for(kind, Action.APPROVE, at=at) for kind in kinds})
        .order_by("user__first_name", "user__last_name", "user__email")
        .values(
            "team_id", "user_id", "user__first_name", "user__last_name", "user__email", *(f"trained_{k}" for k in kinds)
        )
    )
    found: dict[int, list[PossibleApprover]] = {team_id: [] for team_id in team_ids}
    for row in rows:
        found[row["team_id"]].append(
            PossibleApprover(
                user_id=row["user_id"],
                name=person_name(row["user__first_name"], row["user__last_name"], row["user__email"]),
                trained={kind: row[f"trained_{kind}"] for kind in kinds},
            )
        )
    return found


@dataclass
class ApprovalReach:
    """Whether a draft can get the approvals it needs: who could give one now, and who could once trained."""

    needed: int
    able: list[PossibleApprover]
    untrained: list[PossibleApprover]

    @property
    def short(self) -> bool:
        return len(self.able) < self.needed


def reach_of(
    approvers: list[PossibleApprover], *, needed: int, kind: str, author_id: int, reviser_id: int | None
) -> ApprovalReach:
    """Of the approving team's approvers and leads, those who may approve this draft: never its author, nor whoever
    wrote its current version (as draft_approve refuses them); and of those, who is trained."""
    others = [a for a in approvers if a.user_id not in (author_id, reviser_id)]
    return ApprovalReach(
        needed=needed,
        able=[a for a in others if a.trained[kind]],
        untrained=[a for a in others if not a.trained[kind]],
    )


def approval_reach(draft: Draft, *, at: datetime | None = None) -> ApprovalReach:
    """Can this draft reach its approvals? (one query, or none when it needs none)."""
    needed = approvals_required(draft)
    if needed == 0:
        return ApprovalReach(needed=0, able=[], untrained=[])
    account = draft.account
    team_id = account.approving_team_id
    approvers = possible_approvers([team_id], [account.kind], at=at)[team_id]
    reviser_id = draft.current_revision.created_by_id if draft.current_revision_id else None
    return reach_of(approvers, needed=needed, kind=account.kind, author_id=draft.author_id, reviser_id=reviser_id)


# --- What a freeze holds ------------------------------------------------------------------------------


def freeze_for(account: TwitterAccount) -> PublishingFreeze | None:
    """The freeze in force on `account` that started first, or None."""
    return PublishingFreeze.objects.applying_to(account).order_by("started_at").first()


def freeze_held_posts(freeze: PublishingFreeze):
    """Held drafts in the freeze's scope that it held: while it is in force, every one (none can publish);
    once lifted, those held by it or by a freeze in force at the same time, not by one started later."""
    qs = Draft.objects.filter(state=S.HELD).select_related(
        "account", "account__team", "author", "current_revision", "held_by"
    )
    if freeze.scope == PublishingFreeze.Scope.TEAM:
        qs = qs.filter(account__team_id=freeze.team_id)
    elif freeze.scope == PublishingFreeze.Scope.ACCOUNT:
        qs = qs.filter(account_id=freeze.account_id)
    if freeze.lifted_at is not None:
        qs = qs.exclude(held_by__started_at__gt=freeze.lifted_at)
    return qs


def held_after_lift(freeze: PublishingFreeze):
    """Held drafts in the freeze's scope that no active freeze still holds back: waiting for a decision."""
    qs = freeze_held_posts(freeze).filter(
        Q(held_by=freeze) | Q(held_by__isnull=True) | Q(held_by__lifted_at__isnull=False)
    )
    active = PublishingFreeze.objects.active()
    if active.filter(scope=PublishingFreeze.Scope.EVERYTHING).exists():
        return qs.none()
    return qs.exclude(account__team_id__in=active.filter(scope=PublishingFreeze.Scope.TEAM).values("team_id")).exclude(
        account_id__in=active.filter(scope=PublishingFreeze.Scope.ACCOUNT).values("account_id")
    )


@dataclass(frozen=True)
class HeldOutlook:
    """Why a held post is held and what happens to it next, as its page, the freeze's page and emails say."""

    holding: PublishingFreeze | None  # the freeze in force that holds it back now; None once every one is lifted
    next_step: str

    @property
    def waiting_for_decision(self) -> bool:
        return self.holding is None


def held_outlook(draft: Draft, *, active: list[PublishingFreeze] | None = None) -> HeldOutlook:
    """What happens next to a held draft. Lifting a freeze releases nothing by itself: a held post waits for
    a lead to publish it now (draft_publish_now), a writer to choose a new time (draft_reschedule), or its
    author or a lead to cancel it (draft_withdraw). `active`: the freezes in force, when already read."""
    if active is None:
        active = list(PublishingFreeze.objects.active().order_by("started_at"))
    covering = [f for f in active if f.covers(draft.account)]
    holding = next((f for f in covering if f.pk == draft.held_by_id), covering[0] if covering else None)
    team, account = draft.account.team, draft.account
    if holding is None and draft.held_for_spend:
        return HeldOutlook(
            None,
            f"It is held because {team}'s spend budget on X for the month is used up. It goes out by itself when a "
            f"lead of {team} raises the budget or the month turns; a lead can publish it now as an essential "
            "communication, or its author or a lead can cancel it.",
        )
    if holding is None:
        return HeldOutlook(
            None,
            f"It will not publish by itself: a lead of {team} must publish it now, or someone who writes for "
            f"{account} can choose a new time (from anyone but its approvers and leads, that sends it back for "
            "approval); its author or a lead can cancel it. Until then it stays held.",
        )
    after = (
        f"When it is lifted the post will not publish by itself; a lead of {team} decides: publish it "
        f"now, choose a new time or cancel it. During the freeze a lead of {team} can publish it as an essential "
        "communication."
    )
    if holding.pk == draft.held_by_id:
        return HeldOutlook(holding, f"It stays held while the freeze is in force. {after}")
    return HeldOutlook(
        holding, f"Still held: publishing to {holding.scope_label} is frozen ({holding.reason}). {after}"
    )


def freeze_leads(freeze: PublishingFreeze):
    """The leads of the teams in the freeze's scope (every lead for a freeze of every account)."""
    memberships = Membership.objects.current_leads()
    if freeze.scope == PublishingFreeze.Scope.TEAM:
        memberships = memberships.filter(team_id=freeze.team_id)
    elif freeze.scope == PublishingFreeze.Scope.ACCOUNT:
        memberships = memberships.filter(team_id=freeze.account.team_id)
    return User.objects.filter(pk__in=memberships.values("user_id")).order_by("pk")


def own_post_target(post_id: str) -> ReplyTarget | None:
    """What Dovecote knows of a post it published itself (for twitter_api.replies): author and text, or None."""
    if not post_id:
        return None
    attempt = (
        PublishAttempt.objects.filter(x_post_id=post_id, state=PublishAttempt.State.SUCCEEDED)
        .select_related("draft__account", "revision")
        .first()
    )
    if attempt is None:
        return None
    account = attempt.draft.account
    posts = attempt.revision.posts
    text = posts[attempt.position] if attempt.position < len(posts) else ""
    return ReplyTarget(post_id=post_id, author_x_id=account.x_user_id, author_username=account.handle, text=text)


def reply_verdict(draft: Draft) -> ReplyVerdict | None:
    """Whether X will accept this draft as a reply (twitter_api.replies), or None when it replies to nothing."""
    reply_to = draft.current_revision.in_reply_to_post_id if draft.current_revision_id else draft.in_reply_to_post_id
    return verdict_for(draft.account, reply_to) if reply_to else None
