"""Django's Redis cache, keeping one Redis client per connection pool, and able to read ahead.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every cache operation, and each one
sets up several hundred response callbacks before it sends a byte: about a quarter of a millisecond per
`cache.get`, several per page. The client holds no per-call state (the pool holds the connections), so
one per pool serves every call.

`read_ahead` lets a page read, in one round trip, the entries its parts will each ask for (its cached
panels and banners) without those parts having to be written around it.
"""

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from django.db import transaction

_ABSENT = object()  # read ahead, and not in the cache
_NOT_READ = object()  # not read ahead


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(DjangoRedisCache):
    """Each thread has its own instance (django.core.cache.caches), so what one has read ahead is its own."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
        self._read: dict[str, object] = {}  # made key -> value read ahead (or _ABSENT), inside read_ahead only

    @contextmanager
    def read_ahead(self, keys: Iterable[str]) -> Iterator[None]:
        """Read `keys` in one round trip now; inside the block, `get` of any of them answers from what was read.

        A write or delete of a key inside the block forgets what was read for it, so the block reads its own
        writes. What another process writes meanwhile is not seen until the block ends: keep the block to one
        request's rendering, as a page that read each entry at its start would be."""
        # What an enclosing block read is kept, and stays when this block ends.
        wanted = {made: key for key in keys if (made := self.make_and_validate_key(key)) not in self._read}
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
            value = self._read.get(self.make_and_validate_key(key, version=version), _NOT_READ)
            if value is not _NOT_READ:
                return default if value is _ABSENT else value
        return super().get(key, default, version)

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

    def _forget(self, keys: Iterable[str], version=None) -> None:
        if not self._read:
            return
        for key in keys:
            self._read.pop(self.make_and_validate_key(key, version=version), None)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._forget([key], version)
        return super().add(key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._forget([key], version)
        return super().set(key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        self._forget([key], version)
        return super().touch(key, timeout, version)

    def delete(self, key, version=None):
        self._forget([key], version)
        return super().delete(key, version)

    def incr(self, key, delta=1, version=None):
        self._forget([key], version)
        return super().incr(key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        self._forget(data, version)
        return super().set_many(data, timeout, version)

    def delete_many(self, keys, version=None):
        keys = list(keys)
        self._forget(keys, version)
        return super().delete_many(keys, version)

    def clear(self):
        self._read.clear()
        return super().clear()


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
