"""Polling jobs: cursors advance with what they store, crashes lose nothing, and posts are stored once."""

import threading
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from monitoring import ingest, storage
from monitoring.jobs import poll_cycle
from monitoring.models import InboxItem, Mention, MentionMatch, PollCursor, PollRun
from tests.monitoring.factories import MonitorFactory
from twitter_api.models import ApiCall

pytestmark = pytest.mark.django_db


@pytest.fixture
def triage(settings):
    from tests.factories import TeamFactory

    settings.TRIAGE_TEAM_SLUG = "triage"
    return TeamFactory(name="Triage", slug="triage")


def search_cursor():
    return PollCursor.objects.get(kind=PollCursor.Kind.SEARCH, is_active=True)


def test_a_poll_stores_each_post_once_with_its_matches_and_routes_it(x_sandbox, team, triage):
    MonitorFactory(team=team, query="passport")
    x_sandbox.inject_post("alice", "Where is my passport?")
    x_sandbox.inject_post("bob", "Lovely weather")
    ingest.cursors_sync()
    outcome = ingest.cursor_poll(cursor_id=search_cursor().pk)
    assert (outcome.status, outcome.posts_new) == ("stored", 1)
    mention = Mention.objects.get()
    assert mention.author_username == "alice" and mention.lang == "en"
    assert MentionMatch.objects.filter(mention=mention, monitor__isnull=False).count() == 1
    assert InboxItem.objects.get().team == triage
    assert search_cursor().since_id == mention.tweet_id


def test_the_next_poll_reads_only_newer_posts(x_sandbox, team, triage):
    MonitorFactory(team=team, query="passport")
    x_sandbox.inject_post("alice", "passport one")
    ingest.cursors_sync()
    ingest.cursor_poll(cursor_id=search_cursor().pk)
    x_sandbox.inject_post("alice", "passport two")
    outcome = ingest.cursor_poll(cursor_id=search_cursor().pk)
    assert (outcome.posts_read, outcome.posts_new) == (1, 1)
    assert Mention.objects.count() == 2


def test_a_worker_killed_between_reading_and_committing_loses_and_duplicates_nothing(x_sandbox, team, triage):
    MonitorFactory(team=team, query="passport")
    for n in range(5):
        x_sandbox.inject_post("alice", f"passport question {n}")
    ingest.cursors_sync()
    cursor = search_cursor()

    real_write = storage.chunk_write

    def write_then_die(*args, **kwargs):
        real_write(*args, **kwargs)
        raise SystemExit("worker killed")

    with mock.patch.object(storage, "chunk_write", side_effect=write_then_die), pytest.raises(SystemExit):
        ingest.cursor_poll(cursor_id=cursor.pk)
    assert Mention.objects.count() == 0
    cursor.refresh_from_db()
    assert cursor.since_id is None
    # The dead worker's lease runs out; the next poll reads the same posts again.
    PollCursor.objects.filter(pk=cursor.pk).update(lease_until=timezone.now() - timezone.timedelta(seconds=1))
    outcome = ingest.cursor_poll(cursor_id=cursor.pk)
    assert (outcome.status, outcome.posts_new) == ("stored", 5)
    assert Mention.objects.count() == 5
    assert InboxItem.objects.count() == 5
    again = ingest.cursor_poll(cursor_id=cursor.pk)
    assert again.status == "busy" or again.posts_new == 0
    assert Mention.objects.count() == 5


def test_a_routed_post_reaches_its_team_with_the_rules_priority_tags_and_due_time(x_sandbox, team, triage):
    from tests.monitoring.factories import RoutingRuleFactory

    monitor = MonitorFactory(team=team, query="passport")
    RoutingRuleFactory(monitor=monitor, route_to=team, priority="urgent", tags="passports, complaint")
    x_sandbox.inject_post("alice", "passport lost again")
    ingest.cursors_sync()
    started = timezone.now()
    ingest.cursor_poll(cursor_id=search_cursor().pk)
    item = InboxItem.objects.get()
    assert (item.team, item.priority, item.status) == (team, "urgent", "new")
    assert sorted(item.tags.values_list("name", flat=True)) == ["complaint", "passports"]
    assert item.due_at - item.created_at == timezone.timedelta(hours=2)
    assert item.created_at >= started


def test_a_tag_longer_than_its_column_is_cut_rather_than_failing_the_poll(x_sandbox, team, triage):
    from tests.monitoring.factories import RoutingRuleFactory

    monitor = MonitorFactory(team=team, query="passport")
    RoutingRuleFactory(monitor=monitor, route_to=team, tags="x" * 60)
    x_sandbox.inject_post("alice", "passport lost again")
    ingest.cursors_sync()
    assert ingest.cursor_poll(cursor_id=search_cursor().pk).status == "stored"
    assert list(InboxItem.objects.get().tags.values_list("name", flat=True)) == ["x" * 50]


def test_a_post_read_again_by_a_later_poll_gains_no_second_item_or_match(x_sandbox, team, triage):
    monitor = MonitorFactory(team=team, query="passport")
    x_sandbox.inject_post("alice", "passport lost again")
    ingest.cursors_sync()
    ingest.cursor_poll(cursor_id=search_cursor().pk)
    PollCursor.objects.update(since_id=None, next_poll_at=timezone.now())
    outcome = ingest.cursor_poll(cursor_id=search_cursor().pk)
    assert (outcome.posts_read, outcome.posts_new) == (1, 0)
    assert (Mention.objects.count(), InboxItem.objects.count()) == (1, 1)
    assert list(MentionMatch.objects.values_list("monitor", flat=True)) == [monitor.pk]


def test_a_poll_switches_threads_promptly_while_it_reads_and_restores_the_interval_after(x_sandbox, team, triage):
    import sys

    MonitorFactory(team=team, query="passport")
    x_sandbox.inject_post("alice", "passport lost again")
    ingest.cursors_sync()
    before = sys.getswitchinterval()
    during = []
    real_write = storage.chunk_write

    def write(*args, **kwargs):
        during.append(sys.getswitchinterval())
        return real_write(*args, **kwargs)

    with mock.patch.object(storage, "chunk_write", side_effect=write):
        ingest.cursor_poll(cursor_id=search_cursor().pk)
    assert during == [min(before, 0.0005)]
    assert sys.getswitchinterval() == before


def test_a_poll_keeps_the_heap_it_found_out_of_garbage_collection_and_gives_it_back_after(x_sandbox, team, triage):
    import gc

    MonitorFactory(team=team, query="passport")
    x_sandbox.inject_post("alice", "passport lost again")
    ingest.cursors_sync()
    during = []
    real_write = storage.chunk_write

    def write(*args, **kwargs):
        during.append(gc.get_freeze_count())
        return real_write(*args, **kwargs)

    assert gc.get_freeze_count() == 0
    with mock.patch.object(storage, "chunk_write", side_effect=write):
        assert ingest.cursor_poll(cursor_id=search_cursor().pk).status == "stored"
    assert len(during) == 1 and during[0] > 0
    assert gc.get_freeze_count() == 0


def test_a_poll_leaves_a_heap_the_process_froze_itself_frozen(x_sandbox, team, triage):
    import gc

    MonitorFactory(team=team, query="passport")
    x_sandbox.inject_post("alice", "passport lost again")
    ingest.cursors_sync()
    gc.freeze()
    try:
        with mock.patch.object(gc, "unfreeze", wraps=gc.unfreeze) as unfreeze:
            assert ingest.cursor_poll(cursor_id=search_cursor().pk).status == "stored"
        assert not unfreeze.called and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("mentions_source", ["timeline", "search"])
def test_a_post_found_by_a_timeline_and_a_search_is_stored_once_with_both_matches(
    x_sandbox, team, account, settings, mentions_source
):
    settings.MONITORING_MENTIONS_SOURCE = mentions_source
    settings.MONITORING_EXCLUDE_OWN_MENTIONS = False
    x_sandbox.register_account(account)
    MonitorFactory(team=team, query="refund")
    x_sandbox.inject_post("alice", f"@{account.handle} where is my refund")
    ingest.cursors_sync()
    for cursor in PollCursor.objects.filter(is_active=True):
        ingest.cursor_poll(cursor_id=cursor.pk)
    mention = Mention.objects.get()
    assert MentionMatch.objects.filter(mention=mention, account=account).exists()
    assert MentionMatch.objects.filter(mention=mention, monitor__isnull=False).exists()
    item = InboxItem.objects.get()
    assert item.team == team and item.account == account


def test_searches_leave_our_own_mentions_to_the_timelines(x_sandbox, team, account, settings):
    settings.MONITORING_MENTIONS_SOURCE = "timeline"
    x_sandbox.register_account(account)
    MonitorFactory(team=team, query="refund")
    ingest.cursors_sync()
    assert search_cursor().query.endswith(f"-@{account.handle}")
    x_sandbox.inject_post("alice", f"@{account.handle} where is my refund")
    for cursor in PollCursor.objects.filter(is_active=True):
        ingest.cursor_poll(cursor_id=cursor.pk)
    # Read once (by the timeline), still attributed to the monitor by the local matcher.
    assert sum(ApiCall.objects.values_list("posts_read", flat=True)) == 1
    assert MentionMatch.objects.filter(monitor__isnull=False).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_polling_at_once_store_each_post_once(x_sandbox, settings):
    from tests.factories import TeamFactory

    team = TeamFactory(slug="triage")
    settings.TRIAGE_TEAM_SLUG = "triage"
    settings.X_QUERY_LENGTH_LIMIT = 12  # too short for both in one query: a second cursor finds the same posts
    MonitorFactory(team=team, query="passport")
    MonitorFactory(team=team, query="visa", poll_interval_seconds=600)
    for n in range(30):
        x_sandbox.inject_post("alice", f"passport and visa {n}")
    ingest.cursors_sync()
    cursor_ids = list(PollCursor.objects.filter(is_active=True).values_list("pk", flat=True)) * 2
    outcomes, errors = [], []
    barrier = threading.Barrier(len(cursor_ids))

    def work(cursor_id):
        try:
            barrier.wait()
            outcomes.append(ingest.cursor_poll(cursor_id=cursor_id).status)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(cid,)) for cid in cursor_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Mention.objects.count() == 30
    assert InboxItem.objects.count() == 30
    assert MentionMatch.objects.filter(monitor__isnull=False).count() == 60
    assert PollRun.objects.count() == outcomes.count("stored")
    assert outcomes.count("stored") >= 2


def test_a_rate_limit_pauses_the_cursor_until_its_reset(x_sandbox, team, triage):
    MonitorFactory(team=team, query="passport")
    ingest.cursors_sync()
    x_sandbox.set_faults(force_429=1)
    outcome = ingest.cursor_poll(cursor_id=search_cursor().pk)
    assert outcome.status == "rate_limited"
    cursor = search_cursor()
    assert cursor.paused_until is not None and cursor.paused_until > timezone.now()
    assert cursor.lease_until is None
    assert ingest.cursor_poll(cursor_id=cursor.pk).status == "busy"
    assert cursor.pk not in ingest.cursors_due()


def test_malformed_posts_are_logged_and_skipped_without_stopping_the_cursor(team, triage, caplog):
    from tests.monitoring.factories import make_post

    good = make_post("passport fine")
    bad = make_post("broken", post_id="not-a-number")
    MonitorFactory(team=team, query="passport")
    ingest.cursors_sync()
    cursor = search_cursor()
    token = ingest._claim(cursor.pk, timezone.now())
    outcome = ingest.poll_store(cursor=cursor, token=token, pages=[[bad, good]])
    assert (outcome.posts_new, outcome.skipped) == (1, 1)
    assert "malformed" in caplog.text
    assert search_cursor().since_id == int(good.id)


def test_repacking_keeps_unchanged_groups_and_a_new_monitor_starts_from_now(x_sandbox, team, triage, settings):
    settings.X_QUERY_LENGTH_LIMIT = 40
    first = MonitorFactory(team=team, query="passport office delays")
    x_sandbox.inject_post("alice", "passport office delays again")
    ingest.cursors_sync()
    ingest.cursor_poll(cursor_id=search_cursor().pk)
    old_cursor = search_cursor()
    newest = Mention.objects.get().tweet_id

    from monitoring.services import monitor_create

    second = monitor_create(by=None, team=team, name="Visas", query="visa application backlog")
    assert second.since_id == newest
    ingest.cursors_sync()
    active = PollCursor.objects.filter(kind=PollCursor.Kind.SEARCH, is_active=True)
    assert old_cursor in active  # the first monitor's group did not change (the two do not fit together)
    new_cursor = active.exclude(pk=old_cursor.pk).get()
    assert list(new_cursor.monitors.all()) == [second] and new_cursor.since_id == newest
    assert first.pk in old_cursor.monitors.values_list("pk", flat=True)


def test_poll_cycle_enqueues_due_cursors_and_skips_paused_search_when_budget_is_spent(
    x_sandbox, team, account, triage, django_capture_on_commit_callbacks
):
    from monitoring.models import ReadBudget

    x_sandbox.register_account(account)
    MonitorFactory(team=team, query="passport")
    with mock.patch("django_rq.get_queue") as get_queue, django_capture_on_commit_callbacks(execute=True):
        assert poll_cycle() == 3  # the search, the account's mentions and its direct messages
    assert get_queue.return_value.enqueue.call_count == 3
    ReadBudget.objects.create(month=timezone.localdate().replace(day=1), posts_limit=0)
    due = ingest.cursors_due()
    kinds = sorted(PollCursor.objects.get(pk=pk).kind for pk in due)
    assert kinds == [PollCursor.Kind.DIRECT, PollCursor.Kind.TIMELINE]


def test_mentions_read_by_one_search_are_read_once_when_a_post_mentions_two_accounts(x_sandbox, team, settings):
    from tests.factories import TwitterAccountFactory

    settings.MONITORING_MENTIONS_SOURCE = "search"
    first = TwitterAccountFactory(team=team, handle="DeptOne")
    second = TwitterAccountFactory(team=team, handle="DeptTwo")
    x_sandbox.inject_post("alice", "@DeptOne @DeptTwo hello both")
    cursors = [c for c in ingest.cursors_sync() if c.kind != PollCursor.Kind.DIRECT]  # each account's DMs apart
    assert [c.kind for c in cursors] == [PollCursor.Kind.TIMELINE]
    assert cursors[0].query.lower() == "@deptone OR @depttwo".lower()
    outcome = ingest.cursor_poll(cursor_id=cursors[0].pk)
    assert (outcome.posts_read, outcome.posts_new) == (1, 1)
    assert set(MentionMatch.objects.values_list("account__handle", flat=True)) == {first.handle, second.handle}
    assert InboxItem.objects.get().team == team


def test_the_poll_job_polls_its_cursor(x_sandbox, team, triage):
    from monitoring.jobs import poll_cursor

    MonitorFactory(team=team, query="passport")
    x_sandbox.inject_post("alice", "passport")
    ingest.cursors_sync()
    assert poll_cursor(search_cursor().pk) == "stored"
    assert Mention.objects.count() == 1


def test_an_unreadable_answer_from_x_is_logged_and_the_cursor_is_released_for_the_next_poll(team, triage, caplog):
    MonitorFactory(team=team, query="passport")
    ingest.cursors_sync()
    cursor = search_cursor()

    def unreadable_pages(*args, **kwargs):
        raise KeyError("id")
        yield  # a generator: the error comes from reading the first page

    with mock.patch.object(ingest.client, "search_pages", side_effect=unreadable_pages):
        outcome = ingest.cursor_poll(cursor_id=cursor.pk)
    assert outcome.status == "error"
    assert "Unreadable answer from X" in caplog.text
    cursor.refresh_from_db()
    assert cursor.lease_until is None and cursor.last_error


def test_a_poll_over_several_pages_stores_all_and_meters_each_call(x_sandbox, team, triage):
    MonitorFactory(team=team, query="passport")
    for n in range(250):
        x_sandbox.inject_post(f"user{n % 7}", f"passport renewal {n}")
    ingest.cursors_sync()
    cursor = search_cursor()
    outcome = ingest.cursor_poll(cursor_id=cursor.pk)
    assert (outcome.status, outcome.posts_new, outcome.api_calls, outcome.posts_read) == ("stored", 250, 3, 250)
    calls = ApiCall.objects.filter(endpoint="/2/tweets/search/recent")
    assert sorted(calls.values_list("posts_read", flat=True)) == [50, 100, 100]
    assert PollRun.objects.get(cursor=cursor).api_calls == 3
    assert search_cursor().since_id == max(Mention.objects.values_list("tweet_id", flat=True))


def test_an_error_on_a_later_page_stores_nothing_and_keeps_the_cursor(x_sandbox, team, triage):
    from tests.monitoring.factories import make_post
    from twitter_api.errors import Transient

    MonitorFactory(team=team, query="passport")
    ingest.cursors_sync()
    cursor = search_cursor()

    def two_pages_then_failure(*args, **kwargs):
        yield [make_post("passport one")]
        yield [make_post("passport two")]
        raise Transient("X answered 503 on the third page.")

    with mock.patch.object(ingest.client, "search_pages", side_effect=two_pages_then_failure):
        outcome = ingest.cursor_poll(cursor_id=cursor.pk)
    assert (outcome.status, outcome.message) == ("error", "X answered 503 on the third page.")
    assert Mention.objects.count() == 0 and InboxItem.objects.count() == 0
    cursor.refresh_from_db()
    assert cursor.since_id is None and cursor.lease_until is None
    assert cursor.last_error == "X answered 503 on the third page."


def test_reading_ahead_stops_its_thread_when_the_reader_stops_early():
    produced = []

    def pages():
        for n in range(100):
            produced.append(n)
            yield [n]

    reader = ingest._read_ahead(pages(), depth=2)
    assert next(reader) == [0]
    reader.close()  # the storing failed: the thread must not go on reading from X
    count = len(produced)
    assert count <= 4
    assert not any(t.name == "x-read-ahead" for t in threading.enumerate())
    assert len(produced) == count


def test_a_monitor_polled_faster_makes_its_cursor_faster(team, triage):
    monitor = MonitorFactory(team=team, query="passport", poll_interval_seconds=300)
    MonitorFactory(team=team, query="visa", poll_interval_seconds=600)
    ingest.cursors_sync()
    cursor = search_cursor()
    assert cursor.interval_seconds == 300
    monitor.poll_interval_seconds = 60
    monitor.save()
    ingest.cursors_sync()
    assert search_cursor().pk == cursor.pk  # same monitors, same query: the cursor and its position stay
    assert search_cursor().interval_seconds == 60


def test_a_backlog_longer_than_the_page_limit_is_read_by_the_next_polls_and_nothing_is_lost(
    x_sandbox, team, triage, settings
):
    MonitorFactory(team=team, query="passport")
    x_sandbox.inject_post("alice", "passport first")
    ingest.cursors_sync()
    cursor = search_cursor()
    ingest.cursor_poll(cursor_id=cursor.pk)
    start = search_cursor().since_id
    for n in range(250):
        x_sandbox.inject_post(f"user{n % 7}", f"passport renewal {n}")
    settings.MONITORING_MAX_PAGES = 1  # 100 posts a poll

    def poll():
        PollCursor.objects.filter(pk=cursor.pk).update(lease_until=None)
        outcome = ingest.cursor_poll(cursor_id=cursor.pk)
        return outcome.posts_read, search_cursor()

    read, after = poll()  # the newest 100; since_id stays until the 150 older ones are read too
    assert read == 100 and after.since_id == start
    assert after.backlog_newest_id == max(Mention.objects.values_list("tweet_id", flat=True))
    assert after.backlog_until_id == min(Mention.objects.exclude(tweet_id=start).values_list("tweet_id", flat=True))
    assert after.next_poll_at <= timezone.now()  # due again at the next cycle, not after its interval
    top = after.backlog_newest_id
    x_sandbox.inject_post("bob", "passport while catching up")

    assert poll()[0] == 100  # the backlog first, older than where the last poll stopped
    read, after = poll()
    assert read == 50 and (after.since_id, after.backlog_until_id, after.backlog_newest_id) == (top, None, None)
    assert Mention.objects.count() == 251
    read, after = poll()  # then what arrived meanwhile
    assert read == 1 and Mention.objects.filter(text="passport while catching up").exists()
    assert after.since_id == max(Mention.objects.values_list("tweet_id", flat=True))
    assert Mention.objects.count() == 252 and InboxItem.objects.count() == 252
    assert sum(PollRun.objects.filter(cursor=cursor).values_list("posts_read", flat=True)) == 252  # none twice


def test_a_new_cursor_starts_from_now_without_reading_back_through_xs_history(x_sandbox, team, triage, settings):
    MonitorFactory(team=team, query="passport")
    for n in range(150):
        x_sandbox.inject_post("alice", f"passport {n}")
    settings.MONITORING_MAX_PAGES = 1
    ingest.cursors_sync()

    outcome = ingest.cursor_poll(cursor_id=search_cursor().pk)

    cursor = search_cursor()
    assert outcome.posts_read == 100
    assert cursor.since_id == max(Mention.objects.values_list("tweet_id", flat=True))
    assert cursor.backlog_until_id is None and cursor.backlog_newest_id is None
