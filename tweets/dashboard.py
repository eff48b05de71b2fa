"""tweets' part of the home dashboard (reports.dashboard assembles the page): drafts waiting for my approval and
my own drafts by state, the drafts nobody can approve (leads), and the next seven days' posts per account with
those a freeze holds. A fixed number of queries each, whatever the size of the data; plain data the templates only
loop over, limited to the user's teams (admins: every team).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Q, Window
from django.db.models.functions import RowNumber

from accounts.access import is_lead, led_team_ids, team_ids_for_user, teams_key
from accounts.models import TwitterAccount, User, person_name
from core import freshness
from core.formats import clip
from core.pagination import page_of
from core.paths import path_with_pk
from tweets.models import Draft, PublishingFreeze
from tweets.selectors import (
    approval_publishes_now,
    approvals_counted,
    approvals_needed,
    approved_by,
    approver_team_ids,
    drafts_awaiting_approval_by,
    drafts_for_user,
    possible_approvers,
    reach_of,
)

APPROVALS_SHOWN = 10
SCHEDULED_PER_ACCOUNT = 5
HELD_SHOWN = 20
SCHEDULE_DAYS = 7
UPCOMING_STATES = (Draft.State.APPROVED, Draft.State.SCHEDULED, Draft.State.PUBLISHING)


# --- My drafts: waiting for my approval, and mine by state ----------------------------------------------


@dataclass
class WaitingDraft:
    """A row of 'waiting for my approval': plain values, cheap to keep in the cache and to render."""

    pk: int
    url: str
    approve_url: str
    text: str
    handle: str
    author: str
    updated_at: datetime
    # What the approve button says the approver saw (tweets.services.draft_approve), and what it does.
    revision_id: int | None = None
    scheduled_at: str = ""
    publishes_now: bool = False
    posts: list[str] = field(default_factory=list)
    waiting_for: timedelta | None = None


@dataclass
class ApprovalsPanel:
    drafts: list[WaitingDraft]
    total: int


# What a row of 'waiting for my approval' is built from, for page_of(..., rows=WAITING_ROWS).
WAITING_ROWS = Draft.objects.order_by("updated_at", "id").values(
    "pk",
    "updated_at",
    "purpose",
    "scheduled_at",
    "current_revision_id",
    "current_revision__posts",
    "account__kind",
    "account__approvals_required",
    "account__replies_need_approval",
    "account__handle",
    "author__first_name",
    "author__last_name",
    "author__email",
)


def approves_anywhere(user: User) -> bool:
    """May the user approve drafts for some team (an approver or lead of one, or an admin)? Then 'waiting for my
    approval' is shown to them."""
    return user.is_admin or bool(approver_team_ids(user))


def my_drafts(
    user: User, *, now: datetime, generations: dict[str, str] | None = None
) -> tuple[ApprovalsPanel, list[dict]]:
    """Submitted drafts I may approve and have not approved in their current version (or my approval has
    lapsed), oldest first, with how long each has waited; and how many of my own drafts are in each state.

    Both kept in the cache (one entry) until a draft, an approval, a team or an account changes
    (core.freshness: saves send signals, and the services' bulk moves say so themselves), or for
    PANEL_SECONDS at most, which bounds how late a lapsed approval brings its draft back.
    """
    generations = generations or freshness.generations()
    key = my_drafts_key(user, generations)
    found = cache.get(key)
    if found is None:
        approvals = _approvals_waiting(user, now=now) if approves_anywhere(user) else ApprovalsPanel(drafts=[], total=0)
        found = (approvals, my_drafts_by_state(user))
        cache.set(key, found, freshness.PANEL_SECONDS)
    approvals, mine = found
    for draft in approvals.drafts:
        draft.waiting_for = now - draft.updated_at
    return approvals, mine


def my_drafts_key(user: User, generations: dict[str, str]) -> str:
    return f"dovecote:dashboard-drafts:{user.pk}:{generations['drafts']}:{generations['teams']}"


def _approvals_waiting(user: User, *, now: datetime) -> ApprovalsPanel:
    waiting = drafts_awaiting_approval_by(user).exclude(approved_by(user, at=now)).order_by("updated_at", "id")
    # The first page of them, cut and counted on the bare rows, and only the ten shown joined (core.pagination).
    frozen = PublishingFreeze.objects.active().filter(
        Q(scope=PublishingFreeze.Scope.EVERYTHING)
        | Q(scope=PublishingFreeze.Scope.TEAM, team_id=OuterRef("account__team_id"))
        | Q(scope=PublishingFreeze.Scope.ACCOUNT, account_id=OuterRef("account_id"))
    )
    rows = WAITING_ROWS.annotate(counted=approvals_counted(at=now), frozen=Exists(frozen))
    page = page_of(waiting, 1, per_page=APPROVALS_SHOWN, rows=rows)
    drafts = []
    for row in page.object_list:
        posts = row["current_revision__posts"] or [""]
        needed = approvals_needed(
            row["purpose"],
            account_requires=TwitterAccount.required_approvals_for(
                row["account__kind"], row["account__approvals_required"]
            ),
            replies_need_approval=row["account__replies_need_approval"],
        )
        publishes_now = not row["frozen"] and approval_publishes_now(
            needed=needed, counted=row["counted"], scheduled_at=row["scheduled_at"], at=now
        )
        drafts.append(
            WaitingDraft(
                pk=row["pk"],
                url=path_with_pk("tweets:draft_detail", row["pk"]),
                approve_url=path_with_pk("tweets:draft_approve", row["pk"]),
                text=clip(posts[0], 90),
                handle=row["account__handle"],
                author=person_name(row["author__first_name"], row["author__last_name"], row["author__email"]),
                updated_at=row["updated_at"],
                revision_id=row["current_revision_id"],
                scheduled_at=row["scheduled_at"].isoformat() if row["scheduled_at"] else "",
                publishes_now=publishes_now,
                # Approving publishes at once: the whole thread is shown, as the draft's page shows it.
                posts=list(posts) if publishes_now else [],
            )
        )
    return ApprovalsPanel(drafts=drafts, total=page.paginator.count)


def my_drafts_by_state(user: User) -> list[dict]:
    """How many of my drafts are in each state, in the workflow's order (one query): those I may still see (a
    leaver's drafts for the team they left are not theirs any more). COUNT(*), not of ids, so that PostgreSQL
    counts from the (author, state) index rather than visiting every draft's row."""
    rows = drafts_for_user(user).filter(author=user).values("state").annotate(n=Count("*")).order_by()
    counts = {r["state"]: r["n"] for r in rows}
    return [
        {"state": value, "label": label, "count": counts[value]}
        for value, label in Draft.State.choices
        if counts.get(value)
    ]


# --- Drafts that nobody can approve (leads) -------------------------------------------------------------


@dataclass
class UnapprovableDraft:
    url: str
    text: str
    handle: str
    author: str
    needed: int
    able: list[str]
    untrained: list[str]


def unapprovable(user: User, *, now: datetime) -> list[UnapprovableDraft]:
    """Submitted drafts of the accounts the teams I lead own (every account's for admins) that cannot get the
    approvals they need: too few of the approving team's approvers and leads are trained, still members and not
    the author (tweets.selectors.reach_of). Two queries; one when nothing is waiting for approval."""
    if not is_lead(user):
        return []
    drafts = Draft.objects.filter(state=Draft.State.SUBMITTED)
    if not user.is_admin:
        drafts = drafts.filter(account__team_id__in=led_team_ids(user))
    rows = list(
        drafts.order_by("updated_at", "id").values(
            "pk",
            "purpose",
            "author_id",
            "current_revision__created_by_id",
            "current_revision__posts",
            "account__handle",
            "account__kind",
            "account__team_id",
            "account__approver_team_id",
            "account__approvals_required",
            "account__replies_need_approval",
            "author__first_name",
            "author__last_name",
            "author__email",
        )
    )
    if not rows:
        return []
    for row in rows:
        row["approving_team_id"] = row["account__approver_team_id"] or row["account__team_id"]
    approvers = possible_approvers(
        {row["approving_team_id"] for row in rows}, {row["account__kind"] for row in rows}, at=now
    )
    found = []
    for row in rows:
        needed = approvals_needed(
            row["purpose"],
            account_requires=TwitterAccount.required_approvals_for(
                row["account__kind"], row["account__approvals_required"]
            ),
            replies_need_approval=row["account__replies_need_approval"],
        )
        reach = reach_of(
            approvers[row["approving_team_id"]],
            needed=needed,
            kind=row["account__kind"],
            author_id=row["author_id"],
            reviser_id=row["current_revision__created_by_id"],
        )
        if reach.short:
            found.append(
                UnapprovableDraft(
                    url=path_with_pk("tweets:draft_detail", row["pk"]),
                    text=clip((row["current_revision__posts"] or [""])[0], 80),
                    handle=row["account__handle"],
                    author=person_name(row["author__first_name"], row["author__last_name"], row["author__email"]),
                    needed=needed,
                    able=[a.name for a in reach.able],
                    untrained=[a.name for a in reach.untrained],
                )
            )
    return found


# --- Scheduled and held posts --------------------------------------------------------------------------


@dataclass
class ScheduledAccount:
    account: object
    drafts: list[Draft]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.drafts)


@dataclass
class SchedulePanel:
    accounts: list[ScheduledAccount]
    held: list[Draft]
    held_total: int = 0


def schedule(user: User, *, now: datetime) -> SchedulePanel:
    """Per account of my teams (owned, or approved by them), how many posts go out in the next seven days
    and the first few of them; and the posts a freeze holds, oldest due first (three queries).

    A glance, not the list: the scheduled page has every post. Ranks and totals are counted on the bare
    draft rows, and only the rows shown are joined to their accounts and texts. It depends only on the
    teams, so teammates share it (accounts.access.teams_key).
    """
    mine = Draft.objects.all()
    if not user.is_admin:
        ids = team_ids_for_user(user)
        mine = mine.filter(Q(account__team_id__in=ids) | Q(account__approver_team_id__in=ids))
    upcoming = (
        mine.filter(
            state__in=UPCOMING_STATES, scheduled_at__gte=now, scheduled_at__lt=now + timedelta(days=SCHEDULE_DAYS)
        )
        .values("pk", "account_id")
        .annotate(
            rank=Window(RowNumber(), partition_by=F("account_id"), order_by=(F("scheduled_at").asc(), F("pk").asc())),
            total=Window(Count("pk"), partition_by=F("account_id")),
        )
        .filter(rank__lte=SCHEDULED_PER_ACCOUNT)
        # Unordered: the rows shown are sorted below, and the default order would read each row from the table.
        .order_by()
    )
    totals = {}
    shown = []
    for row in upcoming:
        totals[row["account_id"]] = row["total"]
        shown.append(row["pk"])
    held = list(
        mine.filter(state=Draft.State.HELD)
        .values("pk")
        .annotate(total=Window(Count("pk")))
        .order_by("scheduled_at", "pk")[:HELD_SHOWN]
    )
    drafts = (
        Draft.objects.filter(pk__in=shown + [row["pk"] for row in held])
        .select_related("account", "current_revision", "held_by")
        .order_by("scheduled_at", "id")
    )
    by_account: dict[int, ScheduledAccount] = {}
    held_drafts = []
    for draft in drafts:
        if draft.state == Draft.State.HELD:
            held_drafts.append(draft)
            continue
        entry = by_account.get(draft.account_id)
        if entry is None:
            entry = by_account[draft.account_id] = ScheduledAccount(draft.account, [], totals[draft.account_id])
        entry.drafts.append(draft)
    return SchedulePanel(
        accounts=sorted(by_account.values(), key=lambda e: e.account.handle.lower()),
        held=held_drafts,
        held_total=held[0]["total"] if held else 0,
    )


def schedule_vary_on(user: User, generations: dict[str, str]) -> str:
    """What the schedule panel's cached fragment is shared by: teammates (it depends only on the teams), until a
    draft, approval or freeze, or a team, membership or account changes (core.freshness)."""
    return f"{teams_key(user)}:{generations['drafts']}:{generations['teams']}"
