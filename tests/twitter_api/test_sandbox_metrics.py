"""The sandbox's own-post figures: deterministic from the post's id and age, growing with age, non-public ones only
for the author and only under 30 days, read through twitter_api.metrics as Dovecote reads X."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.factories import TwitterAccountFactory
from twitter_api.metrics import metrics_read
from twitter_api.sandbox.metrics import figures_for
from twitter_api.types import snowflake_for

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 12, 14, 9, 0, tzinfo=UTC)


@pytest.fixture
def account(x_sandbox):
    account = TwitterAccountFactory()
    x_sandbox.register_account(account)
    return account


def own_post(x_sandbox, account, text="Our news.", at=T0):
    user = x_sandbox.state.users[account.x_user_id]
    with time_machine.travel(at, tick=False):
        return x_sandbox.state.add_post(author=user, text=text, created_at=at, num=snowflake_for(at))


def test_figures_are_the_same_for_the_same_post_and_age_and_grow_with_age(x_sandbox, account):
    stored = own_post(x_sandbox, account, "Read more at https://www.gov.uk/example")
    ages = [timedelta(hours=h) for h in (1, 24, 168)]

    first = [figures_for(stored, T0 + age) for age in ages]

    assert first == [figures_for(stored, T0 + age) for age in ages]
    assert first[0]["impressions"] < first[1]["impressions"] < first[2]["impressions"]
    assert all(f["link_clicks"] > 0 for f in first[1:])  # a post with a link gets clicks
    assert figures_for(stored, T0)["impressions"] == 0


def test_the_author_reads_link_clicks_under_30_days_and_only_public_figures_after(x_sandbox, account):
    recent = own_post(x_sandbox, account, "Recent https://www.gov.uk/a")
    old = own_post(x_sandbox, account, "Old https://www.gov.uk/b", at=T0 - timedelta(days=40))

    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        found = metrics_read(account, post_ids=[recent.post.id, old.post.id])

    assert found.figures[recent.post.id].link_clicks == figures_for(recent, T0 + timedelta(days=2))["link_clicks"]
    assert found.figures[old.post.id].link_clicks is None
    assert found.figures[old.post.id].impressions == figures_for(old, T0 + timedelta(days=2))["impressions"]
    assert found.calls == 2  # the older post asked without the non-public fields X would refuse


def test_someone_elses_post_has_only_public_figures(x_sandbox, account):
    theirs = x_sandbox.inject_post("citizen_jo", "Not the department's https://example.org", created_at=T0)

    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        found = metrics_read(account, post_ids=[theirs["id"]])

    assert found.figures[theirs["id"]].link_clicks is None
    assert found.figures[theirs["id"]].impressions > 0
