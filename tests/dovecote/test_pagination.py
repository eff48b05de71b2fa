"""page_of: pages cut on the bare rows, then loaded with the queryset's joins and prefetches."""

from django.core.paginator import Paginator

from dovecote.pagination import page_of
from tests.tweets.factories import DraftFactory
from tweets.models import Draft


def _drafts():
    return Draft.objects.select_related("account", "current_revision").prefetch_related("approvals").order_by("id")


def test_it_gives_the_same_rows_in_the_same_order_as_paginator(db):
    for _ in range(7):
        DraftFactory()
    expected = Paginator(_drafts(), 3)

    for number in (1, 2, 3):
        page = page_of(_drafts(), number, per_page=3)
        assert [d.pk for d in page.object_list] == [d.pk for d in expected.page(number).object_list]
        assert (page.number, page.paginator.count, page.paginator.num_pages) == (number, 7, 3)


def test_a_page_number_out_of_range_or_not_a_number_gives_a_real_page(db):
    for _ in range(4):
        DraftFactory()

    assert page_of(_drafts(), 99, per_page=3).number == 2
    assert page_of(_drafts(), "x", per_page=3).number == 1


def test_a_page_is_a_count_and_one_query_for_its_rows_with_their_joins(db, django_assert_num_queries):
    for _ in range(5):
        DraftFactory()

    with django_assert_num_queries(3):  # count, rows (ids as a subquery), the prefetch
        page = page_of(_drafts(), 1, per_page=3)
        texts = [d.current_revision.posts for d in page.object_list]

    assert len(texts) == 3
