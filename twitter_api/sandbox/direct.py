"""The sandbox's direct messages: X's v2 dm_events shapes (spec 2.167 `DmEvent`), kept in the sandbox state.

A one-to-one conversation's id is the two participants' ids, smaller first, joined by a hyphen (as X's are).
`raw` events (the fault injection for hostile data) are served exactly as given, among the real ones.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from twitter_api.types import snowflake_for

DEFAULT_FIELDS = ("id", "event_type", "text")
# The `event_types` X accepts (spec 2.167); the sandbox makes MessageCreate events only.
DM_EVENT_TYPES = frozenset({"MessageCreate", "ParticipantsJoin", "ParticipantsLeave"})
ALL_FIELDS = frozenset({"id", "event_type", "text", "created_at", "dm_conversation_id", "sender_id", "participant_ids"})


def conversation_of(a: str, b: str) -> str:
    low, high = sorted((a, b), key=int)
    return f"{low}-{high}"


@dataclass
class DMEvent:
    id: int
    sender_id: str
    recipient_id: str
    text: str
    created_at: datetime
    raw: dict | None = None  # a malformed event, served as is

    @property
    def conversation_id(self) -> str:
        return conversation_of(self.sender_id, self.recipient_id)

    def involves(self, user_id: str) -> bool:
        return user_id in (self.sender_id, self.recipient_id)

    def render(self, fields: frozenset) -> dict:
        if self.raw is not None:
            return self.raw
        full = {
            "id": str(self.id),
            "event_type": "MessageCreate",
            "text": self.text,
            "created_at": self.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "dm_conversation_id": self.conversation_id,
            "sender_id": self.sender_id,
            "participant_ids": [self.sender_id, self.recipient_id],
        }
        wanted = set(DEFAULT_FIELDS) | (fields & ALL_FIELDS)
        return {k: v for k, v in full.items() if k in wanted}


@dataclass
class DirectMessages:
    events: list[DMEvent] = field(default_factory=list)  # in id order
    lock: threading.RLock = field(default_factory=threading.RLock)
    last_id: int = 0

    def _mint(self, when: datetime) -> int:
        self.last_id = max(self.last_id + 1, snowflake_for(when))
        return self.last_id

    def send(self, *, sender_id: str, recipient_id: str, text: str, created_at: datetime | None = None) -> DMEvent:
        with self.lock:
            when = created_at or datetime.now(tz=UTC)
            event = DMEvent(self._mint(when), sender_id, recipient_id, text, when)
            self.events.append(event)
            return event

    def inject_raw(self, *, recipient_id: str, raw: dict) -> DMEvent:
        """A malformed event for `recipient_id`'s dm_events (its id minted here if it has no usable one)."""
        with self.lock:
            event = DMEvent(self._mint(datetime.now(tz=UTC)), "0", recipient_id, "", datetime.now(tz=UTC), raw=raw)
            self.events.append(event)
            return event

    def page(self, *, user_id: str, conversation_id: str = "", before: int | None = None, limit: int = 100):
        """(events newest first, older ones left) of the user's events, or of one of their conversations."""
        with self.lock:
            found = []
            for event in reversed(self.events):
                if before is not None and event.id >= before:
                    continue
                if event.raw is not None:
                    if event.recipient_id != user_id or conversation_id:
                        continue
                elif not event.involves(user_id) or (conversation_id and event.conversation_id != conversation_id):
                    continue
                found.append(event)
                if len(found) > limit:
                    break
            return found[:limit], len(found) > limit

    def to_list(self) -> list[dict]:
        with self.lock:
            return [
                {
                    "id": e.id,
                    "sender_id": e.sender_id,
                    "recipient_id": e.recipient_id,
                    "text": e.text,
                    "created_at": e.created_at.isoformat(),
                }
                for e in self.events
                if e.raw is None
            ]

    def load_list(self, items: list[dict]) -> None:
        with self.lock:
            self.events = [
                DMEvent(
                    int(i["id"]), i["sender_id"], i["recipient_id"], i["text"], datetime.fromisoformat(i["created_at"])
                )
                for i in items
            ]
            self.last_id = max((e.id for e in self.events), default=0)
