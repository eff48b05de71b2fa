"""Generations of the data behind the dashboard's slower panels, so their rendered HTML can be cached.

Each topic has a generation in the cache that changes whenever its data changes; a cached panel is keyed by
the generations it was built from, so a change makes every copy built before it unreachable at once, and
nothing has to know which copies exist. Saves and deletes of the topic's models change it through signals
(reports.apps); a service that writes in bulk, which sends no signals, calls `changed` itself.
"""

import logging
from uuid import uuid4

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

TOPICS = ("drafts", "monitors", "teams", "training")
PANEL_SECONDS = 300  # the longest a missed change can leave a panel stale (if a generation is ever lost)


def _key(topic: str) -> str:
    return f"dovecote:generation:{topic}"


def changed(*topics: str) -> None:
    """The topics' data changed: now, for the rest of this request, and again after commit, over any panel
    rendered from the data as it was before the commit."""
    unknown = set(topics) - set(TOPICS)
    if unknown:
        raise ValueError(f"Unknown topics: {', '.join(sorted(unknown))}")

    def bump() -> None:
        try:
            cache.set_many({_key(topic): uuid4().hex for topic in topics}, timeout=None)
        except Exception:  # noqa: BLE001 - a cache outage must not undo the change itself
            logger.warning("Could not mark %s as changed; cached panels may be stale for a while.", topics)

    bump()
    transaction.on_commit(bump)


def generations() -> dict[str, str]:
    """Every topic's current generation (one cache round trip)."""
    found = cache.get_many([_key(topic) for topic in TOPICS])
    return {topic: found.get(_key(topic), "0") for topic in TOPICS}
