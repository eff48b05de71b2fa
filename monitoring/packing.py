"""Pack monitors' queries into as few `OR` queries as fit X's query-length limit (first-fit decreasing).

Each monitor's canonical query is wrapped in parentheses unless it is a single term, so `OR` cannot
change what it means; a shared suffix (our own handles excluded, since their mention timelines read those
posts already) is appended to every packed query, with the OR-group in parentheses before it.

With poll intervals, a packed query is polled at its fastest member's interval. Monitors are placed
fastest first, so slower monitors fill the room left in faster queries: that costs no call (the query is
polled anyway) and reads nothing twice (each query reads only what is new since its last poll), and it
leaves fewer queries for the slower monitors.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from twitter_api.query import parse

JOIN = " OR "


@dataclass(frozen=True)
class PackedQuery:
    monitor_ids: tuple[int, ...]
    query: str
    interval: int | None = None  # seconds between polls: the shortest of its monitors'

    @property
    def key(self) -> str:
        return hashlib.sha256(f"{self.monitor_ids}|{self.query}".encode()).hexdigest()[:40]


def wrapped(query: str) -> str:
    """The query as one side of an OR: canonical, and parenthesised when it is an AND."""
    return parse(query).or_operand()


def exclusion_suffix(handles: list[str]) -> str:
    return "".join(f" -@{h}" for h in sorted(handles, key=str.lower))


def build(parts: list[str], suffix: str) -> str:
    """OR the parts together; a shared suffix applies to the whole OR, so the OR is parenthesised."""
    if not suffix:
        return JOIN.join(parts)
    if len(parts) == 1:
        # A lone top-level OR must be grouped too, or "-@us" would bind to its last operand only.
        return parse(parts[0]).and_operand() + suffix
    return f"({JOIN.join(parts)}){suffix}"


def pack(
    monitors: list[tuple[int, str]], *, limit: int, suffix: str = "", intervals: dict[int, int] | None = None
) -> list[PackedQuery]:
    """First-fit decreasing: longest queries first, each into the first group it fits.

    With `intervals` (monitor id -> seconds), the fastest monitors go first, and a group is polled at the
    interval of the monitor that opened it (the fastest in it)."""
    intervals = intervals or {}
    items = sorted(
        ((wrapped(q), mid) for mid, q in monitors),
        key=lambda item: (intervals.get(item[1], 0), -len(item[0]), item[1]),
    )
    groups: list[list[tuple[str, int]]] = []
    bodies: list[int] = []  # the length of each group's parts joined by OR, without grouping or suffix
    overhead = 2 + len(suffix) if suffix else 0
    for part, mid in items:
        alone = len(build([part], suffix))
        if alone > limit:
            raise ValueError(f"Monitor {mid}'s query is {alone} characters, over the limit of {limit}.")
        for index, group in enumerate(groups):
            if bodies[index] + len(JOIN) + len(part) + overhead <= limit:
                group.append((part, mid))
                bodies[index] += len(JOIN) + len(part)
                break
        else:
            groups.append([(part, mid)])
            bodies.append(len(part))
    packed = []
    for group in groups:
        interval = intervals.get(group[0][1])  # the first placed is the fastest
        group.sort(key=lambda item: item[1])
        parts = [p for p, _ in group]
        query = build(parts, suffix)
        assert len(query) <= limit, query
        packed.append(PackedQuery(monitor_ids=tuple(m for _, m in group), query=query, interval=interval))
    return packed


def lower_bound(monitors: list[tuple[int, str]], *, limit: int) -> int:
    """Fewest queries any packing could use: total characters (with joiners) over the limit."""
    parts = [wrapped(q) for _, q in monitors]
    if not parts:
        return 0
    return math.ceil(len(JOIN.join(parts)) / limit)
