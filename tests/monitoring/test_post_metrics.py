"""Own posts' figures, read from X at 1 h, 24 h and 7 days after publishing: due snapshots found by the sweep, read
100 posts a call within the read budget, kept once per post and checkpoint, paused while the budget is used up or X
refuses reads for money (taken later, or skipped once late), and what a read shows (a post gone, a post edited)
recorded."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from accounts.models import AuditEvent
from monitoring import post_metrics
from monitoring.models import ReadBudget
from tests.tweets.factories import DraftFactory
from tweets import services
from tweets.models import Draft, PostMetrics, PostOnX
from twitter_api import prices
from twitter_api.models import ApiCall, CreditsBlock
from twitter_api.sandbox.metrics import figures_for, post_edit
from twitter_api.types import snowflake_for

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 14, 9, 0, tzinfo=UTC)  # after the fixtures' memberships begin
MONTH = T0.date().replace(day=1)
S = PostMetrics.Status


@pytest.fixture(autouse=True)
def _in_process(settings):
    settings.RQ_ASYNC = False
    settings.POST_METRICS_CHECKPOINTS_HOURS = [1, 24, 168]


@pytest.fixture
def personal(team, lead, x_sandbox):
    from accounts.models import TwitterAccount
    from tests.factories import TwitterAccountFactory

    account = TwitterAccountFactory(team=team, kind=TwitterAccount.Kind.PERSONAL, responsible_person=lead)
    x_sandbox.register_account(account)
    return account


def publish(member, account, django_capture_on_commit_callbacks, posts, at=T0) -> Draft:
    with time_machine.travel(at, tick=False):
        draft = services.draft_create(author=member, account=account, posts=posts)
        with django_capture_on_commit_callbacks(execute=True):
            services.draft_submit(draft=draft, by=member)
    draft.refresh_from_db()
    assert draft.state == Draft.State.PUBLISHED
    return draft


@pytest.fixture
def post(member, personal, django_capture_on_commit_callbacks):
    return publish(member, personal, django_capture_on_commit_callbacks, ["Flood defences guidance is out today."])


def lookups(x_sandbox) -> list[tuple[str, int | None]]:
    return [(m, s) for m, p, s in x_sandbox.requests if p == "/2/tweets" and m == "GET"]


def read_at(when, account):
    with time_machine.travel(when, tick=False):
        return post_metrics.post_metrics_read(account_id=account.pk)


def sweep_at(when):
    with time_machine.travel(when, tick=False):
        return post_metrics.post_metrics_sweep()


def test_nothing_is_due_before_the_first_checkpoint(post, x_sandbox):
    assert sweep_at(T0 + timedelta(minutes=59)) == []
    assert lookups(x_sandbox) == []


def test_each_checkpoint_is_taken_once_with_figures_growing_with_the_posts_age(post, personal, x_sandbox):
    stored = x_sandbox.state.by_id[post.published_post_id]
    assert sweep_at(T0 + timedelta(hours=1, minutes=5)) == [personal.pk]

    outcome = read_at(T0 + timedelta(hours=1, minutes=5), personal)

    assert (outcome.status, outcome.taken, outcome.posts_read) == ("read", 1, 1)
    first = PostMetrics.objects.get()
    expected = figures_for(stored, T0 + timedelta(hours=1, minutes=5))
    assert (first.draft, first.account, first.x_post_id, first.checkpoint_hours, first.status) == (
        post,
        personal,
        post.published_post_id,
        1,
        S.TAKEN,
    )
    assert (first.impressions, first.likes, first.replies, first.reposts) == (
        expected["impressions"],
        expected["likes"],
        expected["replies"],
        expected["reposts"],
    )
    assert first.impressions > 0 and first.link_clicks == 0  # under 30 days: X gives link clicks (none: no link)

    # Run twice: nothing more is due, nothing more is read (or paid for).
    assert sweep_at(T0 + timedelta(hours=1, minutes=10)) == []
    assert read_at(T0 + timedelta(hours=1, minutes=10), personal).status == "nothing"
    assert len(lookups(x_sandbox)) == 1

    assert sweep_at(T0 + timedelta(hours=24, minutes=1)) == [personal.pk]
    read_at(T0 + timedelta(hours=24, minutes=1), personal)
    read_at(T0 + timedelta(days=7, minutes=1), personal)
    rows = list(PostMetrics.objects.order_by("checkpoint_hours"))
    assert [(r.checkpoint_hours, r.status) for r in rows] == [(1, S.TAKEN), (24, S.TAKEN), (168, S.TAKEN)]
    assert rows[0].impressions < rows[1].impressions < rows[2].impressions
    # Every read metered, at X's price per post read.
    calls = ApiCall.objects.filter(endpoint="/2/tweets", method="GET")
    assert calls.count() == 3 and all(c.posts_read == 1 and c.cost == prices.metrics_cost(1) > 0 for c in calls)


def test_a_thread_has_figures_for_each_of_its_posts(member, personal, x_sandbox, django_capture_on_commit_callbacks):
    thread = publish(member, personal, django_capture_on_commit_callbacks, ["One of two.", "Two of two."])

    read_at(T0 + timedelta(hours=1, minutes=1), personal)

    assert sorted(PostMetrics.objects.filter(draft=thread).values_list("position", flat=True)) == [0, 1]
    assert len(lookups(x_sandbox)) == 1  # both in one call


def test_a_checkpoint_not_read_by_twice_its_time_is_skipped_and_the_next_is_taken(post, personal, x_sandbox):
    assert sweep_at(T0 + timedelta(hours=25)) == [personal.pk]

    read_at(T0 + timedelta(hours=25), personal)

    rows = {r.checkpoint_hours: r for r in PostMetrics.objects.all()}
    assert rows[1].status == S.SKIPPED and rows[1].impressions is None
    assert rows[1].reason.startswith("Not read in time")
    assert rows[24].status == S.TAKEN


def published_rows(account, n: int, x_sandbox, at=T0) -> list[Draft]:
    """n posts the account published at `at`, on X and in Dovecote (rows made directly: not what this is about)."""
    user = x_sandbox.state.users[account.x_user_id]
    drafts = []
    with time_machine.travel(at, tick=False):
        for k in range(n):
            stored = x_sandbox.state.add_post(author=user, text=f"Post number {k}.", num=snowflake_for(at, k))
            drafts.append(
                DraftFactory(
                    account=account,
                    author=account.responsible_person,
                    state=Draft.State.PUBLISHED,
                    published_post_id=stored.post.id,
                    published_at=at,
                )
            )
    return drafts


def test_reads_go_a_hundred_posts_a_call(personal, x_sandbox):
    published_rows(personal, 150, x_sandbox)

    outcome = read_at(T0 + timedelta(hours=1, minutes=1), personal)

    assert (outcome.taken, outcome.posts_read) == (150, 150)
    assert len(lookups(x_sandbox)) == 2
    assert sorted(ApiCall.objects.filter(endpoint="/2/tweets").values_list("posts_read", flat=True)) == [50, 100]


def test_nothing_is_read_while_the_budget_is_used_up_and_late_snapshots_are_skipped(post, personal, x_sandbox):
    ReadBudget.objects.create(month=MONTH, posts_limit=0)

    assert sweep_at(T0 + timedelta(hours=1, minutes=1)) == []
    outcome = read_at(T0 + timedelta(hours=1, minutes=1), personal)

    assert outcome.status == "paused" and "budget" in outcome.message
    assert lookups(x_sandbox) == [] and not PostMetrics.objects.exists()
    sweep_at(T0 + timedelta(hours=2, minutes=1))
    skipped = PostMetrics.objects.get()
    assert (skipped.checkpoint_hours, skipped.status) == (1, S.SKIPPED)
    assert "read budget" in skipped.reason


def test_the_read_stops_at_what_is_left_of_the_budget(personal, x_sandbox):
    published_rows(personal, 5, x_sandbox)
    ReadBudget.objects.create(month=MONTH, posts_limit=3)

    outcome = read_at(T0 + timedelta(hours=1, minutes=1), personal)

    assert outcome.posts_read == 3
    assert PostMetrics.objects.count() == 3
    assert read_at(T0 + timedelta(hours=1, minutes=2), personal).status == "paused"


def test_when_x_refuses_reads_for_money_reading_stops_until_credits_are_restored(post, personal, x_sandbox):
    x_sandbox.state.set_credits(read_cap_reached=True)

    outcome = read_at(T0 + timedelta(hours=1, minutes=1), personal)

    assert outcome.status == "paused"
    assert CreditsBlock.objects.open().get().scope == "reads"
    assert AuditEvent.objects.filter(action="x.credits_exhausted").exists()
    assert sweep_at(T0 + timedelta(hours=1, minutes=6)) == []
    assert read_at(T0 + timedelta(hours=1, minutes=6), personal).status == "paused"
    assert lookups(x_sandbox) == [("GET", 429)]  # asked once, then not while blocked
    assert not PostMetrics.objects.exists()


def test_a_post_gone_from_x_is_recorded_as_deleted_and_no_longer_read(post, personal, x_sandbox):
    user = x_sandbox.state.users[personal.x_user_id]
    x_sandbox.state.delete_post(author=user, post_id=post.published_post_id)

    outcome = read_at(T0 + timedelta(hours=1, minutes=1), personal)

    assert outcome.gone == 1
    assert PostMetrics.objects.get().status == S.GONE
    record = PostOnX.objects.get()
    assert (record.draft, record.kind, record.source, record.x_post_id) == (
        post,
        PostOnX.Kind.DELETED_ON_X,
        PostOnX.Source.POLL,
        post.published_post_id,
    )
    assert post_metrics.snapshots_outstanding(T0 + timedelta(days=3)) == []


def test_a_post_edited_on_x_is_recorded_once_however_often_it_is_read(post, personal, x_sandbox):
    with time_machine.travel(T0 + timedelta(minutes=20), tick=False):
        edited = post_edit(x_sandbox.state, post_id=post.published_post_id, text="Flood defence guidance is out.")

    read_at(T0 + timedelta(hours=1, minutes=1), personal)
    read_at(T0 + timedelta(hours=24, minutes=1), personal)

    record = PostOnX.objects.get()
    assert (record.draft, record.kind, record.source) == (post, PostOnX.Kind.EDITED_ON_X, PostOnX.Source.POLL)
    assert record.detail["new_post_ids"] == [edited.post.id]
    assert record.detail["text_on_x"] == "Flood defences guidance is out today."
    assert PostMetrics.objects.filter(status=S.TAKEN).count() == 2


def test_a_retracted_post_is_not_read(post, personal, x_sandbox):
    Draft.objects.filter(pk=post.pk).update(state=Draft.State.RETRACTED)

    assert sweep_at(T0 + timedelta(hours=1, minutes=1)) == []


def test_two_readers_at_once_read_once(post, personal, x_sandbox):
    from django.core.cache import cache

    cache.add(f"dovecote:post-metrics:{personal.pk}", 1, 60)  # another worker is reading

    assert read_at(T0 + timedelta(hours=1, minutes=1), personal).status == "busy"
    assert lookups(x_sandbox) == []


def test_the_sweep_enqueues_one_read_per_account_on_the_poll_queue(
    post, personal, x_sandbox, django_capture_on_commit_callbacks
):
    from monitoring import jobs

    with time_machine.travel(T0 + timedelta(hours=1, minutes=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert jobs.post_metrics_sweep() == 1

    assert PostMetrics.objects.get().status == S.TAKEN


def test_hostile_answers_from_x_lose_nothing_else(personal, x_sandbox):
    drafts = published_rows(personal, 3, x_sandbox)
    mangled, fine = drafts[0].published_post_id, drafts[1].published_post_id
    x_sandbox.set_faults(
        malformed=[
            {"post": {"id": mangled, "text": "\x00", "public_metrics": {"like_count": "lots", "impression_count": -5}}},
            {"post": {"id": ["not", "an", "id"], "public_metrics": "nothing"}},
            {"post": "not even an object"},
        ]
    )

    outcome = read_at(T0 + timedelta(hours=1, minutes=1), personal)

    assert outcome.status == "read" and outcome.taken == 3
    rows = {r.x_post_id: r for r in PostMetrics.objects.all()}
    assert (rows[mangled].likes, rows[mangled].impressions, rows[mangled].link_clicks) == (None, None, None)
    assert rows[fine].impressions > 0 and rows[fine].link_clicks == 0
    assert not PostOnX.objects.exists()  # a mangled answer is not a deletion


def test_the_usage_page_shows_what_reading_the_figures_cost(client, post, personal, lead, x_sandbox, outsider):
    read_at(T0 + timedelta(hours=1, minutes=1), personal)

    client.force_login(lead)
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        body = client.get("/monitoring/usage/").content.decode()
    assert f"Figures of @{personal.handle}'s posts" in body
    client.force_login(outsider)
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        assert f"@{personal.handle}" not in client.get("/monitoring/usage/").content.decode()
