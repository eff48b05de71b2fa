"""The cache: django-redis's backend (one Redis client per server, kept), able to read ahead and to outlast Redis.

`read_ahead` lets a page read, in one round trip, the entries its parts will each ask for (its cached
panels and banners) without those parts having to be written around it.

Redis being unreachable does not take pages down: every cached answer can be made again from the database, so
while Redis is down a read is a miss and a write does nothing (see `_Outage`), and one log line says so.

Only the backend's public methods are overridden; django-redis raises Redis's own errors from them (its
IGNORE_EXCEPTIONS would also swallow errors in a command, log every failure and try Redis on every call).
"""

import logging
import pickle
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.db import transaction
from django_redis.cache import RedisCache as DjangoRedisCache
from django_redis.serializers.pickle import PickleSerializer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

_ABSENT = object()  # read ahead, and not in the cache
_NOT_READ = object()  # not read ahead

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)  # not an error in a command: Redis is not answering
RETRY_SECONDS = 5.0  # while Redis is down, how long each process goes without trying it again
UNWRITTEN_LIMIT = 10_000

_UNREADABLE = object()  # an entry this code cannot unpickle


class TolerantPickleSerializer(PickleSerializer):
    """Pickle, reading an entry whose class has since moved or changed (one written before a release, say) as
    a miss rather than an error: every cached answer can be made again, and a release must not fail pages until
    the old entries expire."""

    def loads(self, value: bytes):
        try:
            return super().loads(value)
        except (ImportError, AttributeError, TypeError, ValueError, EOFError, pickle.UnpicklingError) as exc:
            logger.info("A cache entry could not be read (%s: %s); it counts as a miss", type(exc).__name__, exc)
            return _UNREADABLE


class _Outage:
    """Whether one Redis answers, as this process last found it (its threads share it).

    While it is down the cache is not tried again for RETRY_SECONDS at a time, so a page is not slowed by a
    connection attempt per entry. Keys written or deleted meanwhile are remembered and deleted as soon as Redis
    answers again, so a change made during the outage (a role removed, a freeze lifted) is not hidden by an
    answer cached before it."""

    def __init__(self, servers: tuple[str, ...]):
        self.servers = servers
        self.lock = threading.Lock()
        self.retry_at: float | None = None  # time.monotonic() at which to try Redis again; None while it answers
        self.unwritten: set[str] = set()

    def began(self, exc: Exception) -> None:
        with self.lock:
            first = self.retry_at is None
            self.retry_at = time.monotonic() + RETRY_SECONDS
        if first:
            logger.warning(
                "Redis (the cache at %s) is unreachable (%s: %s): pages are served from the database without the "
                "cache until it answers again.",
                ", ".join(self.servers),
                exc.__class__.__name__,
                exc,
            )

    def missed(self, keys: Iterable[str]) -> None:
        with self.lock:
            for key in keys:
                if len(self.unwritten) >= UNWRITTEN_LIMIT:
                    break  # the rest expire with their timeout
                self.unwritten.add(key)

    def ended(self, delete_many: Callable[[list[str]], object]) -> bool:
        """Redis is due a try: delete what the outage left stale. False if it is still down."""
        with self.lock:
            keys = list(self.unwritten)
        try:
            if keys:
                delete_many(keys)
        except UNREACHABLE as exc:
            self.began(exc)
            return False
        with self.lock:
            self.unwritten.difference_update(keys)
            was_down, self.retry_at = self.retry_at is not None, None
        if was_down:
            logger.warning("Redis (the cache at %s) answers again.", ", ".join(self.servers))
        return True


_outages: dict[tuple[str, ...], _Outage] = {}
_outages_lock = threading.Lock()


def _outage_for(servers: Iterable[str]) -> _Outage:
    servers = tuple(servers)
    with _outages_lock:
        return _outages.setdefault(servers, _Outage(servers))


class RedisCache(DjangoRedisCache):
    """django-redis's backend, answering a miss (and writing nothing) while Redis is down, and able to read ahead.

    Each thread has its own instance (django.core.cache.caches), so what one has read ahead is its own."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._outage = _outage_for(server.split(",") if isinstance(server, str) else server)
        self._read: dict[str, object] = {}  # made key -> value read ahead (or _ABSENT), inside read_ahead only

    def _attempt(self, operation, *args, missing=None, written: Iterable[str] = ()):
        """`operation(*args)`, or `missing` (remembering the made keys it would have written) while Redis is down."""
        outage = self._outage
        retry_at = outage.retry_at
        if retry_at is not None and (time.monotonic() < retry_at or not outage.ended(self._delete_made)):
            outage.missed(written)
            return missing
        try:
            return operation(*args)
        except UNREACHABLE as exc:
            outage.began(exc)
            outage.missed(written)
            return missing

    def _delete_made(self, made: list[str]) -> None:
        self.client.get_client(write=True).delete(*made)  # as django_redis.get_redis_connection does

    def _written(self, keys: Iterable[str], version) -> list[str]:
        """The made keys a write changes; what was read ahead for them is forgotten, so a block reads its writes."""
        made = [self.make_key(key, version=version) for key in keys]
        for key in made:
            self._read.pop(key, None)
        return made

    @contextmanager
    def read_ahead(self, keys: Iterable[str]) -> Iterator[None]:
        """Read `keys` in one round trip now; inside the block, `get` and `get_many` of any of them answer from what
        was read.

        A write or delete of a key inside the block forgets what was read for it, so the block reads its own
        writes. What another process writes meanwhile is not seen until the block ends: keep the block to one
        request's rendering, as a page that read each entry at its start would be."""
        # What an enclosing block read is kept, and stays when this block ends.
        wanted = {made: key for key in keys if (made := self.make_key(key)) not in self._read}
        found = self.get_many(wanted.values()) if wanted else {}
        added = {made: found.get(key, _ABSENT) for made, key in wanted.items()}
        self._read.update(added)
        try:
            yield
        finally:
            for made in added:
                self._read.pop(made, None)

    def get(self, key, default=None, version=None):
        if self._read:
            value = self._read.get(self.make_key(key, version=version), _NOT_READ)
            if value is not _NOT_READ:
                return default if value is _ABSENT else value
        value = self._attempt(super().get, key, default, version, missing=default)
        if value is _UNREADABLE:
            self.delete(key, version=version)  # so the answer made again can be stored
            return default
        return value

    def get_many(self, keys, version=None):
        keys = list(keys)
        answered = {}
        if self._read:  # the keys read ahead are answered from what was read; only the rest go to Redis
            rest = []
            for key in keys:
                value = self._read.get(self.make_key(key, version=version), _NOT_READ)
                if value is _NOT_READ:
                    rest.append(key)
                elif value is not _ABSENT:
                    answered[key] = value
            if not rest:
                return answered
            keys = rest
        found = self._attempt(super().get_many, keys, version, missing={})
        unreadable = [key for key, value in found.items() if value is _UNREADABLE]
        if unreadable:
            self.delete_many(unreadable, version=version)
        return {**answered, **{key: value for key, value in found.items() if value is not _UNREADABLE}}

    def has_key(self, key, version=None):
        return self._attempt(super().has_key, key, version, missing=False)

    def get_or_set(self, key, default, timeout=DEFAULT_TIMEOUT, version=None):
        """As Django's, with the value in the cache winning a race, but a round trip fewer on a miss: Django's
        reads the key again after adding it, where SET NX already says whether this caller's value went in."""
        value = self.get(key, _ABSENT, version=version)
        if value is not _ABSENT:
            return value
        value = default() if callable(default) else default
        if self.add(key, value, timeout=timeout, version=version):
            return value
        return self.get(key, value, version=version)  # another caller added one meanwhile: theirs stands

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # Every key is absent while Redis is down, so an add "succeeds" as any write does (a lock taken with
        # add, such as allauth's for rate limits, is then no lock, rather than never taken).
        written = self._written([key], version)
        return self._attempt(super().add, key, value, timeout, version, missing=True, written=written)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        written = self._written([key], version)
        return self._attempt(super().set, key, value, timeout, version, written=written)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        written = self._written([key], version)
        return self._attempt(super().touch, key, timeout, version, missing=False, written=written)

    def delete(self, key, version=None):
        written = self._written([key], version)
        return self._attempt(super().delete, key, version, missing=False, written=written)

    def incr(self, key, delta=1, version=None):
        written = self._written([key], version)
        result = self._attempt(super().incr, key, delta, version, missing=_ABSENT, written=written)
        if result is _ABSENT:
            raise ValueError(f"Key '{key}' not found.")  # as for any key not in the cache
        return result

    def decr(self, key, delta=1, version=None):
        return self.incr(key, -delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        written = self._written(data, version)
        self._attempt(super().set_many, data, timeout, version, written=written)
        return []  # Django's contract: the keys that failed to be set, and a dropped write is not a failure

    def delete_many(self, keys, version=None):
        keys = list(keys)
        written = self._written(keys, version)
        return self._attempt(super().delete_many, keys, version, written=written)

    def clear(self):
        self._read.clear()
        return self._attempt(super().clear, missing=False)


def read_ahead(keys: Iterable[str]) -> AbstractContextManager:
    """`cache.read_ahead(keys)` with the default cache, or nothing where it is another backend (the cache is
    only ever this one in settings; a project's tests may swap it)."""
    from django.core.cache import cache

    method = getattr(cache, "read_ahead", None)
    return method(keys) if method else nullcontext()


def forget(key: str) -> None:
    """Drop a cached answer now, for the rest of this request, and again after commit, over an answer another
    request cached from the data as it was before the commit."""
    from django.core.cache import cache

    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))
