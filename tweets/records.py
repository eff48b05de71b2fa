"""Records of what happened to a published post on X after Dovecote published it (tweets.records_models.PostOnX).

`x_change_record` is the one way a record is written: by the own-post readers (a post X says is gone or edited), by
the receiver of `twitter_api.signals.account_activity` (X telling us a post was deleted) and by
`tweets.services.draft_retract` (every retraction: who, why, when, each post of the thread). A change told twice
(the same `event_id`) is recorded once; a deletion that Dovecote's own retraction caused is the retraction, recorded
once, not also as "deleted on X" (`retraction_started` marks the posts while X is asked, `retracted_post` says so).

What X tells us is hostile: the detail is cleaned (NULs removed, lone surrogates replaced, anything that is not JSON
made text) before it is kept.
"""

import logging
from datetime import datetime

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.services import audit_record
from tweets.models import Draft, PostOnX, PublishAttempt
from twitter_api.client import clean_text

logger = logging.getLogger(__name__)

K = PostOnX.Kind
MAX_DEPTH = 6  # deeper than any detail we write; what X nests beyond it is kept as text
RETRACTING_SECONDS = 15 * 60  # how long a post being retracted is recognised as such in X's delete events


def clean_detail(value, depth: int = 0):
    """`value` as JSON both PostgreSQL and SQLite keep: text cleaned, datetimes in ISO 8601, the rest as text."""
    if isinstance(value, str):
        return clean_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value if not isinstance(value, float) or value == value and abs(value) != float("inf") else None
    if isinstance(value, datetime):
        return value.isoformat()
    if depth >= MAX_DEPTH:
        return clean_text(repr(value))[:1000]
    if isinstance(value, dict):
        return {clean_text(str(key)): clean_detail(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clean_detail(item, depth + 1) for item in value]
    return clean_text(str(value))[:1000]


def x_change_record(
    *,
    draft: Draft,
    kind: str,
    seen_at: datetime | None,
    source: str,
    detail: dict | None,
    event_id: str | None = None,
) -> PostOnX | None:
    """Record one change to a published post on X (kind: PostOnX.Kind; source: PostOnX.Source; detail: see
    PostOnX.detail, with the post's X id under "post_id"). With an `event_id`, the same change told again returns
    the record already kept; a post is deleted once, so a second deletion of it (pushed, then polled) returns the
    first. A deletion that Dovecote's own retraction caused records nothing (None): the retraction is its record.
    Changes on X (not retractions, which draft_retract audits) are also written to the audit trail."""
    if kind not in K.values:
        raise ValueError(f"Unknown kind of change on X: {kind!r}")
    if source not in PostOnX.Source.values:
        raise ValueError(f"Unknown source of a change on X: {source!r}")
    event_id = clean_text(event_id)[:200] if isinstance(event_id, str) else ""
    if event_id:
        existing = PostOnX.objects.filter(event_id=event_id).first()
        if existing is not None:
            return existing
    detail = clean_detail(detail if isinstance(detail, dict) else {})
    post_id = detail.get("post_id")
    if kind == K.DELETED_ON_X and isinstance(post_id, str) and post_id:
        if retracted_post(draft, post_id):
            return None
        existing = PostOnX.objects.filter(draft=draft, kind=kind, x_post_id=post_id[:30]).first()
        if existing is not None:
            return existing
    if not isinstance(seen_at, datetime) or timezone.is_naive(seen_at):
        seen_at = timezone.now()
    record = PostOnX(
        draft=draft,
        kind=kind,
        source=source,
        x_post_id=post_id[:30] if isinstance(post_id, str) else "",
        seen_at=seen_at,
        detail=detail,
        event_id=event_id,
    )
    try:
        with transaction.atomic():
            record.save()
            if kind != K.RETRACTED:
                audit_record(
                    action=f"post.{kind}",
                    obj=draft,
                    team=draft.account.team,
                    actor_label="X",
                    details={"account": draft.account.handle, "source": source, **detail},
                )
    except IntegrityError:
        # Told twice at once: the other telling was kept.
        existing = PostOnX.objects.filter(event_id=event_id).first() if event_id else None
        if existing is None and kind == K.DELETED_ON_X and record.x_post_id:
            existing = PostOnX.objects.filter(draft=draft, kind=kind, x_post_id=record.x_post_id).first()
        if existing is None:
            raise
        return existing
    return record


def retraction_record(*, draft: Draft) -> PostOnX:
    """The record of a finished retraction (called by draft_retract with the draft just moved to retracted)."""
    by = draft.retracted_by
    posts = [
        {"position": position, "post_id": post_id, "deleted_at": deleted_at}
        for position, post_id, deleted_at in PublishAttempt.objects.filter(draft=draft, retracted_at__isnull=False)
        .order_by("position", "id")
        .values_list("position", "x_post_id", "retracted_at")
    ]
    if not posts and draft.published_post_id:
        posts = [{"position": 0, "post_id": draft.published_post_id, "deleted_at": draft.retracted_at}]
    return x_change_record(
        draft=draft,
        kind=K.RETRACTED,
        seen_at=draft.retracted_at,
        source=PostOnX.Source.RETRACTION,
        detail={
            "by_id": by.pk if by else None,
            "by": (by.get_full_name() or by.email) if by else "",
            "reason": draft.retraction_reason,
            "posts": posts,
        },
        event_id=f"retraction:{draft.pk}",
    )


def _retracting_key(post_id: str) -> str:
    return f"tweets:retracting:{post_id}"


def retraction_started(post_id: str) -> None:
    """Mark a post Dovecote is about to delete from X, so X's delete event for it is not taken for someone
    deleting it on X (the retraction records it). Best effort: while Redis is down, the attempt's `retracted_at`
    and the draft's state still say so once the retraction is recorded."""
    cache.set(_retracting_key(post_id), True, RETRACTING_SECONDS)


def retracted_post(draft: Draft, post_id: str) -> bool:
    """Whether a deletion of this post on X is Dovecote's own retraction of it."""
    if draft.state == Draft.State.RETRACTED:
        return True
    if PublishAttempt.objects.filter(draft=draft, x_post_id=post_id, retracted_at__isnull=False).exists():
        return True
    return bool(cache.get(_retracting_key(post_id)))


def published_draft_of(account_id: int, post_id: str) -> Draft | None:
    """The account's published (or retracted) draft one of whose posts X knows by `post_id`."""
    if not post_id:
        return None
    published = (Draft.State.PUBLISHED, Draft.State.RETRACTED)
    attempt = (
        PublishAttempt.objects.filter(
            x_post_id=post_id,
            state=PublishAttempt.State.SUCCEEDED,
            draft__account_id=account_id,
            draft__state__in=published,
        )
        .select_related("draft__account__team")
        .first()
    )
    if attempt is not None:
        return attempt.draft
    return (
        Draft.objects.filter(account_id=account_id, published_post_id=post_id, state__in=published)
        .select_related("account__team")
        .first()
    )


def post_deleted_on_x(
    *, account_id: int, post_id: str, seen_at: datetime | None, source: str, event_id: str | None = None
) -> PostOnX | None:
    """X says one of an account's posts is gone: recorded against its draft, unless it is not ours or Dovecote's
    own retraction deleted it (that retraction is its record)."""
    draft = published_draft_of(account_id, post_id)
    if draft is None:
        return None
    return x_change_record(
        draft=draft, kind=K.DELETED_ON_X, seen_at=seen_at, source=source, detail={"post_id": post_id}, event_id=event_id
    )
