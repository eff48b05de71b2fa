"""Site-wide banners (a publishing freeze, spikes on my teams' monitors): each app registers its providers in its
`AppConfig.ready()`, and every page shows what they return, read from the cache in one round trip.

A provider is `f(request) -> list[dict]`, each dict with level ("warning" or "info"), title, text, and optionally
url, link_text and key. A banner with a key can be dismissed for the rest of the session (`dismiss`): a banner
about something new (a new freeze, a new spike) has a new key and shows again. A provider that reads the cache
says which entries with `cache_keys(user)`, so that every provider's are read together (core.cache.read_ahead),
and the home page can read them with its own.

A banner's count must be fresh (a new spike shows on the next page, not a minute later): a provider keeps its
banners with `core.freshness.kept` under the freshness topics it names here (`topics`), and the topics'
generations are read in the same round trip as the providers' entries, so an entry built before a change is
built again at once, at no cost in round trips or queries while nothing changes.
"""

from collections.abc import Callable

from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from core import freshness
from core.cache import read_ahead

Provider = Callable[[HttpRequest], list[dict]]
CacheKeys = Callable[[AbstractBaseUser], list[str]]

# In the order the apps registered them (INSTALLED_APPS order), keyed by name so registering twice is harmless.
_providers: dict[str, tuple[Provider, CacheKeys, tuple[str, ...]]] = {}


def _no_keys(user: AbstractBaseUser) -> list[str]:
    return []


def register(provider: Provider, *, cache_keys: CacheKeys = _no_keys, topics: tuple[str, ...] = ()) -> None:
    """`topics`: the freshness topics whose generations the provider checks its cached banners against
    (core.freshness.kept); they are read with its entries."""
    _providers[f"{provider.__module__}.{provider.__qualname__}"] = (provider, cache_keys, tuple(topics))


def cache_keys(user: AbstractBaseUser) -> list[str]:
    """Every cache entry the providers read for the user: their own, then their topics' generations."""
    keys = [key for _, provider_keys, _ in _providers.values() for key in provider_keys(user)]
    topics = dict.fromkeys(topic for *_, provider_topics in _providers.values() for topic in provider_topics)
    return keys + [key for key in freshness.keys(topics) if key not in keys]


SESSION_KEY = "dismissed_banners"
DISMISSED_LIMIT = 50  # the session keeps the most recent keys only
KEY_LENGTH = 100


def dismissed(request: HttpRequest) -> set[str]:
    return set(request.session.get(SESSION_KEY, []))


def dismiss(request: HttpRequest, key: str) -> None:
    """Hide the banner with this key for the rest of the session."""
    key = key[:KEY_LENGTH]
    keys = [k for k in request.session.get(SESSION_KEY, []) if k != key]
    request.session[SESSION_KEY] = [*keys, key][-DISMISSED_LIMIT:]


def for_request(request: HttpRequest) -> list[dict]:
    """Every provider's banners for the signed-in user, but those they dismissed this session; none for anyone
    else."""
    if not request.user.is_authenticated:
        return []
    banners = []
    with read_ahead(cache_keys(request.user)):
        for provider, *_ in _providers.values():
            banners.extend(provider(request))
    hidden = dismissed(request) if hasattr(request, "session") else set()
    return [b for b in banners if not b.get("key") or b["key"] not in hidden]
