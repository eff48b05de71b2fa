from functools import cache

import redis
from django.conf import settings


@cache
def _connection(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def redis_connection() -> redis.Redis:
    return _connection(settings.REDIS_URL)
