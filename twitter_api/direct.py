"""Direct messages: X's v2 dm_events lookup and sending a message into a conversation, through the metered client.

Endpoints (X's OpenAPI description, `reference/x-openapi/openapi.json`, spec 2.167): `GET /2/dm_events`
(the account's DM events, newest first, `max_results` 1-100, `pagination_token`, `event_types`,
`dm_event.fields`, `expansions=sender_id`; no `since_id`, so a poll reads until it meets the newest event it
stored), `GET /2/dm_conversations/{id}/dm_events` (one conversation, to reconcile a send whose outcome is
unknown) and `POST /2/dm_conversations/{dm_conversation_id}/messages` (`{"text": ...}` → 201
`{"data": {"dm_conversation_id", "dm_event_id"}}`). User context only (OAuth 1.0a here).

Cost and limits: the 2026 reference's rate card lists no price for reading DM events over REST, only
`dm.received` at $0.010 per event delivered by the X Activity API, and its rate-limit table has no DM rows.
Every call is metered (twitter_api.client's adapter writes an ApiCall); each event returned is counted as a
resource read (X bills reads "per resource returned") at the post-read price, and each message sent as a
post created: the conservative reading until X publishes DM prices. Rate limits come from X's headers.

Data from X is hostile: an event that cannot be read is set aside and counted, never stopping the page.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

from twitter_api.client import (
    USER_FIELDS,
    Unreadable,
    _clamp,
    _json,
    _text,
    _translated_errors,
    data_items,
    included_users,
    parse_datetime,
    user_client,
    x_id,
)
from twitter_api.errors import Transient
from twitter_api.types import XUser, snowflake_time

log = logging.getLogger(__name__)

DM_EVENT_FIELDS = ["id", "text", "event_type", "created_at", "dm_conversation_id", "sender_id", "participant_ids"]
DM_EXPANSIONS = ["sender_id"]
# A one-to-one conversation's id is the two participants' ids joined by a hyphen; a group's is a number.
_CONVERSATION_ID = re.compile(r"^[0-9]{1,19}(?:-[0-9]{1,19})?$")
MAX_TEXT = 10_000  # X's limit on a direct message's text


@dataclass(frozen=True)
class XDirectMessage:
    id: str
    text: str
    sender_id: str
    conversation_id: str
    created_at: object  # datetime
    sender: XUser | None = None


def clean_conversation_id(value) -> str:
    """A DM conversation id as X writes it, or "" for anything else (it goes into a URL path)."""
    return value if type(value) is str and _CONVERSATION_ID.match(value) else ""


def parse_dm_event(data, users: dict[str, XUser] | None = None) -> XDirectMessage | None:
    """A received or sent message from X's JSON, cleaned; None for an event that is not a message (someone
    joining or leaving a group); raises Unreadable when it has no usable id, sender or text."""
    if type(data) is not dict:
        raise Unreadable(f"a DM event that is not an object: {data!r:.80}")
    event_id = x_id(data.get("id"))
    if event_id is None:
        raise Unreadable(f"a DM event with no usable id: {data.get('id')!r:.80}")
    event_type = data.get("event_type", "MessageCreate")
    if event_type != "MessageCreate":
        if type(event_type) is not str:
            raise Unreadable(f"an event type that is not a string: {event_type!r:.80}", event_id)
        return None
    sender_id = x_id(data.get("sender_id"))
    if sender_id is None:
        raise Unreadable("a message with no usable sender", event_id)
    text = data.get("text")
    if text is None and data.get("attachments"):
        text = "(an attachment with no text)"
    if type(text) is not str:
        raise Unreadable("a message with no text" if text is None else f"text that is not a string: {text!r:.80}")
    return XDirectMessage(
        id=event_id,
        text=_text(text)[:MAX_TEXT],
        sender_id=sender_id,
        conversation_id=clean_conversation_id(data.get("dm_conversation_id")),
        created_at=parse_datetime(data.get("created_at")) or snowflake_time(event_id),
        sender=(users or {}).get(sender_id),
    )


def parse_dm_page(payload: dict) -> tuple[list[XDirectMessage], int, int]:
    """(messages, events read, events set aside) of a dm_events page; newest first as X sends them."""
    users = included_users(payload)
    data = data_items(payload)
    messages, set_aside = [], 0
    for item in data:
        try:
            message = parse_dm_event(item, users)
        except Unreadable as exc:
            log.warning("Set aside a DM event from X as unreadable (id %s): %s", exc.item_id or "unknown", exc.reason)
            set_aside += 1
            continue
        if message is not None:
            messages.append(message)
    return messages, len(data), set_aside


class DMStream:
    """The account's DM events newer than `since_id`, a page at a time (newest first), up to `max_pages` pages.

    dm_events takes no since_id: reading stops at the first page that reaches it. `newest` is the newest event
    id seen (set-aside events included, so the cursor moves past them); `truncated` is True when the page limit
    came before since_id."""

    def __init__(self, account, *, since_id: int | None, max_pages: int, max_results: int = 100, context: str = ""):
        self.client = user_client(account, context=context)
        self.since_id = since_id or 0
        self.max_pages = max_pages
        self.max_results = _clamp(max_results, 1, 100)
        self.pages_read = self.events_read = self.set_aside = 0
        self.newest: int | None = None
        self.truncated = False

    def _fetch(self, token: str | None) -> dict:
        with _translated_errors():
            return _json(
                self.client.get_direct_message_events(
                    event_types=["MessageCreate"],
                    dm_event_fields=DM_EVENT_FIELDS,
                    expansions=DM_EXPANSIONS,
                    user_fields=USER_FIELDS,
                    max_results=self.max_results,
                    pagination_token=token,
                    user_auth=True,
                )
            )

    def __iter__(self) -> Iterator[list[XDirectMessage]]:
        token = None
        while True:
            payload = self._fetch(token)
            self.pages_read += 1
            messages, read, set_aside = parse_dm_page(payload)
            self.events_read += read
            self.set_aside += set_aside
            raw = payload.get("data") if isinstance(payload.get("data"), list) else []
            ids = [int(i) for i in (x_id(e.get("id")) for e in raw if isinstance(e, dict)) if i is not None]
            if ids:
                self.newest = max(self.newest or 0, *ids)
            yield [m for m in messages if int(m.id) > self.since_id]
            if ids and min(ids) <= self.since_id:
                return
            meta = payload.get("meta")
            token = meta.get("next_token") if isinstance(meta, dict) else None
            if not token or not isinstance(token, str):
                return
            if self.pages_read >= self.max_pages:
                self.truncated = True
                return


def dm_events_pages(account, *, since_id: int | None, max_pages: int, context: str = "") -> DMStream:
    return DMStream(account, since_id=since_id, max_pages=max_pages, context=context)


def dm_send(account, *, conversation_id: str, text: str, context: str = "") -> str:
    """Send a direct message as the account into a conversation; returns X's dm_event_id.

    Raises Transient(uncertain=True) when X accepted it without saying its id (reconcile before any retry)."""
    wanted = clean_conversation_id(conversation_id)
    if not wanted:
        raise ValueError(f"not a DM conversation id: {conversation_id!r:.80}")
    client = user_client(account, context=context)
    with _translated_errors():
        payload = _json(client.create_direct_message(dm_conversation_id=wanted, text=text, user_auth=True))
    data = payload.get("data")
    event_id = x_id(data.get("dm_event_id")) if isinstance(data, dict) else None
    if event_id is None:
        raise Transient(
            "X accepted the message but did not say its id; it will be checked before any retry.", uncertain=True
        )
    return event_id


def dm_conversation_events(account, *, conversation_id: str, context: str = "") -> list[XDirectMessage]:
    """The latest messages of one conversation (one page), to reconcile a send whose outcome is unknown."""
    wanted = clean_conversation_id(conversation_id)
    if not wanted:
        return []
    client = user_client(account, context=context)
    with _translated_errors():
        payload = _json(
            client.get_direct_message_events(
                dm_conversation_id=wanted,
                event_types=["MessageCreate"],
                dm_event_fields=DM_EVENT_FIELDS,
                max_results=100,
                user_auth=True,
            )
        )
    return parse_dm_page(payload)[0]
