"""X's refusals for money become one domain error, CreditsExhausted, whichever form X sends: HTTP 402 (`credits`),
or 429 with the `usage-capped` problem (either host); an ordinary 429 stays a rate limit."""

import json

import pytest
import requests
import tweepy

from twitter_api import client
from twitter_api.errors import CreditsExhausted, RateLimited


def test_a_post_refused_with_402_is_credits_exhausted(x_sandbox, dept):
    x_sandbox.state.set_credits(exhausted=True)
    with pytest.raises(CreditsExhausted) as refused:
        client.post_create(dept, text="No credits.")
    assert (refused.value.status_code, refused.value.usage_cap) == (402, False)
    assert "does not have any credits" in refused.value.detail
    assert "credits" in refused.value.message


def test_a_post_refused_with_429_usage_capped_is_credits_exhausted(x_sandbox, dept):
    x_sandbox.state.set_credits(exhausted=True, answer=429)
    with pytest.raises(CreditsExhausted) as refused:
        client.post_create(dept, text="No credits.")
    assert (refused.value.status_code, refused.value.usage_cap) == (429, True)


def test_reads_at_the_monthly_cap_are_credits_exhausted_and_writes_still_work(x_sandbox, dept):
    x_sandbox.state.set_credits(read_cap_reached=True)
    with pytest.raises(CreditsExhausted) as refused:
        client.search_recent("passport")
    assert refused.value.usage_cap
    with pytest.raises(CreditsExhausted):
        client.mentions_since(dept)
    assert client.post_create(dept, text="Writes go on.").id


def test_an_ordinary_429_is_a_rate_limit(x_sandbox, dept):
    x_sandbox.set_faults(force_429=1)
    with pytest.raises(RateLimited):
        client.post_create(dept, text="Later.")


def _http_error(status: int, body: dict) -> tweepy.HTTPException:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers["content-type"] = "application/problem+json"
    return tweepy.TooManyRequests(response) if status == 429 else tweepy.HTTPException(response)


@pytest.mark.parametrize(
    ("status", "body", "usage_cap"),
    [
        # As seen from X on pay-per-use (x-platform-2026.md section 1), on the older host.
        (
            429,
            {
                "account_id": "1",
                "product_name": "standard-basic",
                "title": "UsageCapExceeded",
                "period": "Monthly",
                "scope": "Product",
                "detail": "Usage cap exceeded: Monthly product cap",
                "type": "https://api.twitter.com/2/problems/usage-capped",
            },
            True,
        ),
        (
            402,
            {
                "account_id": "1",
                "title": "CreditsDepleted",
                "detail": "Your enrolled account [1] does not have any credits to fulfill this request.",
                "type": "https://api.twitter.com/2/problems/credits",
            },
            False,
        ),
        (402, {}, False),  # a 402 with no body we can read is still a refusal for money
    ],
)
def test_each_form_x_sends_is_recognised(status, body, usage_cap):
    refusal = client._money_refusal(_http_error(status, body))
    assert isinstance(refusal, CreditsExhausted)
    assert refusal.usage_cap is usage_cap


def test_a_429_without_usage_capped_is_not_a_refusal_for_money():
    body = {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}
    assert client._money_refusal(_http_error(429, body)) is None
