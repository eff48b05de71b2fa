"""Publishing due drafts to X, exactly once: one draft at a time (`draft_publish`), or many single posts together
(`drafts_publish_batch`), and the sweep that queues them. The state changes go through tweets.services (`_move`),
which never imports this module: services queue publishing by job path (tweets.queueing).
"""

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from accounts.models import TwitterAccount
from accounts.services import audit_record
from tweets import queueing
from tweets.models import Draft, PublishAttempt, PublishingFreeze
from tweets.services import ALLOWED_FROM, _move, _record_moves, freeze_for

S = Draft.State

# Publishing: a claim older than this belongs to a worker that died; the sweep takes it over.
STALE_CLAIM_AFTER = timedelta(seconds=180)
MAX_TRANSIENT_FAILURES = 6
BACKOFF_BASE_SECONDS = 5
BACKOFF_MAX_SECONDS = 300


# --- Publishing ---------------------------------------------------------------------------------------


@dataclass
class _Claim:
    draft: Draft
    token: str


def drafts_due(*, now: datetime | None = None):
    """Drafts that should be publishing now: approved, due scheduled ones, and stalled claims."""
    now = now or timezone.now()
    return Draft.objects.filter(
        Q(state__in=[S.APPROVED, S.SCHEDULED], publish_due_at__isnull=True)
        | Q(state__in=[S.APPROVED, S.SCHEDULED], publish_due_at__lte=now)
        | Q(state=S.PUBLISHING, claimed_at__lt=now - STALE_CLAIM_AFTER)
    )


def _claim(draft_id: int) -> _Claim | None:
    """Take a due draft for publishing, or hold it under a freeze. None when there is nothing to do."""
    now = timezone.now()
    with transaction.atomic():
        try:
            draft = (
                Draft.objects.select_for_update(of=("self",))
                .select_related("account", "account__team")
                .get(pk=draft_id)
            )
        except Draft.DoesNotExist:
            return None
        token = str(uuid.uuid4())
        if draft.state == S.PUBLISHING:
            if draft.claimed_at and draft.claimed_at >= now - STALE_CLAIM_AFTER:
                return None  # another worker has it
            draft.claim_token, draft.claimed_at = token, now
            draft.save(update_fields=["claim_token", "claimed_at"])
            audit_record(action="draft.publish_reclaimed", obj=draft, team=draft.account.team, actor_label="worker")
            return _Claim(draft, token)
        if draft.state not in ALLOWED_FROM["claim"]:
            return None
        if draft.publish_due_at and draft.publish_due_at > now:
            return None
        freeze = freeze_for(draft.account)
        if freeze and not draft.essential_reason:
            _move(draft, S.HELD, by=None, reason=f"Publishing freeze: {freeze.reason}", held_by=freeze)
            return None
        _move(draft, S.PUBLISHING, by=None, reason="Publishing", claim_token=token, claimed_at=now)
        return _Claim(draft, token)


def _cannot_post(account: TwitterAccount) -> str:
    """Why the account can't publish now (for the draft's failure), or "" when it can."""
    if account.is_active and account.has_credentials:
        return ""
    return f"{account} has no working credentials or is suspended. Ask a lead to reconnect it, then try again."


def _still_owned(draft_id: int, token: str) -> Draft | None:
    return (
        Draft.objects.select_for_update(of=("self",))
        .select_related("account", "account__team")
        .filter(pk=draft_id, state=S.PUBLISHING, claim_token=token)
        .first()
    )


_URL = re.compile(r"https?://\S+")


def _comparable(text: str) -> str:
    # X shortens links to t.co, so compare texts with every link replaced.
    return _URL.sub("<link>", (text or "").strip())


def _reconcile(draft: Draft, text: str, reply_to: str) -> str | None:
    """Look for the post among the account's recent posts. X refuses duplicate text, so a match is ours."""
    from twitter_api import client

    wanted = _comparable(text)
    for post in client.recent_posts(draft.account):
        if _comparable(post.text) == wanted and (post.reply_to_post_id or "") == (reply_to or ""):
            return post.id
    return None


def _posted_ids(draft: Draft) -> dict[int, str]:
    return dict(
        draft.attempts.filter(state=PublishAttempt.State.SUCCEEDED, revision_id=draft.current_revision_id).values_list(
            "position", "x_post_id"
        )
    )


def draft_publish(*, draft_id: int) -> str:
    """Publish a due draft exactly once. Returns what happened (for logs and tests).

    Each post of the thread: reuse a success already recorded; reconcile any attempt whose outcome is
    unknown (in flight when a worker died, or timed out) against the account's recent posts; otherwise
    record a new attempt, commit, then call X. Two workers racing: only the one whose claim (a
    conditional change to `publishing` under a row lock) succeeded goes on.
    """
    claim = _claim(draft_id)
    if claim is None:
        return "skipped"
    draft, token = claim.draft, claim.token
    if cannot := _cannot_post(draft.account):
        return _finish_failed(draft_id, token, cannot).lstrip("!")
    posts = list(draft.current_revision.posts)
    posted = _posted_ids(draft)
    for position, text in enumerate(posts):
        if position in posted:
            continue
        reply_to = posted.get(position - 1, "") if position > 0 else draft.current_revision.in_reply_to_post_id
        outcome = _publish_one(draft, token, position, text, reply_to)
        if not isinstance(outcome, str) or outcome.startswith("!"):
            return (outcome or "!stopped").lstrip("!")
        posted[position] = outcome
    return _finish_published(draft_id, token, posted)


def _publish_one(draft: Draft, token: str, position: int, text: str, reply_to: str) -> str:
    """Publish one post; returns its X id, or "!<outcome>" after moving the draft on."""
    from twitter_api import client
    from twitter_api.errors import XApiError

    unsure = draft.attempts.filter(
        position=position,
        revision_id=draft.current_revision_id,
        state__in=[PublishAttempt.State.IN_FLIGHT, PublishAttempt.State.UNCERTAIN],
    )
    if unsure.exists():
        try:
            found = _reconcile(draft, text, reply_to)
        except XApiError as exc:
            return _retry_later(draft.pk, token, exc, count=True)
        if found:
            _record_reconciled(draft.pk, token, unsure, found)
            return found
        unsure.update(
            state=PublishAttempt.State.FAILED,
            error_kind="not_found",
            error="Not among the account's recent posts, so it never reached X.",
            finished_at=timezone.now(),
        )

    with transaction.atomic():
        if _still_owned(draft.pk, token) is None:
            return "!lost claim"
        attempt = PublishAttempt.objects.create(
            draft=draft, revision_id=draft.current_revision_id, position=position, claim_token=token
        )
    # The attempt is committed before X is called: if this process dies now, the next one reconciles.
    try:
        post = client.post_create(draft.account, text=text, reply_to_id=reply_to or None)
    except XApiError as exc:
        return _after_refusal(draft, token, attempt, text, reply_to, exc)
    _record_success(attempt, post)
    return post.id


def _record_success(attempt: PublishAttempt, post) -> None:
    now = timezone.now()
    PublishAttempt.objects.filter(pk=attempt.pk).update(
        state=PublishAttempt.State.SUCCEEDED,
        x_post_id=post.id,
        finished_at=now,
        accepted_at=post.created_at or now,
    )


def _after_refusal(draft: Draft, token: str, attempt: PublishAttempt, text: str, reply_to: str, exc) -> str:
    """X did not say yes: record why, then reconcile, retry later or fail. Returns as `_publish_one`."""
    from twitter_api.errors import Forbidden, RateLimited, Transient, XApiError

    if isinstance(exc, Transient):
        if exc.uncertain:
            _finish_attempt(attempt, PublishAttempt.State.UNCERTAIN, "uncertain", exc.message)
            try:
                found = _reconcile(draft, text, reply_to)
            except XApiError:
                # Can't tell yet: the attempt stays uncertain and the next try reconciles first.
                return _retry_later(draft.pk, token, exc, count=True)
            if found:
                _record_reconciled(draft.pk, token, PublishAttempt.objects.filter(pk=attempt.pk), found)
                return found
            PublishAttempt.objects.filter(pk=attempt.pk).update(
                state=PublishAttempt.State.FAILED, error_kind="not_found"
            )
        else:
            _finish_attempt(attempt, PublishAttempt.State.FAILED, "transient", exc.message)
        return _retry_later(draft.pk, token, exc, count=True)
    if isinstance(exc, RateLimited):
        _finish_attempt(attempt, PublishAttempt.State.FAILED, "rate_limited", exc.message)
        return _retry_later(draft.pk, token, exc, count=False, at=exc.reset_at + timedelta(seconds=1))
    if isinstance(exc, Forbidden) and exc.is_duplicate:
        _finish_attempt(attempt, PublishAttempt.State.FAILED, "duplicate", exc.message)
        try:
            found = _reconcile(draft, text, reply_to)
        except XApiError as reconcile_exc:
            return _retry_later(draft.pk, token, reconcile_exc, count=True)
        if found:
            _record_reconciled(draft.pk, token, PublishAttempt.objects.filter(pk=attempt.pk), found)
            return found
        return _finish_failed(
            draft.pk,
            token,
            "X refused the post as a duplicate of one already on the account, but Dovecote could not find "
            "that post among its recent posts. Check the account on X before trying again.",
        )
    if isinstance(exc, Forbidden):
        _finish_attempt(attempt, PublishAttempt.State.FAILED, "permanent", exc.reason or exc.message)
        return _finish_failed(draft.pk, token, exc.message)
    _finish_attempt(attempt, PublishAttempt.State.FAILED, "permanent", exc.message)
    return _finish_failed(draft.pk, token, exc.message)


def _finish_attempt(attempt: PublishAttempt, state: str, kind: str, error: str) -> None:
    PublishAttempt.objects.filter(pk=attempt.pk).update(
        state=state, error_kind=kind, error=error, finished_at=timezone.now()
    )


def _record_reconciled(draft_id: int, token: str, attempts, post_id: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        first = attempts.order_by("-started_at").first()
        attempts.exclude(pk=first.pk).update(state=PublishAttempt.State.FAILED, error_kind="uncertain")
        PublishAttempt.objects.filter(pk=first.pk).update(
            state=PublishAttempt.State.SUCCEEDED, x_post_id=post_id, reconciled=True, finished_at=now
        )


def _retry_later(draft_id: int, token: str, exc, *, count: bool, at: datetime | None = None) -> str:
    with transaction.atomic():
        draft = _still_owned(draft_id, token)
        if draft is None:
            return "!lost claim"
        failures = draft.attempts.filter(error_kind__in=["transient", "uncertain", "not_found"]).count()
        if count and failures >= MAX_TRANSIENT_FAILURES:
            return _fail_locked(draft, f"X kept failing after {failures} tries. {exc.message}")
        if at is None:
            delay = min(BACKOFF_BASE_SECONDS * 2 ** max(failures - 1, 0), BACKOFF_MAX_SECONDS)
            at = timezone.now() + timedelta(seconds=delay)
        _move(
            draft,
            S.SCHEDULED,
            by=None,
            reason=f"{exc.message} Next try at {timezone.localtime(at):%H:%M:%S}.",
            publish_due_at=at,
            claim_token="",
            claimed_at=None,
        )
        queueing.publish_on_commit(draft.pk, at=at)
    return "!retry"


def _finish_failed(draft_id: int, token: str, reason: str) -> str:
    with transaction.atomic():
        draft = _still_owned(draft_id, token)
        if draft is None:
            return "!lost claim"
        return _fail_locked(draft, reason)


def _fail_locked(draft: Draft, reason: str) -> str:
    _move(draft, S.FAILED, by=None, reason=reason, failure_reason=reason, claim_token="", claimed_at=None)
    queueing.notify_author_of_failure_on_commit(draft.pk)
    return "!failed"


def _finish_published(draft_id: int, token: str, posted: dict[int, str]) -> str:
    with transaction.atomic():
        draft = _still_owned(draft_id, token)
        if draft is None:
            return "lost claim"
        _move(
            draft,
            S.PUBLISHED,
            by=None,
            reason="Accepted by X" + (f" ({len(posted)} posts)" if len(posted) > 1 else ""),
            published_post_id=posted[0],
            published_at=timezone.now(),
            claim_token="",
            publish_due_at=None,
        )
    return "published"


# --- Publishing many at once -------------------------------------------------------------------------


def _batch_candidates(now: datetime):
    """Due single posts never tried in their current revision: those the batch path takes."""
    tried = PublishAttempt.objects.filter(draft=OuterRef("pk"), revision=OuterRef("current_revision"))
    return (
        Draft.objects.filter(state__in=ALLOWED_FROM["claim"])
        .filter(Q(publish_due_at__isnull=True) | Q(publish_due_at__lte=now))
        # Exactly one post: a first and no second. JSON key lookups, which PostgreSQL and SQLite both run.
        .filter(current_revision__posts__0__isnull=False, current_revision__posts__1__isnull=True)
        .exclude(Exists(tried))
    )


@dataclass
class BatchResult:
    outcomes: dict[int, str]  # draft id -> what happened, as draft_publish says it
    full: bool  # the batch took as many drafts as it could: there may be more due


def drafts_publish_batch(*, limit: int | None = None, on_full=None) -> BatchResult:
    """Publish up to `limit` (settings.PUBLISH_BATCH_SIZE) due single posts together: the steps of
    `draft_publish`, a statement for all.

    1. One transaction claims them under row locks (SKIP LOCKED, so concurrent batches take different
       drafts), holds those under a freeze, fails those whose account can't post, and records an in-flight
       attempt for each of the rest. It commits before X is called, as `draft_publish` does.
    2. X is called for each, settings.PUBLISH_CONCURRENCY at a time; metering rows are written together after.
    3. Every success is recorded in one transaction (attempts, drafts, history, audit). Every refusal goes
       through the same handling as one draft's: reconcile, retry later, or fail.
    Threads, drafts tried before (their retries reconcile first) and stale claims stay with `draft_publish`.
    `on_full` is called after the claim commits when the batch is full, e.g. to start the next batch on
    another worker while this one talks to X.
    """
    from twitter_api import client
    from twitter_api.errors import XApiError

    limit = limit or settings.PUBLISH_BATCH_SIZE
    now = timezone.now()
    token = str(uuid.uuid4())
    outcomes: dict[int, str] = {}
    with transaction.atomic():
        drafts = list(
            _batch_candidates(now)
            .select_for_update(of=("self",), skip_locked=True)
            .select_related("account", "account__team", "current_revision")
            .order_by(F("publish_due_at").asc(nulls_first=True), "id")[:limit]
        )
        if not drafts:
            return BatchResult(outcomes, full=False)
        freezes = list(PublishingFreeze.objects.active().order_by("started_at"))
        claimed: list[Draft] = []
        for draft in drafts:
            freeze = next((f for f in freezes if f.covers(draft.account)), None)
            if freeze and not draft.essential_reason:
                _move(draft, S.HELD, by=None, reason=f"Publishing freeze: {freeze.reason}", held_by=freeze)
                outcomes[draft.pk] = "skipped"
            elif cannot := _cannot_post(draft.account):
                outcomes[draft.pk] = _fail_locked(draft, cannot).lstrip("!")
            else:
                claimed.append(draft)
        moves = [(draft, draft.state) for draft in claimed]
        Draft.objects.filter(pk__in=[d.pk for d in claimed]).update(
            state=S.PUBLISHING, claim_token=token, claimed_at=now, updated_at=now
        )
        for draft in claimed:
            draft.state, draft.claim_token, draft.claimed_at, draft.updated_at = S.PUBLISHING, token, now, now
        _record_moves(moves, S.PUBLISHING, reason="Publishing")
        attempts = PublishAttempt.objects.bulk_create(
            PublishAttempt(draft=draft, revision_id=draft.current_revision_id, position=0, claim_token=token)
            for draft in claimed
        )
        if on_full is not None and len(drafts) == limit:
            transaction.on_commit(on_full)

    def call_x(draft: Draft):
        revision = draft.current_revision
        try:
            return client.post_create(
                draft.account, text=revision.posts[0], reply_to_id=revision.in_reply_to_post_id or None
            )
        except XApiError as exc:
            return exc

    # The attempts are committed: from here a crash leaves them in flight, for the next try to reconcile.
    with client.metered_in_bulk():
        contexts = [copy_context() for _ in claimed]  # each call sees the metering buffer set here
        with ThreadPoolExecutor(max_workers=max(1, min(settings.PUBLISH_CONCURRENCY, len(claimed)))) as pool:
            answers = list(pool.map(lambda context, draft: context.run(call_x, draft), contexts, claimed))
        accepted_at = timezone.now()
        successes = []
        for draft, attempt, answer in zip(claimed, attempts, answers, strict=True):
            if isinstance(answer, XApiError):
                revision = draft.current_revision
                outcome = _after_refusal(draft, token, attempt, revision.posts[0], revision.in_reply_to_post_id, answer)
                if outcome.startswith("!"):
                    outcomes[draft.pk] = outcome.lstrip("!")
                    continue
                draft.published_post_id = outcome  # found among the account's posts after all
            else:
                attempt.state, attempt.x_post_id = PublishAttempt.State.SUCCEEDED, answer.id
                attempt.finished_at, attempt.accepted_at = accepted_at, answer.created_at or accepted_at
                successes.append(attempt)
                draft.published_post_id = answer.id
            outcomes[draft.pk] = "published"
    PublishAttempt.objects.bulk_update(successes, ["state", "x_post_id", "finished_at", "accepted_at"])
    _finish_published_many([d for d in claimed if outcomes.get(d.pk) == "published"], token)
    return BatchResult(outcomes, full=len(drafts) == limit)


def _finish_published_many(drafts: list[Draft], token: str) -> None:
    """`_finish_published` for many single posts; a draft whose claim was taken over is left to its new owner."""
    if not drafts:
        return
    post_ids = {d.pk: d.published_post_id for d in drafts}
    now = timezone.now()
    with transaction.atomic():
        owned = list(
            Draft.objects.select_for_update(of=("self",))
            .select_related("account", "account__team")
            .filter(pk__in=post_ids, state=S.PUBLISHING, claim_token=token)
            .order_by("pk")
        )
        for draft in owned:
            draft.state, draft.updated_at, draft.claim_token, draft.publish_due_at = S.PUBLISHED, now, "", None
            draft.published_post_id, draft.published_at = post_ids[draft.pk], now
        Draft.objects.bulk_update(
            owned, ["state", "updated_at", "claim_token", "publish_due_at", "published_post_id", "published_at"]
        )
        _record_moves([(d, S.PUBLISHING) for d in owned], S.PUBLISHED, reason="Accepted by X")


def next_due(*, before: datetime) -> datetime | None:
    """The earliest due time before `before` among drafts waiting to publish."""
    return (
        Draft.objects.filter(state__in=ALLOWED_FROM["claim"], publish_due_at__lt=before)
        .order_by("publish_due_at")
        .values_list("publish_due_at", flat=True)
        .first()
    )


def drafts_publish_due_now() -> dict[int, str]:
    """Publish everything due: in batches, then each thread or retried draft on its own.

    When the first batch is full another job is queued, so a second worker takes the next batch while this
    one waits for X; that job does the same, so a large number of due drafts spreads over the workers.
    """
    outcomes: dict[int, str] = {}
    on_full = queueing.publish_due_now
    while True:
        batch = drafts_publish_batch(on_full=on_full)
        outcomes.update(batch.outcomes)
        on_full = None
        if not batch.full:
            break
    for draft_id in drafts_due().exclude(pk__in=outcomes).order_by("publish_due_at", "id").values_list("pk", flat=True):
        outcomes[draft_id] = draft_publish(draft_id=draft_id)
    return outcomes


def drafts_publish_due(*, now: datetime | None = None) -> list[int]:
    """The sweep: queue a job to publish everything due (catches up after downtime). Returns the due ids."""
    ids = list(drafts_due(now=now).order_by("publish_due_at", "id").values_list("pk", flat=True))
    if ids:
        queueing.publish_due_now()
    return ids
