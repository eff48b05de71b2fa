"""Publishing due drafts to X, exactly once, with one engine: `publish(draft_ids)`. One draft (`draft_publish`) is
a batch of one; everything due (`drafts_publish_due_now`) goes in batches of the earliest due.
1. Claim: one transaction locks the drafts, holds those under a freeze, fails those whose account can't post,
   takes over claims whose worker died, and moves the rest to `publishing` under a token.
2. Rounds of one post per draft (a thread's next post answers the one before): reconcile a post an earlier
   attempt may have sent; record the attempts and commit; call X, PUBLISH_CONCURRENCY at a time; record the
   answers (a refusal is reconciled, retried later or failed).
3. Finish: the drafts with every post on X become `published`, together.
State changes go through tweets.services, which never imports this module (it queues jobs by path).
"""

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from accounts.models import TwitterAccount
from accounts.services import audit_record, x_credits_refused
from networks import X, provider_for
from tweets import coverage, media_publishing, provenance, queueing, spend
from tweets.models import Draft, PublishAttempt, PublishingFreeze
from tweets.services import ALLOWED_FROM, _move, _record_moves
from twitter_api import client, credits, direct
from twitter_api.errors import CreditsExhausted, Forbidden, RateLimited, Transient, XApiError
from twitter_api.types import XPost

S = Draft.State
A = PublishAttempt.State

# A claim older than this belongs to a worker that died; the next batch takes it over.
STALE_CLAIM_AFTER = timedelta(seconds=180)
MAX_TRANSIENT_FAILURES = 6
BACKOFF_BASE_SECONDS = 5
BACKOFF_MAX_SECONDS = 300


class Outcome(StrEnum):
    """What publishing did with a draft (for jobs' results, logs and tests)."""

    PUBLISHED = "published"
    RETRY = "retry"  # X could not take it now: scheduled again, reconciled first if it may have got there
    FAILED = "failed"  # the author is told why
    HELD = "held"  # by a publishing freeze
    SKIPPED = "skipped"  # not due, or another worker's
    LOST_CLAIM = "lost claim"  # this worker was so slow that another took the draft over
    WAITING = "waiting for credits"  # X refused for money: it waits, due, until an admin says credits are back


class _Post(NamedTuple):
    position: int
    text: str
    reply_to: str


@dataclass
class _Work:
    """A claimed draft on its way to X."""

    draft: Draft
    token: str
    posted: dict[int, str]  # position -> X id, for the current revision
    unsure: set[int]  # positions with an attempt that may have reached X
    outcome: Outcome | None = None
    media_ids: dict[int, list[str]] = field(default_factory=dict)  # position -> X media ids, once uploaded
    thread_to: str = ""  # a live coverage post answers the coverage's last post on X (tweets.coverage)

    @property
    def next_post(self) -> _Post | None:
        revision = self.draft.current_revision
        for position, text in enumerate(revision.posts):
            if position not in self.posted:
                first_reply_to = self.thread_to or revision.in_reply_to_post_id
                reply_to = self.posted.get(position - 1, "") if position else first_reply_to
                return _Post(position, text, reply_to)
        return None


@dataclass
class _Batch:
    token: str
    taken: int  # drafts locked, including those held, failed or skipped
    works: list[_Work]
    outcomes: dict[int, Outcome] = field(default_factory=dict)


@dataclass
class BatchResult:
    outcomes: dict[int, Outcome]
    full: bool  # the batch took as many drafts as it could: there may be more due


# --- Entry points -----------------------------------------------------------------------------------------


def publish(draft_ids: Iterable[int]) -> dict[int, Outcome]:
    """Publish these drafts if they are due: the engine every entry point goes through."""
    batch = _claim(Draft.objects.filter(pk__in=list(draft_ids)))
    return _run(batch) if batch else {}


def draft_publish(*, draft_id: int) -> Outcome:
    """Publish one due draft exactly once: a batch of one."""
    return publish([draft_id]).get(draft_id, Outcome.SKIPPED)


def drafts_publish_batch(*, limit: int | None = None, on_full=None, passing_over: Iterable[int] = ()) -> BatchResult:
    """Publish up to `limit` (settings.PUBLISH_BATCH_SIZE) due drafts, the earliest due first, passing over
    drafts other workers are claiming. `on_full` is called after the claim commits when the batch is full, e.g.
    to start the next batch on another worker while this one talks to X."""
    limit = limit or settings.PUBLISH_BATCH_SIZE
    now = timezone.now()
    batch = _claim(drafts_due(now=now).exclude(pk__in=list(passing_over)), limit=limit, on_full=on_full, now=now)
    if batch is None:
        return BatchResult({}, full=False)
    return BatchResult(_run(batch), full=batch.taken == limit)


def drafts_publish_due_now() -> dict[int, Outcome]:
    """Publish everything due, batch after batch.

    When the first batch is full another job is queued, so a second worker takes the next batch while this
    one waits for X; that job does the same, so a large number of due drafts spreads over the workers.
    A draft is taken once a run: one retried at once (X's reset time already past) goes to its own job.
    """
    outcomes: dict[int, Outcome] = {}
    on_full = queueing.publish_due_now
    while True:
        batch = drafts_publish_batch(on_full=on_full, passing_over=outcomes)
        outcomes.update(batch.outcomes)
        on_full = None
        if not batch.full:
            return outcomes


def drafts_due(*, now: datetime | None = None):
    """Drafts that should be publishing now: approved, due scheduled ones, and stalled claims."""
    now = now or timezone.now()
    return Draft.objects.filter(
        Q(state__in=ALLOWED_FROM["claim"], publish_due_at__isnull=True)
        | Q(state__in=ALLOWED_FROM["claim"], publish_due_at__lte=now)
        | Q(state=S.PUBLISHING, claimed_at__lt=now - STALE_CLAIM_AFTER)
    )


def next_due(*, before: datetime) -> datetime | None:
    """The earliest due time before `before` among drafts waiting to publish."""
    return (
        Draft.objects.filter(state__in=ALLOWED_FROM["claim"], publish_due_at__lt=before)
        .order_by("publish_due_at")
        .values_list("publish_due_at", flat=True)
        .first()
    )


def drafts_publish_due(*, now: datetime | None = None) -> list[int]:
    """The sweep: queue a job to publish everything due (catches up after downtime). Returns the due ids."""
    ids = list(drafts_due(now=now).order_by("publish_due_at", "id").values_list("pk", flat=True))
    if ids:
        queueing.publish_due_now()
    return ids


# --- 1. Claim -----------------------------------------------------------------------------------------------


def _claim(
    drafts: QuerySet | int, *, limit: int | None = None, on_full=None, now: datetime | None = None
) -> _Batch | None:
    """Take drafts (a queryset, or one draft's id) for publishing, in one transaction under row locks. With
    `limit`, take at most that many, the earliest due first, passing over rows another worker has locked (SKIP
    LOCKED), so concurrent batches take different drafts; without, wait for each row. None when it took nothing.
    """
    now = now or timezone.now()
    if isinstance(drafts, int):
        drafts = Draft.objects.filter(pk=drafts)
    if credits.blocked(reads=False):
        # X refuses everything until an admin says credits are restored: no X draft is taken (other networks go on).
        drafts = drafts.exclude(account__network=X)
    token = str(uuid.uuid4())
    locking = drafts.select_for_update(of=("self",), skip_locked=limit is not None).select_related(
        "account", "account__team", "current_revision"
    )
    with transaction.atomic():
        if limit is None:
            locked = list(locking.order_by("pk"))
        else:
            locked = list(locking.order_by(F("publish_due_at").asc(nulls_first=True), "id")[:limit])
        freezes = list(PublishingFreeze.objects.active().order_by("started_at")) if locked else []
        over_spend = spend.teams_holding({d.account.team_id for d in locked}, now=now) if locked else set()
        batch = _Batch(token, taken=len(locked), works=[])
        for draft in locked:
            if outcome := _not_taken(draft, now, freezes, over_spend):
                batch.outcomes[draft.pk] = outcome
            else:
                batch.works.append(_Work(draft, token, posted={}, unsure=set(), thread_to=coverage.thread_to(draft)))
        if not batch.works and set(batch.outcomes.values()) <= {Outcome.SKIPPED}:
            return None  # nothing to do: none was due, or each was another worker's
        moves = [(work.draft, work.draft.state) for work in batch.works if work.draft.state != S.PUBLISHING]
        Draft.objects.filter(pk__in=[work.draft.pk for work in batch.works]).update(
            state=S.PUBLISHING, claim_token=token, claimed_at=now, updated_at=now
        )
        for work in batch.works:
            work.draft.state, work.draft.claim_token, work.draft.claimed_at = S.PUBLISHING, token, now
        _record_moves(moves, S.PUBLISHING, reason="Publishing")
        _load_attempts(batch.works)
        if on_full is not None and batch.taken == limit:
            transaction.on_commit(on_full)
    return batch


def _not_taken(
    draft: Draft, now: datetime, freezes: list[PublishingFreeze], over_spend: set[int] = frozenset()
) -> Outcome | None:
    """Why a locked draft is not taken for publishing (after holding or failing it), or None to take it."""
    if draft.state == S.PUBLISHING:
        if draft.claimed_at and draft.claimed_at >= now - STALE_CLAIM_AFTER:
            return Outcome.SKIPPED  # another worker has it
        # Its worker died: take it over. It may be on X already, so a freeze does not hold it.
        audit_record(action="draft.publish_reclaimed", obj=draft, team=draft.account.team, actor_label="worker")
    elif draft.state not in ALLOWED_FROM["claim"] or (draft.publish_due_at and draft.publish_due_at > now):
        return Outcome.SKIPPED
    elif not draft.essential_reason and (freeze := next((f for f in freezes if f.covers(draft.account)), None)):
        _move(
            draft, S.HELD, by=None, reason=f"Publishing freeze: {freeze.reason}", held_by=freeze, held_for_spend=False
        )
        return Outcome.HELD
    elif not draft.essential_reason and draft.account.team_id in over_spend and draft.account.network == X:
        # The spend budget is what X charges: Bluesky and Mastodon cost nothing, so their posts are not held.
        reason = f"{draft.account.team}'s spend budget for the month is used up"
        _move(draft, S.HELD, by=None, reason=reason, held_by=None, held_for_spend=True)
        return Outcome.HELD
    elif draft.state != S.PUBLISHING and coverage.waiting_for_earlier(draft):
        return Outcome.SKIPPED  # live coverage goes out in order: queued again when the one before goes out
    if cannot := _cannot_post(draft.account):
        return _fail_locked(draft, cannot)
    return None


def _cannot_post(account: TwitterAccount) -> str:
    """Why the account can't publish now (for the draft's failure), or "" when it can."""
    if account.is_active and account.has_credentials:
        return ""
    return f"{account} has no working credentials or is suspended. Ask a lead to reconnect it, then try again."


def _load_attempts(works: list[_Work]) -> None:
    """What earlier tries of the current revisions left: posts already on X, and attempts that may be."""
    by_id = {work.draft.pk: work for work in works}
    rows = PublishAttempt.objects.filter(draft_id__in=by_id, state__in=[A.SUCCEEDED, A.IN_FLIGHT, A.UNCERTAIN])
    for draft_id, revision_id, position, state, x_post_id in rows.values_list(
        "draft_id", "revision_id", "position", "state", "x_post_id"
    ):
        work = by_id[draft_id]
        if revision_id != work.draft.current_revision_id:
            continue
        if state == A.SUCCEEDED:
            work.posted[position] = x_post_id
        else:
            work.unsure.add(position)


# --- 2. Rounds: reconcile, attempt, call X, record ----------------------------------------------------------


def _run(batch: _Batch) -> dict[int, Outcome]:
    """Send the claimed drafts' posts to X, one post per draft a round, until each draft is published or has
    moved on (retry, failed). The metering rows are written together at the end."""
    with client.metered_in_bulk():
        while going := [work for work in batch.works if work.outcome is None]:
            _reconcile_unsure([work for work in going if work.next_post and work.next_post.position in work.unsure])
            _upload_media([work for work in going if work.outcome is None and work.next_post])
            _send([work for work in going if work.outcome is None and work.next_post])
            _finish_published([work for work in going if work.outcome is None and not work.next_post])
    return {**batch.outcomes, **{work.draft.pk: work.outcome for work in batch.works}}


def _concurrently(call: Callable, works: list[_Work]) -> list:
    """call(work) for each, settings.PUBLISH_CONCURRENCY at a time. The calls only talk to X: the database is
    this thread's, and each call sees the metering buffer through its copy of this context."""
    if len(works) <= 1:
        return [call(work) for work in works]
    contexts = [copy_context() for _ in works]
    with ThreadPoolExecutor(max_workers=min(settings.PUBLISH_CONCURRENCY, len(works))) as pool:
        return list(pool.map(lambda context, work: context.run(call, work), contexts, works))


def _answer(call: Callable, *args, **kwargs):
    """X's answer, or its refusal as a value (so a thread hands it back)."""
    try:
        return call(*args, **kwargs)
    except XApiError as exc:
        return exc


def _publish_one(draft: Draft, token: str, position: int, text: str, reply_to: str, media_ids=()) -> XPost | XApiError:
    """Ask the account's network to create one post (in a worker thread). `token` and `position` name the post for
    wrappers (tests inject faults per post). The idempotency key names this revision's post: a network that can
    refuse or merge a repeat (Mastodon, Bluesky) does, so even a retry that missed the reconciling posts once."""
    if draft.dm_conversation_id:
        return _answer(_send_direct_message, draft, text)
    return _answer(
        provider_for(draft.account).post_create,
        draft.account,
        text=text,
        reply_to_id=reply_to or None,
        media_ids=list(media_ids),
        idempotency_key=_idempotency_key(draft, position),
    )


def _idempotency_key(draft: Draft, position: int) -> str:
    """Names one post of one revision, the same on every retry. After the `@`: a time in microseconds, the revision's
    creation plus the post's position (so each post of a thread has its own), which Bluesky's provider puts in the
    record key so Dovecote's posts sort among the account's others by when they were written."""
    revision = draft.current_revision
    micros = int(revision.created_at.timestamp() * 1_000_000) + position
    return f"dovecote-{draft.pk}-{revision.pk}-{position}@{micros}"


def _send_direct_message(draft: Draft, text: str) -> XPost:
    """A reply to a direct message goes back privately into its conversation (same attempts, same exactly-once)."""
    event_id = direct.dm_send(draft.account, conversation_id=draft.dm_conversation_id, text=text)
    return XPost(id=event_id, text=text, author_id=draft.account.x_user_id, created_at=timezone.now())


_comparable = provenance.comparable


def _reconcile(draft: Draft, text: str, reply_to: str) -> str | None:
    """Look for the post among the account's recent posts. X refuses duplicate text, so a match is ours. A direct
    message is looked for among its conversation's latest messages, sent by the account with the same text."""
    if draft.dm_conversation_id:
        # X accepts the same text twice in a conversation: only a message sent since the first attempt counts.
        first = draft.attempts.order_by("started_at").values_list("started_at", flat=True).first()
        since = (first or timezone.now()) - timedelta(minutes=2)
        sender = draft.account.x_user_id
        said = _comparable(text)
        for message in direct.dm_conversation_events(draft.account, conversation_id=draft.dm_conversation_id):
            if message.sender_id == sender and message.created_at >= since and _comparable(message.text) == said:
                return message.id
        return None
    # X ends the text of a post with media with a link to them.
    wanted = {_comparable(text), _comparable(text) + " <link>"}
    since = None
    if (draft.account.network or X) != X:
        # Bluesky and Mastodon accept the same text twice: only a post made since the first attempt counts.
        first = draft.attempts.order_by("started_at").values_list("started_at", flat=True).first()
        since = (first or timezone.now()) - timedelta(minutes=2)
    for post in provider_for(draft.account).recent_posts(draft.account):
        if since is not None and post.created_at and post.created_at < since:
            continue
        if _comparable(post.text) in wanted and (post.reply_to_post_id or "") == (reply_to or ""):
            return post.id
    return None


def _reconcile_unsure(works: list[_Work]) -> None:
    """Before a post is sent again, look for it on X: an earlier attempt may have got there (its worker died,
    or X did not answer in time)."""
    answers = _concurrently(lambda work: _answer(_reconcile, work.draft, *work.next_post[1:]), works)
    for work, answer in zip(works, answers, strict=True):
        position = work.next_post.position
        unsure = work.draft.attempts.filter(
            revision_id=work.draft.current_revision_id, position=position, state__in=[A.IN_FLIGHT, A.UNCERTAIN]
        )
        work.unsure.discard(position)
        if isinstance(answer, CreditsExhausted):
            work.outcome = _wait_for_credits(work, answer, reads=True)
        elif isinstance(answer, XApiError):
            work.outcome = _retry_later(work, answer, count=True)
        elif answer:
            _record_reconciled(unsure, answer)
            work.posted[position] = answer
        else:
            unsure.update(
                state=A.FAILED,
                error_kind="not_found",
                error="Not among the account's recent posts, so it never reached X.",
                finished_at=timezone.now(),
            )


def _upload_media(works: list[_Work]) -> None:
    """The media of each draft's next post, on X before the post is sent (tweets.media_publishing): ids X still
    keeps are reused, so a retry never uploads or attaches them twice. A refusal moves the draft on as a
    refused post would (retry later, or fail saying why)."""
    planned = media_publishing.plans([(work.draft, work.next_post.position) for work in works]) if works else []
    jobs = [(work, job) for work, job in zip(works, planned, strict=True) if job is not None]
    results = _concurrently(lambda pair: media_publishing.upload(pair[1]), jobs)
    media_publishing.record(results)
    for (work, _), result in zip(jobs, results, strict=True):
        if result.error is None:
            work.media_ids[work.next_post.position] = result.ids
        elif isinstance(result.error, CreditsExhausted):
            work.outcome = _wait_for_credits(work, result.error)
        elif isinstance(result.error, RateLimited):
            work.outcome = _retry_later(
                work, result.error, count=False, at=result.error.reset_at + timedelta(seconds=1)
            )
        elif isinstance(result.error, Transient):
            media_publishing.record_failed_try(work.draft, work.next_post.position, work.token, result.error)
            work.outcome = _retry_later(work, result.error, count=True)
        else:
            work.outcome = _finish_failed(
                work, f"X refused the media of post {work.next_post.position + 1}. {result.error.message}"
            )


def _send(works: list[_Work]) -> None:
    """Each draft's next post: record the attempt and commit, call X, record the answers (successes first)."""
    started = _start_attempts(works)

    def publish_one(work: _Work):
        media_ids = work.media_ids.get(work.next_post.position)
        return _publish_one(work.draft, work.token, *work.next_post, **({"media_ids": media_ids} if media_ids else {}))

    answers = _concurrently(lambda pair: publish_one(pair[0]), started)
    accepted_at = timezone.now()
    refused = []
    for (work, attempt), answer in zip(started, answers, strict=True):
        if isinstance(answer, XApiError):
            refused.append((work, attempt, answer))
            continue
        attempt.state, attempt.x_post_id = A.SUCCEEDED, answer.id
        attempt.finished_at, attempt.accepted_at = accepted_at, answer.created_at or accepted_at
        work.posted[work.next_post.position] = answer.id
    successes = [attempt for _, attempt in started if attempt.state == A.SUCCEEDED]
    PublishAttempt.objects.bulk_update(successes, ["state", "x_post_id", "finished_at", "accepted_at"])
    for work, attempt, exc in refused:
        post = work.next_post
        found = _after_refusal(work, attempt, post, exc)
        if isinstance(found, Outcome):
            work.outcome = found
        else:
            work.posted[post.position] = found


def _start_attempts(works: list[_Work]) -> list[tuple[_Work, PublishAttempt]]:
    """Record an in-flight attempt for each draft's next post, committed before X is called: if this process
    dies, the claim that takes the draft over reconciles it. A draft taken over already is left to its owner."""
    if not works:
        return []
    with transaction.atomic():
        owned = _owned(works)
        mine = [work for work in works if work.draft.pk in owned]
        attempts = PublishAttempt.objects.bulk_create(
            PublishAttempt(
                draft=work.draft,
                revision_id=work.draft.current_revision_id,
                position=work.next_post.position,
                claim_token=work.token,
            )
            for work in mine
        )
    return list(zip(mine, attempts, strict=True))


def _after_refusal(work: _Work, attempt: PublishAttempt, post: _Post, exc: XApiError) -> str | Outcome:
    """X did not say yes: record why, then reconcile (the X id if the post is there after all), or retry
    later or fail (how the draft moved on)."""
    if isinstance(exc, CreditsExhausted):
        _finish_attempt(attempt, A.FAILED, "credits", exc.message)
        return _wait_for_credits(work, exc)
    uncertain = isinstance(exc, Transient) and exc.uncertain
    duplicate = isinstance(exc, Forbidden) and exc.is_duplicate
    if uncertain or duplicate:
        _finish_attempt(attempt, *((A.UNCERTAIN, "uncertain") if uncertain else (A.FAILED, "duplicate")), exc.message)
        try:
            found = _reconcile(work.draft, post.text, post.reply_to)
        except XApiError as reconcile_exc:
            # Can't tell yet: an uncertain attempt stays so, and the next try reconciles first.
            return _retry_later(work, exc if uncertain else reconcile_exc, count=True)
        if found:
            _record_reconciled(PublishAttempt.objects.filter(pk=attempt.pk), found)
            return found
        if duplicate:
            return _finish_failed(
                work,
                "X refused the post as a duplicate of one already on the account, but Dovecote could not find "
                "that post among its recent posts. Check the account on X before trying again.",
            )
        PublishAttempt.objects.filter(pk=attempt.pk).update(state=A.FAILED, error_kind="not_found")
        return _retry_later(work, exc, count=True)
    if isinstance(exc, Transient):
        _finish_attempt(attempt, A.FAILED, "transient", exc.message)
        return _retry_later(work, exc, count=True)
    if isinstance(exc, RateLimited):
        _finish_attempt(attempt, A.FAILED, "rate_limited", exc.message)
        return _retry_later(work, exc, count=False, at=exc.reset_at + timedelta(seconds=1))
    if work.media_ids.get(post.position) and media_publishing.refused_for_media(exc):
        # X no longer keeps the media ids (they expired sooner than it said): upload them again next time.
        _finish_attempt(attempt, A.FAILED, "transient", exc.message)
        media_publishing.forget(work.draft.account, work.media_ids.pop(post.position))
        return _retry_later(work, exc, count=True)
    _finish_attempt(
        attempt, A.FAILED, "permanent", (exc.reason or exc.message) if isinstance(exc, Forbidden) else exc.message
    )
    return _finish_failed(work, exc.message)


def _finish_attempt(attempt: PublishAttempt, state: str, kind: str, error: str) -> None:
    PublishAttempt.objects.filter(pk=attempt.pk).update(
        state=state, error_kind=kind, error=error, finished_at=timezone.now()
    )


def _record_reconciled(attempts, post_id: str) -> None:
    with transaction.atomic():
        first = attempts.order_by("-started_at").first()
        attempts.exclude(pk=first.pk).update(state=A.FAILED, error_kind="uncertain")
        PublishAttempt.objects.filter(pk=first.pk).update(
            state=A.SUCCEEDED, x_post_id=post_id, reconciled=True, finished_at=timezone.now()
        )


# --- 3. Finish ----------------------------------------------------------------------------------------------


def _owned(works: list[_Work]) -> dict[int, Draft]:
    """Those of the drafts still claimed by this batch, locked (inside a transaction). The others were taken over
    after this worker stalled: they are marked lost and left to their new owner."""
    owned = {
        draft.pk: draft
        for draft in Draft.objects.select_for_update(of=("self",))
        .select_related("account", "account__team")
        .filter(pk__in=[work.draft.pk for work in works], state=S.PUBLISHING, claim_token=works[0].token)
        .order_by("pk")
    }
    for work in works:
        if work.draft.pk not in owned:
            work.outcome = Outcome.LOST_CLAIM
    return owned


def _retry_later(work: _Work, exc: XApiError, *, count: bool, at: datetime | None = None) -> Outcome:
    with transaction.atomic():
        if (draft := _owned([work]).get(work.draft.pk)) is None:
            return Outcome.LOST_CLAIM
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
    return Outcome.RETRY


def _wait_for_credits(work: _Work, exc: CreditsExhausted, *, reads: bool = False) -> Outcome:
    """X refused for money: the block it opens stops every claim (and so every retry) until an admin says credits
    are restored (twitter_api.credits); the draft waits scheduled and due, its approvals standing."""
    x_credits_refused(exc=exc, endpoint="GET /2/users/:id/tweets" if reads else "POST /2/tweets", reads=reads)
    with transaction.atomic():
        if (draft := _owned([work]).get(work.draft.pk)) is None:
            return Outcome.LOST_CLAIM
        _move(
            draft,
            S.SCHEDULED,
            by=None,
            reason=f"{exc.message} It waits, and is published once an admin says credits are restored.",
            publish_due_at=timezone.now(),
            claim_token="",
            claimed_at=None,
        )
    return Outcome.WAITING


def _finish_failed(work: _Work, reason: str) -> Outcome:
    with transaction.atomic():
        draft = _owned([work]).get(work.draft.pk)
        return Outcome.LOST_CLAIM if draft is None else _fail_locked(draft, reason)


def _fail_locked(draft: Draft, reason: str) -> Outcome:
    _move(draft, S.FAILED, by=None, reason=reason, failure_reason=reason, claim_token="", claimed_at=None)
    queueing.notify_author_of_failure_on_commit(draft.pk)
    return Outcome.FAILED


def _finish_published(works: list[_Work]) -> None:
    """The drafts with every post on X become published, together; one taken over is left to its new owner."""
    if not works:
        return
    now = timezone.now()
    with transaction.atomic():
        owned = _owned(works)
        by_reason = defaultdict(list)
        for work in works:
            if (draft := owned.get(work.draft.pk)) is None:
                continue
            draft.state, draft.updated_at, draft.claim_token, draft.publish_due_at = S.PUBLISHED, now, "", None
            draft.published_post_id, draft.published_at = work.posted[0], now
            count = len(work.posted)
            by_reason[f"Accepted by {draft.account.network_label}" + (f" ({count} posts)" if count > 1 else "")].append(
                draft
            )
            work.outcome = Outcome.PUBLISHED
        Draft.objects.bulk_update(
            owned.values(),
            ["state", "updated_at", "claim_token", "publish_due_at", "published_post_id", "published_at"],
        )
        for reason, drafts in by_reason.items():
            _record_moves([(draft, S.PUBLISHING) for draft in drafts], S.PUBLISHED, reason=reason)
