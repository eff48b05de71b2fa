"""core.cache.RedisCache: a page's cache entries read in one round trip (and never staler than that), one Redis
client per thread, and misses rather than errors while Redis is unreachable."""

import logging
import pickle
from contextlib import contextmanager, suppress

import pytest
import redis
from django.core.cache import cache, caches

from core import cache as cache_backend
from core.cache import read_ahead
from core.redis import redis_connection


def names(sent: list[tuple[str, str]]) -> list[str]:
    return [command for command, _ in sent]


def test_the_keys_are_read_in_one_round_trip_and_answered_from_it(redis_commands):
    cache.set_many({"a": 1, "b": [2]})
    redis_commands.clear()

    with cache.read_ahead(["a", "b", "absent"]):
        assert (cache.get("a"), cache.get("b"), cache.get("absent"), cache.get("absent", "default")) == (
            1,
            [2],
            None,
            "default",
        )

    assert names(redis_commands) == ["MGET"]


def test_a_key_not_read_ahead_is_read_from_redis(redis_commands):
    cache.set("other", "value")
    redis_commands.clear()

    with cache.read_ahead(["a"]):
        assert cache.get("other") == "value"

    assert names(redis_commands) == ["MGET", "GET"]


def test_the_block_reads_its_own_writes_and_deletes():
    cache.set_many({"a": 1, "b": 2, "c": 3})

    with cache.read_ahead(["a", "b", "c", "d"]):
        cache.set("a", 10)
        cache.delete("b")
        cache.set_many({"c": 30})
        assert cache.get_or_set("d", lambda: 40) == 40

        assert (cache.get("a"), cache.get("b"), cache.get("c"), cache.get("d")) == (10, None, 30, 40)


def test_after_the_block_every_read_goes_to_redis_again():
    cache.set("a", 1)
    with cache.read_ahead(["a"]):
        cache.get("a")
    caches.create_connection("default").set("a", 2)  # as another process would

    assert cache.get("a") == 2


def test_an_inner_block_leaves_the_outer_ones_reads_and_forgets_what_it_wrote(redis_commands):
    cache.set_many({"outer": 1, "inner": 2})
    redis_commands.clear()

    with cache.read_ahead(["outer"]):
        with cache.read_ahead(["inner", "outer"]):
            cache.set("outer", 11)
        assert cache.get("outer") == 11  # from Redis: what was read ahead of the write is forgotten
        assert cache.get("inner") == 2  # from Redis: the inner block's read ended with it

    assert names(redis_commands) == ["MGET", "MGET", "SET", "GET", "GET"]


def test_another_version_of_a_key_is_not_answered_from_the_read(redis_commands):
    cache.set("a", "version 1")
    cache.set("a", "version 2", version=2)

    with cache.read_ahead(["a"]):
        assert cache.get("a", version=2) == "version 2"
        assert cache.get("a") == "version 1"


def test_clearing_the_cache_forgets_what_was_read():
    cache.set("a", 1)

    with cache.read_ahead(["a"]):
        cache.clear()
        assert cache.get("a") is None


def test_with_another_cache_backend_the_helper_reads_nothing_ahead(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert not hasattr(cache, "read_ahead")
    cache.set("a", 1)

    with read_ahead(["a"]):
        assert cache.get("a") == 1


def test_every_call_in_a_thread_goes_through_one_redis_client(monkeypatch):
    made = []
    make = redis.Redis.__init__

    def counted(self, *args, **kwargs):
        made.append(self)
        make(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counted)
    _new_client()

    cache.set("a", 1)
    cache.get("a")
    cache.get_many(["a", "b"])
    cache.delete("a")

    assert len(made) == 1  # building a client sets up hundreds of response callbacks: not once per call


def test_get_or_set_on_a_miss_adds_the_value_in_one_more_round_trip(redis_commands):
    assert cache.get_or_set("a", lambda: 1) == 1
    assert cache.get_or_set("a", lambda: 2) == 1

    assert names(redis_commands) == ["GET", "SET", "GET"]


def test_get_or_set_returns_the_value_another_caller_added_first():
    def meanwhile_another_caller_adds_one():
        cache.set("a", "theirs")
        return "mine"

    assert cache.get_or_set("a", meanwhile_another_caller_adds_one) == "theirs"
    assert cache.get("a") == "theirs"


# --- While Redis is unreachable --------------------------------------------------------------------------------


@pytest.fixture
def outage(monkeypatch):
    """`with outage():` makes every Redis command fail as an unreachable server does. The cache meets it afresh,
    and what it learnt is forgotten after the test."""
    monkeypatch.setattr(cache_backend, "_outages", {})
    _new_client()  # a client holds the outage it found
    send = redis.Redis.execute_command

    @contextmanager
    def unreachable():
        def refused(self, *args, **options):
            raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        monkeypatch.setattr(redis.Redis, "execute_command", refused)
        try:
            yield
        finally:
            monkeypatch.setattr(redis.Redis, "execute_command", send)

    yield unreachable
    _new_client()


def _new_client() -> None:
    """The next use of the cache (in this thread) makes a new backend and client."""
    with suppress(AttributeError):  # none made yet
        del caches["default"]


def test_while_redis_is_down_reads_miss_writes_do_nothing_and_it_is_logged_once(outage, caplog):
    cache.set("kept", "value")
    with outage(), caplog.at_level(logging.WARNING, logger="core.cache"):
        assert cache.get("kept") is None
        assert cache.get("kept", "default") == "default"
        assert cache.get_many(["kept", "other"]) == {}
        assert cache.get_or_set("made", lambda: "from the database") == "from the database"
        cache.set("kept", "new")
        cache.set_many({"a": 1})
        cache.delete("a")
        with cache.read_ahead(["kept"]):
            assert cache.get("kept") is None
        with pytest.raises(ValueError, match="not found"):
            cache.incr("counter")
    assert len(caplog.records) == 1
    assert "unreachable" in caplog.text and "served from the database" in caplog.text


def test_a_key_changed_during_the_outage_is_not_answered_from_before_it_once_redis_is_back(outage, monkeypatch, caplog):
    monkeypatch.setattr(cache_backend, "RETRY_SECONDS", 0)  # Redis is tried again at the next entry
    cache.set("role", "lead")
    with outage():
        cache.delete("role")  # the lead's role ended while Redis was down
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        assert cache.get("role") is None  # not "lead", cached before the change
    assert "answers again" in caplog.text
    cache.set("role", "member")
    assert cache.get("role") == "member"


def test_redis_is_not_tried_again_for_a_few_seconds_after_it_failed(outage, redis_commands):
    with outage():
        cache.get("a")
    redis_commands.clear()
    assert cache.get("a") is None
    assert redis_commands == []  # no connection attempt on every entry of every page


def test_an_entry_an_earlier_release_wrote_with_a_class_that_has_moved_reads_as_a_miss(caplog):
    # What `dovecote.dashboard.WaitingDraft` pickled as before it moved: its module no longer exists.
    stale = pickle.dumps(_Moved()).replace(b"tests.core.test_cache", b"dovecote.dashboard")
    made = cache.make_key("moved-panel")
    redis_connection().set(made, stale)
    redis_connection().set(cache.make_key("fine-panel"), pickle.dumps("fine"))

    assert cache.get("moved-panel", "default") == "default"
    assert cache.get_many(["moved-panel", "fine-panel"]) == {"fine-panel": "fine"}
    assert cache.get_or_set("moved-panel", lambda: "made again") == "made again"
    assert cache.get("moved-panel") == "made again"


class _Moved:
    pass


def test_get_many_answers_the_keys_read_ahead_and_asks_redis_only_for_the_rest(redis_commands):
    cache.set_many({"a": 1, "b": 2, "other": 3})
    redis_commands.clear()

    with cache.read_ahead(["a", "b", "absent"]):
        assert cache.get_many(["a", "absent"]) == {"a": 1}
        assert cache.get_many(["b", "other"]) == {"b": 2, "other": 3}

    assert names(redis_commands) == ["MGET", "MGET"]  # the read ahead, then "other" alone
    assert redis_commands[1][1].endswith(":other")
