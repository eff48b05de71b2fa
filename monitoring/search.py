"""Full-text search over mentions: their text, the author's handle and name.

PostgreSQL matches each word typed as the start of a word (`passp` finds "passport"), in one of two ways, chosen
by how many items the other filters leave:

- few (the open items, the default inbox: a few thousand at most): the team's items are read from their index
  and each one's mention is checked with a word-start regular expression (`(^|[^[:alnum:]])passp`), a
  microsecond or two a row;
- many (any status, closed items): the GIN index on `MENTION_SEARCH` (monitoring.models.Mention, migration 0008)
  finds the matching mentions first, planned on its own (a LIMIT keeps PostgreSQL from folding it into a join
  whose every row would run to_tsvector, which its planner prices far too cheaply: 4 s against 2 ms measured on
  the bench's million mentions).

SQLite, the demo's database, has no such index and looks for each word anywhere in the three fields. Either way every
word must match, and the words are read only as letters and digits, so nothing typed reaches a query language.

`highlighted` marks the words found in a text, escaping everything else, for the inbox rows.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet
from markupsafe import Markup, escape

MAX_TERMS = 8
MAX_TERM_LENGTH = 40
# The expression the GIN index is built on; a query must use the same one for PostgreSQL to use the index.
MENTION_SEARCH = SearchVector("text", "author_username", "author_name", config="simple")
_WORD = re.compile(r"[^\W_]+")


def search_terms(query: str) -> list[str]:
    """The words of a search, lower-cased, without repeats: letters and digits only, at most MAX_TERMS."""
    terms: list[str] = []
    for word in _WORD.findall(query or ""):
        word = word.lower()[:MAX_TERM_LENGTH]
        if word not in terms:
            terms.append(word)
        if len(terms) == MAX_TERMS:
            break
    return terms


# The most mentions a search of many items reads from the full-text index (far more than anyone pages through).
MAX_MATCHES = 200_000
FEW_MATCHES = 5_000
FIELDS = ("text", "author_username", "author_name")


def mentions_matching(terms: list[str]) -> QuerySet:
    """The mentions every term matches, from the full-text index."""
    from monitoring.models import Mention

    tsquery = " & ".join(f"{term}:*" for term in terms)
    found = Mention.objects.alias(found=MENTION_SEARCH).filter(
        found=SearchQuery(tsquery, config="simple", search_type="raw")
    )
    return found.order_by()


def _each_word(terms: list[str], lookup: str, pattern) -> Q:
    condition = Q()
    for term in terms:
        condition &= Q(*(Q(**{f"mention__{field}__{lookup}": pattern(term)}) for field in FIELDS), _connector=Q.OR)
    return condition


def items_matching(items: QuerySet, query: str, *, few: bool = False) -> QuerySet:
    """The inbox items among `items` whose mention matches every word of `query` (all of them if it has none).
    `few`: the other filters leave few items (the open ones), so each is checked rather than the index asked."""
    terms = search_terms(query)
    if not terms:
        return items
    if connection.vendor != "postgresql":
        return items.filter(_each_word(terms, "icontains", lambda term: term))
    if few:
        return items.filter(_each_word(terms, "iregex", lambda term: f"(^|[^[:alnum:]]){term}"))
    # The ids first when they are few (a handle, a rare word): PostgreSQL then looks each one's items up by index,
    # where given the subquery it expects thousands and reads every item of the team (2 ms against 480 ms).
    found = list(mentions_matching(terms).values_list("pk", flat=True)[: FEW_MATCHES + 1])
    if len(found) <= FEW_MATCHES:
        return items.filter(mention_id__in=found)
    return items.filter(mention_id__in=mentions_matching(terms).values("pk")[:MAX_MATCHES])


def highlighted(text: str, terms: list[str]) -> Markup:
    """`text` escaped, with each word that starts with a search term in <mark>."""
    if not terms:
        return escape(text)
    parts = _highlighting(tuple(terms)).split(text)  # text, word found, text, word found, ..., text
    if len(parts) == 1:
        return escape(text)
    # One Markup for the whole text, every part escaped (Markup.format per word cost most of a page's highlighting).
    html = "".join(f"<mark>{escape(part)}</mark>" if n % 2 else escape(part) for n, part in enumerate(parts) if part)
    return Markup(html)  # noqa: S704 - each part is escaped above


@lru_cache(maxsize=64)
def _highlighting(terms: tuple[str, ...]) -> re.Pattern:
    """The words starting with any of the terms (a page's fifty rows share one compiled pattern)."""
    return re.compile(r"(?<![^\W_])((?:" + "|".join(re.escape(t) for t in terms) + r")[^\W_]*)", re.IGNORECASE)
