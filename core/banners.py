"""Site-wide banners (a publishing freeze, spikes on my teams' monitors): each app registers its providers in its
`AppConfig.ready()`, and every page shows what they return, read from the cache in one round trip.

A provider is `f(request) -> list[dict]`, each dict with level ("warning" or "info"), title, text, and optionally
url and link_text. One that reads the cache says which entries with `cache_keys(user)`, so that every provider's
are read together (core.cache.read_ahead), and the home page can read them with its own.
"""

from collections.abc import Callable

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from core.cache import read_ahead

Provider = Callable[[HttpRequest], list[dict]]
CacheKeys = Callable[[AbstractBaseUser], list[str]]

# In the order the apps registered them (INSTALLED_APPS order), keyed by name so registering twice is harmless.
_providers: dict[str, tuple[Provider, CacheKeys]] = {}


def _no_keys(user: AbstractBaseUser) -> list[str]:
    return []


def register(provider: Provider, *, cache_keys: CacheKeys = _no_keys) -> None:
    _providers[f"{provider.__module__}.{provider.__qualname__}"] = (provider, cache_keys)


def cache_keys(user: AbstractBaseUser) -> list[str]:
    """Every cache entry the providers read for the user."""
    return [key for _, keys in _providers.values() for key in keys(user)]


def for_request(request: HttpRequest) -> list[dict]:
    """Every provider's banners for the signed-in user; none for anyone else."""
    if not request.user.is_authenticated:
        return []
    banners = []
    with read_ahead(cache_keys(request.user)):
        for provider, _ in _providers.values():
            banners.extend(provider(request))
    return banners
