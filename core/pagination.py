"""Pages of long lists that cost the same however many rows match."""

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window

# Databases take OFFSET as a 64-bit integer, and no list is this long: a page further on is past the last page.
_FURTHEST_OFFSET = 2**62


def page_of(queryset: QuerySet, number: str | int | None, *, per_page: int, rows: QuerySet | None = None) -> Page:
    """The page asked for (as Paginator.get_page: out-of-range numbers give the last page), its rows loaded
    with the queryset's joins and prefetches, or from `rows`: a queryset of the same model with the joins
    the page needs, which then needn't repeat the filters (the ids come from `queryset`).

    The rows are sorted and cut to the page on the bare table, with the count of all of them alongside (a window
    count), and only that page's rows are joined: given the joins, PostgreSQL joins every matching row before it
    sorts and cuts. So two queries (the page's ids with the count, then its rows), plus the queryset's
    prefetches; and the filters, often the costly part to plan, are planned once. A number past the last page
    finds no ids, and costs a count and the last page's ids besides; only the queryset's own query runs when
    nothing matches at all.
    """
    bare = queryset.prefetch_related(None)
    ids = bare.values_list("pk", flat=True)
    paginator = Paginator(ids, per_page)
    requested = _requested(number)
    found = []
    start = (requested - 1) * per_page if requested is not None else 0
    # A window count would count the rows before DISTINCT; numbers below 1 are Paginator's to answer.
    if requested is not None and not queryset.query.distinct and start < _FURTHEST_OFFSET:
        counted = bare.annotate(_page_of_total=Window(Count("pk")))
        found = list(counted.values_list("pk", "_page_of_total")[start : start + per_page])
    if found or requested == 1:  # an empty first page: nothing matches
        paginator.count = found[0][1] if found else 0  # Paginator.count is a cached property: the window count
        page = paginator.page(requested)
        page_ids = [pk for pk, _ in found]
    else:
        page = paginator.get_page(number)
        page_ids = list(page.object_list)
    page.object_list = list((queryset if rows is None else rows).filter(pk__in=page_ids))
    return page


def _requested(number: str | int | None) -> int | None:
    """The page number asked for, as Paginator.get_page reads it: 1 for anything that is not a whole number; None
    for a number below 1 (which Paginator.get_page answers with the last page)."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        return 1
    return number if number >= 1 else None


def page_counted_up_to(
    queryset: QuerySet, number: str | int | None, *, per_page: int, up_to: int, rows: QuerySet | None = None
) -> Page:
    """The page asked for, with the rows that match counted only up to `up_to`: the database stops after that
    many (a window count reads every match, a million for a common word), so a search costs the same however
    many it finds. `page.more_than` is then how many there are known to be more than (0 when
    `page.paginator.count` is exact), and pages go on for as long as there are rows.

    One query for the ids (the first `up_to` + 1 of them, or from the page asked for on when that is further on;
    never a count), one for the page's rows (from `rows` if given, as page_of). A page past the last gives the
    first.
    """
    ids = queryset.prefetch_related(None).values_list("pk", flat=True)
    requested = min(_requested(number) or 1, _FURTHEST_OFFSET // per_page)
    start = (requested - 1) * per_page
    more_than = 0
    if start + per_page <= up_to:
        found = list(ids[: up_to + 1])
        counted = len(found)
        if counted > up_to:
            counted, more_than = up_to + 1, up_to
        if start >= counted and requested > 1:  # past the last page: the first
            requested, start = 1, 0
        page_ids = found[start : start + per_page]
    else:
        found = list(ids[start : start + per_page + 1])
        if not found:
            return page_counted_up_to(queryset, 1, per_page=per_page, up_to=up_to, rows=rows)
        counted = start + len(found)
        if len(found) > per_page:
            more_than = start + per_page
        page_ids = found[:per_page]
    paginator = Paginator(ids, per_page)
    paginator.count = counted  # a cached property: never counted by the paginator
    page = paginator.page(requested)
    page.more_than = more_than
    page.object_list = list((queryset if rows is None else rows).filter(pk__in=page_ids)) if page_ids else []
    return page
