"""Every HTTP request to X writes one ApiCall row: endpoint, account, context, status, counts, rate limits."""

from datetime import UTC, datetime

import pytest

from twitter_api import client
from twitter_api.errors import Forbidden, RateLimited, Transient
from twitter_api.models import ApiCall

pytestmark = pytest.mark.django_db


def rows():
    return list(ApiCall.objects.order_by("id"))


def test_a_post_is_metered_as_one_post_created(x_sandbox, dept):
    client.post_create(dept, text="Metered post", context="draft:7")

    (call,) = rows()
    assert (call.method, call.endpoint, call.status_code) == ("POST", "/2/tweets", 201)
    assert (call.posts_created, call.posts_read) == (1, 0)
    assert call.account == dept
    assert call.context == "draft:7"
    assert (call.rate_limit_limit, call.rate_limit_remaining) == (200, 199)
    assert call.rate_limit_reset > datetime.now(tz=UTC)
    assert call.duration_ms >= 0
    assert call.error == ""


def test_each_page_of_a_paginated_read_is_its_own_row_with_its_posts_counted(x_sandbox, dept):
    for n in range(12):
        x_sandbox.inject_post(f"citizen{n}", f"@DeptComms question {n}")

    client.mentions_since(dept, max_results=5, context="cursor:mentions:1")

    calls = rows()
    assert [(c.endpoint, c.posts_read) for c in calls] == [("/2/users/:id/mentions", n) for n in (5, 5, 2)]
    assert {c.context for c in calls} == {"cursor:mentions:1"}
    assert [c.rate_limit_remaining for c in calls] == [449, 448, 447]


def test_search_is_metered_without_an_account(x_sandbox):
    for n in range(3):
        x_sandbox.inject_post(f"citizen{n}", f"visa delays again {n}")

    client.search_recent("visa", context="monitor-pack:1")

    (call,) = rows()
    assert (call.endpoint, call.account, call.posts_read, call.context) == (
        "/2/tweets/search/recent",
        None,
        3,
        "monitor-pack:1",
    )


def test_an_empty_read_costs_nothing(x_sandbox, dept):
    client.mentions_since(dept)
    client.user_me(dept)

    assert [(c.endpoint, c.posts_read) for c in rows()] == [("/2/users/:id/mentions", 0), ("/2/users/me", 0)]


def test_refusals_are_metered_with_their_status_and_xs_explanation(x_sandbox, dept):
    client.post_create(dept, text="Twice")
    with pytest.raises(Forbidden):
        client.post_create(dept, text="Twice")
    x_sandbox.set_rate_limit("GET /2/users/me", 0)
    with pytest.raises(RateLimited):
        client.user_me(dept)

    refused, limited = rows()[1:]
    assert (refused.status_code, refused.posts_created) == (403, 0)
    assert "duplicate content" in refused.error
    assert (limited.status_code, limited.rate_limit_remaining) == (429, 0)


def test_a_request_that_never_got_an_answer_is_metered_without_a_status(x_sandbox, dept):
    x_sandbox.set_faults(drop_after_accept=1)
    with pytest.raises(Transient):
        client.post_create(dept, text="Lost answer")

    (call,) = rows()
    assert call.status_code is None
    assert call.posts_created == 0  # X's answer never came, so neither did the count
    assert "ConnectionError" in call.error


def test_totals_add_up_posts_and_cost(x_sandbox, dept, settings):
    settings.X_PRICE_PER_POST_READ = 0.005
    settings.X_PRICE_PER_POST_CREATED = 0.01
    for n in range(4):
        x_sandbox.inject_post(f"citizen{n}", f"@DeptComms hi {n}")
    client.mentions_since(dept)
    client.post_create(dept, text="Hello")

    assert ApiCall.objects.totals() == {"calls": 2, "posts_read": 4, "posts_created": 1, "cost": 0.03}
