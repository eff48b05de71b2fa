"""page_of: pages cut on the bare rows, then loaded with the queryset's joins and prefetches."""

from django.core.paginator import Paginator
from django.urls import reverse

from core.pagination import page_counted_up_to, page_of
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

    for asked in (99, "99", 0, "-1", "x", None, "2.5", 2, "2"):
        expected = Paginator(_drafts(), 3).get_page(asked)
        page = page_of(_drafts(), asked, per_page=3)
        assert page.number == expected.number, asked
        assert [d.pk for d in page.object_list] == [d.pk for d in expected.object_list], asked


def test_the_count_is_of_the_rows_that_match_also_when_distinct(db):
    drafts = [DraftFactory() for _ in range(5)]
    matching = _drafts().filter(pk__in=[d.pk for d in drafts[:4]])

    assert page_of(matching, 2, per_page=3).paginator.count == 4
    assert [d.pk for d in page_of(matching, 2, per_page=3).object_list] == [drafts[3].pk]
    assert page_of(matching.distinct(), 2, per_page=3).paginator.count == 4


def test_a_page_is_a_count_and_one_query_for_its_rows_with_their_joins(db, django_assert_num_queries):
    for _ in range(5):
        DraftFactory()

    with django_assert_num_queries(3):  # the page's ids with the count of all, its rows, the prefetch
        page = page_of(_drafts(), 1, per_page=3)
        texts = [d.current_revision.posts for d in page.object_list]

    assert len(texts) == 3


def test_an_empty_list_is_one_query(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = page_of(_drafts(), 1, per_page=3)
    assert (page.number, page.paginator.count, list(page.object_list)) == (1, 0, [])


def test_a_page_number_past_what_the_database_can_count_gives_the_last_page(db):
    for _ in range(4):
        DraftFactory()

    for asked in ("1000000000000000000000", 10**30, str(2**63 // 3)):
        page = page_of(_drafts(), asked, per_page=3)
        assert page.number == 2, asked
        assert len(page.object_list) == 1, asked


def test_every_list_paged_by_page_of_answers_a_huge_page_number_with_its_last_page(client, team, member, account):
    DraftFactory(account=account, author=member)
    client.force_login(member)

    for name in ("tweets:draft_list", "tweets:approval_queue", "tweets:published", "monitoring:inbox"):
        response = client.get(reverse(name), {"page": "1000000000000000000000"})
        assert response.status_code == 200, name


# --- page_counted_up_to: the count stops at a limit -------------------------------------------------------------


def _ids(page) -> list[int]:
    return [d.pk for d in page.object_list]


def test_a_count_up_to_a_limit_is_exact_below_it_and_a_floor_above_it(db):
    drafts = [DraftFactory() for _ in range(7)]

    exact = page_counted_up_to(_drafts(), 2, per_page=3, up_to=10)
    assert (exact.paginator.count, exact.more_than, exact.paginator.num_pages) == (7, 0, 3)
    assert _ids(exact) == [d.pk for d in drafts[3:6]]

    capped = page_counted_up_to(_drafts(), 1, per_page=3, up_to=4)
    assert capped.more_than == 4  # "more than 4"
    assert _ids(capped) == [d.pk for d in drafts[:3]]
    assert capped.has_next()


def test_pages_go_on_past_the_limit_for_as_long_as_there_are_rows(db):
    drafts = [DraftFactory() for _ in range(8)]

    pages = [page_counted_up_to(_drafts(), n, per_page=3, up_to=4) for n in (1, 2, 3)]

    assert [_ids(page) for page in pages] == [[d.pk for d in drafts[i : i + 3]] for i in (0, 3, 6)]
    assert [(page.has_next(), bool(page.more_than)) for page in pages] == [(True, True), (True, True), (False, False)]
    assert pages[2].paginator.count == 8  # the last page knows the whole count


def test_a_page_counted_up_to_a_limit_is_one_query_for_the_ids_and_one_for_the_rows(db, django_assert_num_queries):
    for _ in range(6):
        DraftFactory()

    for number in (1, 3):  # within the limit, and past it
        with django_assert_num_queries(3):  # the ids (never a count), the page's rows, the prefetch
            page = page_counted_up_to(_drafts(), number, per_page=2, up_to=3)
            assert len([d.current_revision.posts for d in page.object_list]) == 2


def test_a_page_past_the_last_or_not_a_number_gives_the_first(db):
    drafts = [DraftFactory() for _ in range(4)]

    for asked in (99, "99", 0, "-1", "x", None, "1000000000000000000000", 10**30):
        page = page_counted_up_to(_drafts(), asked, per_page=3, up_to=2)
        assert (page.number, _ids(page)) == (1, [d.pk for d in drafts[:3]]), asked


def test_nothing_found_is_an_empty_first_page(db):
    page = page_counted_up_to(_drafts(), 1, per_page=3, up_to=10)
    assert (page.number, page.paginator.count, page.more_than, page.object_list) == (1, 0, 0, [])
