"""Generations of the data behind the dashboard's slower panels, so their rendered HTML can be cached.

Each topic has a generation in the cache that changes whenever its data changes; a cached panel is keyed by
the generations it was built from, so a change makes every copy built before it unreachable at once, and
nothing has to know which copies exist (or, with `kept`, an entry holds the generations it was built from and
is built again when they differ). Each app names its topics and the models behind them in its
`AppConfig.ready()` (`watch`), whose saves and deletes then change the topic through signals; a service that writes
in bulk, which sends no signals, calls `changed` itself.
"""

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar
from uuid import uuid4

from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Topic -> the models ("app_label.Model") whose saves and deletes change it, as the apps registered them.
TOPICS: dict[str, list[str]] = {}
PANEL_SECONDS = 300  # the longest a missed change can leave a panel stale (if a generation is ever lost)


def _key(topic: str) -> str:
    return f"dovecote:generation:{topic}"


def watch(topic: str, *labels: str) -> None:
    """Saves and deletes of these models change `topic` (which this makes known, if it is new)."""
    sources = TOPICS.setdefault(topic, [])

    def receiver(sender, **kwargs) -> None:
        changed(topic)

    for label in labels:
        if label not in sources:
            sources.append(label)
        model = apps.get_model(label)
        uid = f"core.freshness.{topic}.{label}"
        post_save.connect(receiver, sender=model, dispatch_uid=uid + ".saved", weak=False)
        post_delete.connect(receiver, sender=model, dispatch_uid=uid + ".deleted", weak=False)


def changed(*topics: str) -> None:
    """The topics' data changed: now, for the rest of this request, and again after commit, over any panel
    rendered from the data as it was before the commit."""
    unknown = set(topics) - TOPICS.keys()
    if unknown:
        raise ValueError(f"Unknown topics: {', '.join(sorted(unknown))}")

    def bump() -> None:
        try:
            cache.set_many({_key(topic): uuid4().hex for topic in topics}, timeout=None)
        except Exception:  # noqa: BLE001 - a cache outage must not undo the change itself
            logger.warning("Could not mark %s as changed; cached panels may be stale for a while.", topics)

    bump()
    transaction.on_commit(bump)


def generations(topics: Iterable[str] | None = None) -> dict[str, str]:
    """The topics' current generations, every topic's by default (one cache round trip, or none if they were
    read ahead: core.cache.read_ahead with `keys(topics)`)."""
    topics = list(TOPICS if topics is None else topics)
    found = cache.get_many(keys(topics))
    return {topic: found.get(_key(topic), "0") for topic in topics}


def keys(topics: Iterable[str]) -> list[str]:
    """The cache entries holding the topics' generations, to read ahead with the entries built from them."""
    return [_key(topic) for topic in topics]


def kept(key: str, topics: Iterable[str], build: Callable[[], T], *, timeout: int = PANEL_SECONDS) -> T:
    """`build()`, kept in the cache under `key` while the topics' generations stay what they were when it was
    built: the entry holds them beside the value, so a change to a topic makes the next read build it again, at
    once. Read ahead with `keys(topics)` (core.banners does, for every page's banners), the entry and the
    generations it is checked against come in one round trip, so being fresh costs no round trip or query more
    than being cached for a while did."""
    current = generations(topics)
    entry = cache.get(key)
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == current:
        return entry[1]
    value = build()
    # Built from the data as it was at or after these generations: a change committed meanwhile has changed one
    # of them again after its commit (`changed`), so this entry is not taken for fresh after it.
    cache.set(key, (current, value), timeout)
    return value
