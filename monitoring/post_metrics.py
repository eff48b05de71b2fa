"""Own posts' figures: read from X at set times after publishing, within the department's read budget.

Each post Dovecote published (each post of a thread) gets a snapshot at every checkpoint of
settings.POST_METRICS_CHECKPOINTS_HOURS (1 h, 24 h, 7 days): `post_metrics_sweep` (RQ cron, `poll` queue) finds the
snapshots due and enqueues one `post_metrics_read` per account, which reads them 100 posts a call
(twitter_api.metrics) and keeps one tweets.PostMetrics row per post and checkpoint (a unique constraint: safe to run
twice). Nothing is read while the read budget is used up (monitoring.budget) or X refuses reads for money
(twitter_api.credits); a snapshot is then taken later, or, once twice its time has passed (a "1 hour" figure read a
day later would mislead), kept as skipped with the reason.

What a read shows happened to a post goes to the records (tweets.records): X says it cannot find it (deleted on X),
or it has later versions (edited on X).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import TwitterAccount
from accounts.services import x_credits_refused
from monitoring import budget
from networks import X
from tweets.models import Draft, PostMetrics, PostOnX, PublishAttempt
from tweets.records import post_deleted_on_x, x_change_record
from twitter_api import credits
from twitter_api.errors import CreditsExhausted, RateLimited, XApiError
from twitter_api.metrics import MAX_IDS, PostFigures, metrics_read
from twitter_api.models import cost_expression

log = logging.getLogger(__name__)

CONTEXT = "monitoring:post-metrics:"  # the metered calls' context, with the account's handle
LOCK_SECONDS = 10 * 60  # one reader per account at a time; a reader that died frees it after this
BUDGET_PAUSED = "The month's X read budget was used up."
CREDITS_PAUSED = "X refused reads for money (credits used up, or the monthly read cap)."
NOT_IN_TIME = "Not read in time: {why}"
NO_ANSWER = "X did not answer for it in time."
FIGURE_FIELDS = ("impressions", "likes", "replies", "reposts", "quotes", "bookmarks", "link_clicks", "profile_clicks")


def checkpoints() -> list[int]:
    return sorted(set(settings.POST_METRICS_CHECKPOINTS_HOURS))


@dataclass(frozen=True)
class Snapshot:
    """One snapshot to take: a post (of a draft, on an account) at a checkpoint."""

    draft_id: int
    account_id: int
    x_post_id: str
    position: int
    published_at: datetime
    checkpoint_hours: int

    @property
    def due_at(self) -> datetime:
        return self.published_at + timedelta(hours=self.checkpoint_hours)

    @property
    def late_at(self) -> datetime:
        """After this, the snapshot is skipped: twice its time since publishing."""
        return self.published_at + timedelta(hours=2 * self.checkpoint_hours)


def _published_posts(*, since: datetime, until: datetime, account_id: int | None = None) -> list[tuple]:
    """(draft id, account id, X post id, position, published at) of each post Dovecote published between the two
    times that is still on X as far as Dovecote knows: its draft published (not retracted), not a direct message,
    not recorded as deleted on X. Each post of a thread is one (its publish attempt); a draft with no attempt
    recorded counts its first post. Posts on Bluesky and Mastodon are not read here: the figures are X's."""
    drafts = Draft.objects.filter(state=Draft.State.PUBLISHED, dm_conversation_id="", account__network=X)
    if account_id is not None:
        drafts = drafts.filter(account_id=account_id)
    attempts = (
        PublishAttempt.objects.filter(state=PublishAttempt.State.SUCCEEDED, draft__in=drafts)
        .exclude(x_post_id="")
        .annotate(at=Coalesce("accepted_at", "finished_at", F("draft__published_at")))
        .filter(at__gte=since, at__lte=until)
        .values_list("draft_id", "draft__account_id", "x_post_id", "position", "at")
    )
    posts = {row[2]: row for row in attempts}
    for row in (
        drafts.filter(published_at__gte=since, published_at__lte=until)
        .exclude(published_post_id="")
        .values_list("id", "account_id", "published_post_id", "published_at")
    ):
        posts.setdefault(row[2], (row[0], row[1], row[2], 0, row[3]))
    if not posts:
        return []
    deleted = set(
        PostOnX.objects.filter(kind=PostOnX.Kind.DELETED_ON_X, x_post_id__in=list(posts)).values_list(
            "x_post_id", flat=True
        )
    )
    return [row for post_id, row in posts.items() if post_id not in deleted]


def snapshots_outstanding(now: datetime | None = None, *, account_id: int | None = None) -> list[Snapshot]:
    """Every snapshot whose time has come and that has no row yet (taken, skipped or gone), oldest first."""
    now = now or timezone.now()
    hours = checkpoints()
    posts = _published_posts(
        since=now - timedelta(hours=2 * max(hours)), until=now - timedelta(hours=min(hours)), account_id=account_id
    )
    if not posts:
        return []
    done = set(
        PostMetrics.objects.filter(x_post_id__in=[p[2] for p in posts]).values_list("x_post_id", "checkpoint_hours")
    )
    gone = set(
        PostMetrics.objects.filter(x_post_id__in=[p[2] for p in posts], status=PostMetrics.Status.GONE).values_list(
            "x_post_id", flat=True
        )
    )
    outstanding = []
    for draft_id, account, post_id, position, published_at in posts:
        if post_id in gone:
            continue
        for checkpoint in hours:
            snapshot = Snapshot(draft_id, account, post_id, position, published_at, checkpoint)
            if snapshot.due_at <= now and (post_id, checkpoint) not in done:
                outstanding.append(snapshot)
    return sorted(outstanding, key=lambda s: (s.due_at, s.x_post_id))


def _row(snapshot: Snapshot, *, status: str, now: datetime, reason: str = "", figures: PostFigures | None = None):
    values = {name: getattr(figures, name) for name in FIGURE_FIELDS} if figures is not None else {}
    return PostMetrics(
        draft_id=snapshot.draft_id,
        account_id=snapshot.account_id,
        x_post_id=snapshot.x_post_id,
        position=snapshot.position,
        published_at=snapshot.published_at,
        checkpoint_hours=snapshot.checkpoint_hours,
        status=status,
        taken_at=now,
        reason=reason[:200],
        **values,
    )


def _why_waiting() -> str | None:
    """Why nothing may be read now, or None."""
    if credits.blocked(reads=True):
        return CREDITS_PAUSED
    if budget.budget_state().exhausted:
        return BUDGET_PAUSED
    return None


def snapshots_skip_late(outstanding: list[Snapshot], *, now: datetime, why: str) -> list[Snapshot]:
    """Keep as skipped the snapshots past their time; returns the others (still worth reading)."""
    late = [s for s in outstanding if s.late_at <= now]
    if late:
        PostMetrics.objects.bulk_create(
            [_row(s, status=PostMetrics.Status.SKIPPED, now=now, reason=NOT_IN_TIME.format(why=why)) for s in late],
            ignore_conflicts=True,
        )
    return [s for s in outstanding if s.late_at > now]


def post_metrics_sweep(now: datetime | None = None) -> list[int]:
    """Skip the snapshots past their time, and return the accounts with snapshots to read now (none while the
    budget is used up or X refuses reads: they wait, or are skipped once late)."""
    now = now or timezone.now()
    waiting = _why_waiting()
    outstanding = snapshots_outstanding(now)
    fresh = snapshots_skip_late(outstanding, now=now, why=waiting or NO_ANSWER)
    if waiting:
        return []
    return sorted({s.account_id for s in fresh})


@dataclass
class ReadOutcome:
    status: str  # "read", "nothing", "busy", "paused", "rate_limited", "error"
    taken: int = 0
    gone: int = 0
    edited: int = 0
    posts_read: int = 0
    message: str = ""


def post_metrics_read(*, account_id: int, now: datetime | None = None) -> ReadOutcome:
    """Read the account's outstanding snapshots from X, 100 posts a call, each batch kept as it is read. Safe to
    run twice and on two workers (one reads, the other finds the account busy; rows are unique per checkpoint)."""
    lock = f"dovecote:post-metrics:{account_id}"
    if not cache.add(lock, 1, LOCK_SECONDS):
        return ReadOutcome("busy")
    try:
        return _read(account_id, now or timezone.now())
    finally:
        cache.delete(lock)


def _read(account_id: int, now: datetime) -> ReadOutcome:
    account = TwitterAccount.objects.filter(pk=account_id).select_related("team").first()
    if account is None or not account.has_credentials:
        return ReadOutcome("nothing", message="The account has no working X credentials.")
    waiting = _why_waiting()
    if waiting:
        return ReadOutcome("paused", message=waiting)
    outstanding = snapshots_skip_late(snapshots_outstanding(now, account_id=account_id), now=now, why=NO_ANSWER)
    by_post: dict[str, list[Snapshot]] = defaultdict(list)
    for snapshot in outstanding:
        by_post[snapshot.x_post_id].append(snapshot)
    # Never past the budget: at most as many posts as it has left.
    post_ids = list(by_post)[: budget.budget_state().remaining]
    outcome = ReadOutcome("read" if post_ids else "nothing")
    context = f"{CONTEXT}{account.handle}"[:100]
    for start in range(0, len(post_ids), MAX_IDS):
        batch = post_ids[start : start + MAX_IDS]
        try:
            found = metrics_read(account, post_ids=batch, now=now, context=context)
        except CreditsExhausted as exc:
            x_credits_refused(exc=exc, endpoint=context, reads=True)
            outcome.status, outcome.message = "paused", CREDITS_PAUSED
            break
        except RateLimited as exc:
            outcome.status, outcome.message = "rate_limited", exc.message
            break
        except XApiError as exc:
            log.warning("Reading posts' figures for @%s failed: %s", account.handle, exc.message)
            outcome.status, outcome.message = "error", exc.message
            break
        outcome.posts_read += found.posts_read
        _keep(account, {i: by_post[i] for i in batch}, found, now=now, outcome=outcome)
    budget.budget_check()
    return outcome


def _keep(account, snapshots: dict[str, list[Snapshot]], found, *, now: datetime, outcome: ReadOutcome) -> None:
    """Keep one batch: the figures read, the posts gone (and their records), the edits seen (recorded)."""
    rows = []
    for post_id, wanted in snapshots.items():
        figures = found.figures.get(post_id)
        if figures is not None:
            rows += [_row(s, status=PostMetrics.Status.TAKEN, now=now, figures=figures) for s in wanted]
        elif post_id in found.gone:
            rows += [_row(s, status=PostMetrics.Status.GONE, now=now, reason="X cannot find the post.") for s in wanted]
    with transaction.atomic():
        PostMetrics.objects.bulk_create(rows, ignore_conflicts=True)
    outcome.taken += sum(1 for r in rows if r.status == PostMetrics.Status.TAKEN)
    for post_id in found.gone & set(snapshots):
        try:
            post_deleted_on_x(
                account_id=account.pk, post_id=post_id, seen_at=now, source=PostOnX.Source.POLL, event_id=None
            )
            outcome.gone += 1
        except Exception:  # one record that cannot be written never stops the rest
            log.exception("Could not record post %s as deleted on X", post_id)
    for post_id, figures in found.figures.items():
        newer = figures.newer_versions
        if newer and post_id in snapshots:
            try:
                _record_edit(snapshots[post_id][0], figures, newer, now=now)
                outcome.edited += 1
            except Exception:
                log.exception("Could not record post %s as edited on X", post_id)


def _record_edit(snapshot: Snapshot, figures: PostFigures, newer: list[str], *, now: datetime) -> None:
    draft = Draft.objects.select_related("account__team").get(pk=snapshot.draft_id)
    x_change_record(
        draft=draft,
        kind=PostOnX.Kind.EDITED_ON_X,
        seen_at=now,
        source=PostOnX.Source.POLL,
        detail={"post_id": snapshot.x_post_id, "new_post_ids": newer, "text_on_x": figures.text},
        # The same edit found again (the next checkpoint) is recorded once; a further edit is a new record.
        event_id=f"edited:{snapshot.x_post_id}:{newer[-1]}",
    )


def reads_by_account(accounts, month) -> list[dict]:
    """This month's reads of own posts' figures per account (for the usage page, beside monitors and timelines):
    calls, posts read and their cost, most read first (one query)."""
    rows = (
        budget.calls_in(month)
        .filter(context__startswith=CONTEXT, account__in=accounts)
        .values("account__handle")
        # Aliases apart from the field names, which the cost expression reads.
        .annotate(n_calls=Count("id"), n_read=Sum("posts_read"), dollars=Sum(cost_expression()))
        .order_by("-n_read", "account__handle")
    )
    return [
        {"figures_of": r["account__handle"], "calls": r["n_calls"], "posts_read": r["n_read"], "cost": r["dollars"]}
        for r in rows
    ]
