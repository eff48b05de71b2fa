"""Pages of long lists that cost the same however many rows match."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def page_of(queryset: QuerySet, number: str | int | None, *, per_page: int, rows: QuerySet | None = None) -> Page:
    """The page asked for (as Paginator.get_page: out-of-range numbers give the last page), its rows loaded
    with the queryset's joins and prefetches, or from `rows`: a queryset of the same model with the joins
    the page needs, which then needn't repeat the filters (the ids come from `queryset`).

    The rows are sorted and cut to the page on the bare table, and only that page's rows are joined: given
    the joins, PostgreSQL joins every matching row before it sorts and cuts. Still two queries (the count and
    the rows; the page's ids are a subquery), plus the queryset's prefetches.
    """
    ids = queryset.prefetch_related(None).values_list("pk", flat=True)
    page = Paginator(ids, per_page).get_page(number)
    page.object_list = list((queryset if rows is None else rows).filter(pk__in=page.object_list))
    return page
