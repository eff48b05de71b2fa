"""Direct messages into the inbox: one cursor per governed account, polled like its mention timeline.

A DM is stored as a Mention marked `is_direct_message` (X's dm_event id as its id) and arrives in the inbox of
the team owning the account it was sent to, as a private item (`InboxItem.is_private`): routing rules are for
public posts and never send a private message to another team; only a person passing the item on does.
The cursor protocol is ingest's: a lease claimed by a conditional UPDATE, then in ONE transaction what was read
is stored and the cursor's since_id advances, so a crash re-reads and never skips. dm_events takes no
since_id: the client reads newest first until it meets the newest event stored (twitter_api/direct.py).
A message that cannot be read or stored is set aside and counted; the rest of the page goes on.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from monitoring import ingest
from monitoring.models import InboxItem, Mention, MentionMatch, PollCursor, PollRun, Priority
from monitoring.routing import sentiment_of
from monitoring.sentiment import needs_attention
from monitoring.services import items_arrive
from twitter_api import direct as x_direct
from twitter_api.client import clean_text, metered_in_bulk
from twitter_api.errors import RateLimited, XApiError

log = logging.getLogger(__name__)

DM_TAG = "direct message"


def dm_cursors_sync(accounts, wanted_keys: set) -> None:
    """A direct-message cursor for each account whose credentials work (called by ingest.cursors_sync)."""
    for account in accounts:
        key = f"dm:{account.pk}"
        wanted_keys.add(key)
        PollCursor.objects.update_or_create(
            key=key,
            defaults={"kind": PollCursor.Kind.DIRECT, "account": account, "is_active": True},
            create_defaults={
                "kind": PollCursor.Kind.DIRECT,
                "account": account,
                "is_active": True,
                "interval_seconds": settings.MONITORING_TIMELINE_INTERVAL,
            },
        )


def dm_poll(cursor: PollCursor) -> ingest.PollOutcome:
    """Poll one account's direct messages once, if nobody else is. Safe to call twice or on several workers."""
    now = timezone.now()
    token = ingest._claim(cursor.pk, now)
    if token is None:
        return ingest.PollOutcome("busy")
    later = now + timedelta(seconds=cursor.interval_seconds)
    try:
        with metered_in_bulk():
            stream = x_direct.dm_events_pages(
                cursor.account, since_id=cursor.since_id, max_pages=ingest.max_pages(), context=cursor.context
            )
            return dm_store(cursor=cursor, token=token, stream=stream)
    except RateLimited as exc:
        ingest._release(cursor.pk, token, paused_until=exc.reset_at, last_error=exc.message)
        return ingest.PollOutcome("rate_limited", message=exc.message)
    except XApiError as exc:
        ingest._release(cursor.pk, token, next_poll_at=later, last_error=exc.message)
        return ingest.PollOutcome("error", message=exc.message)
    except Exception as exc:  # noqa: BLE001  (an unreadable answer must not stop the cursor or the job)
        log.exception("Unreadable direct messages from X for cursor %s", cursor.pk)
        ingest._release(cursor.pk, token, next_poll_at=later, last_error=str(exc)[:300])
        return ingest.PollOutcome("error", message=str(exc))


def _mention(message: x_direct.XDirectMessage) -> Mention:
    sender = message.sender
    text = clean_text(message.text)
    return Mention(
        tweet_id=int(message.id),
        text=text,
        posted_at=message.created_at,
        author_x_id=clean_text(message.sender_id)[:30],
        author_username=clean_text(sender.username if sender else "")[:50],
        author_name=clean_text(sender.name if sender else "")[:100],
        author_verified=bool(sender.verified) if sender else False,
        author_followers=max(0, int(sender.followers_count or 0)) if sender else 0,
        sentiment=sentiment_of(text),
        is_direct_message=True,
        dm_conversation_id=message.conversation_id[:64],
    )


def dm_store(*, cursor: PollCursor, token: str, stream) -> ingest.PollOutcome:
    """Store one poll's messages as private inbox items for the account's team, and advance the cursor."""
    now = timezone.now()
    with transaction.atomic():
        locked = PollCursor.objects.select_for_update().get(pk=cursor.pk)
        account = cursor.account
        skipped = 0
        rows: dict[int, Mention] = {}
        for page in stream:
            for message in page:
                if message.sender_id == account.x_user_id:
                    continue  # the account's own side of the conversation
                try:
                    mention = _mention(message)
                except Exception:  # noqa: BLE001  (one bad message never stops the rest)
                    log.warning("Set aside a direct message that could not be stored (id %s)", message.id)
                    skipped += 1
                    continue
                rows[mention.tweet_id] = mention
        known = set(Mention.objects.filter(tweet_id__in=rows).values_list("tweet_id", flat=True))
        new = [m for tweet_id, m in rows.items() if tweet_id not in known]
        Mention.objects.bulk_create(new, ignore_conflicts=True)
        ids = dict(Mention.objects.filter(tweet_id__in=[m.tweet_id for m in new]).values_list("tweet_id", "pk"))
        MentionMatch.objects.bulk_create(
            [MentionMatch(mention_id=pk, account=account, matched_at=now) for pk in ids.values()], ignore_conflicts=True
        )
        arrivals = []
        for mention in new:
            priority = Priority.HIGH if needs_attention(mention.text) else Priority.NORMAL
            due = InboxItem.due_for(priority, now)
            arrivals.append((ids[mention.tweet_id], account.team_id, account.pk, str(priority), due, [DM_TAG]))
        items_arrive(arrivals=arrivals, at=now)
        InboxItem.objects.filter(mention_id__in=ids.values()).update(is_private=True)
        run = PollRun.objects.create(
            cursor=locked,
            started_at=now,
            api_calls=stream.pages_read,
            posts_read=stream.events_read,
            posts_new=len(ids),
            skipped=skipped + stream.set_aside,
        )
        newest = max(locked.since_id or 0, stream.newest or 0) or None
        ingest._cursor_advance(
            locked, token, now, position={"since_id": newest, "backlog_until_id": None, "backlog_newest_id": None}
        )
        if stream.truncated:
            # dm_events cannot be read from an older point onwards (no until_id): say so rather than stay stuck.
            message = (
                f"Read {stream.pages_read} pages of direct messages without reaching the last one stored; "
                "older messages in between were not read."
            )
            PollCursor.objects.filter(pk=locked.pk).update(last_error=message)
            log.warning("Cursor %s: %s", locked.pk, message)
        ingest.usage_record(
            day=timezone.localdate(now),
            cursor=locked,
            member_ids=[],
            matches={},
            api_calls=run.api_calls,
            posts_read=run.posts_read,
        )
    return ingest.PollOutcome(
        "stored", posts_read=run.posts_read, posts_new=run.posts_new, api_calls=run.api_calls, skipped=run.skipped
    )
