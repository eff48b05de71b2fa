"""Full-text search over mentions: their text, the author's handle and name.

PostgreSQL matches each word typed as the start of a word (`passp` finds "passport") through a GIN index on
`MENTION_SEARCH` (monitoring.models.Mention, migration 0008); SQLite, the demo's database, has no such index and
looks for each word anywhere in the three fields instead. Either way every word must match, and the words are
read only as letters and digits, so nothing typed reaches the query language as an operator.

`highlighted` marks the words found in a text, escaping everything else, for the inbox rows.
"""

from __future__ import annotations

import re

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


def mention_ids_matching(terms: list[str]) -> QuerySet:
    """The ids of the mentions every term matches (a subquery for `mention_id__in`)."""
    from monitoring.models import Mention

    if connection.vendor == "postgresql":
        tsquery = " & ".join(f"{term}:*" for term in terms)
        found = Mention.objects.alias(found=MENTION_SEARCH).filter(
            found=SearchQuery(tsquery, config="simple", search_type="raw")
        )
    else:
        condition = Q()
        for term in terms:
            condition &= Q(text__icontains=term) | Q(author_username__icontains=term) | Q(author_name__icontains=term)
        found = Mention.objects.filter(condition)
    return found.order_by().values("pk")


def items_matching(items: QuerySet, query: str) -> QuerySet:
    """The inbox items among `items` whose mention matches every word of `query` (all of them if it has none)."""
    terms = search_terms(query)
    if not terms:
        return items
    return items.filter(mention_id__in=mention_ids_matching(terms))


def highlighted(text: str, terms: list[str]) -> Markup:
    """`text` escaped, with each word that starts with a search term in <mark>."""
    if not terms:
        return escape(text)
    pattern = re.compile(r"(?<![^\W_])(?:" + "|".join(re.escape(t) for t in terms) + r")[^\W_]*", re.IGNORECASE)
    parts: list[Markup] = []
    last = 0
    for found in pattern.finditer(text):
        parts.append(escape(text[last : found.start()]))
        parts.append(Markup("<mark>{}</mark>").format(found.group()))
        last = found.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)
