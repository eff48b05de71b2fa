"""Pack monitors' queries into as few `OR` queries as fit X's query-length limit (first-fit decreasing).

Each monitor's canonical query is wrapped in parentheses unless it is a single term, so `OR` cannot
change what it means; a shared suffix (our own handles excluded, since their mention timelines read those
posts already) is appended to every packed query, with the OR-group in parentheses before it.
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

    @property
    def key(self) -> str:
        return hashlib.sha256(f"{self.monitor_ids}|{self.query}".encode()).hexdigest()[:40]


def wrapped(query: str) -> str:
    """The query as one side of an OR: canonical, and parenthesised when it is an AND."""
    return parse(query).or_operand()


def exclusion_suffix(handles: list[str]) -> str:
    return "".join(f" -@{h}" for h in sorted(handles, key=str.lower))


def packed_length(parts: list[str], suffix: str) -> int:
    body = sum(len(p) for p in parts) + len(JOIN) * (len(parts) - 1)
    if suffix:
        body += 2 if len(parts) > 1 else 0
        body += len(suffix)
    return body


def build(parts: list[str], suffix: str) -> str:
    body = JOIN.join(parts)
    if suffix:
        if len(parts) > 1:
            body = f"({body})"
        body += suffix
    return body


def pack(monitors: list[tuple[int, str]], *, limit: int, suffix: str = "") -> list[PackedQuery]:
    """First-fit decreasing: longest queries first, each into the first group it fits."""
    items = sorted(((wrapped(q), mid) for mid, q in monitors), key=lambda item: (-len(item[0]), item[1]))
    groups: list[list[tuple[str, int]]] = []
    lengths: list[int] = []
    for part, mid in items:
        alone = packed_length([part], suffix)
        if alone > limit:
            raise ValueError(f"Monitor {mid}'s query is {alone} characters, over the limit of {limit}.")
        for index, group in enumerate(groups):
            # Adding one part costs its length and a joiner (plus the parentheses when the group grows to two).
            extra = len(part) + len(JOIN) + (2 if suffix and len(group) == 1 else 0)
            if lengths[index] + extra <= limit:
                group.append((part, mid))
                lengths[index] += extra
                break
        else:
            groups.append([(part, mid)])
            lengths.append(alone)
    packed = []
    for group in groups:
        group.sort(key=lambda item: item[1])
        parts = [p for p, _ in group]
        packed.append(PackedQuery(monitor_ids=tuple(m for _, m in group), query=build(parts, suffix)))
    return packed


def lower_bound(monitors: list[tuple[int, str]], *, limit: int) -> int:
    """Fewest queries any packing could use: total characters (with joiners) over the limit."""
    parts = [wrapped(q) for _, q in monitors]
    if not parts:
        return 0
    return math.ceil(packed_length(parts, "") / limit)
