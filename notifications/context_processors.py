from django.core.cache import cache
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from notifications.selectors import unread_cache_key, unread_count

_COUNTED = "_notices_unread"


def count_with_banners(request: HttpRequest) -> list[dict]:
    """Registered with the site banners (core.banners), which every page reads from the cache in one round trip:
    the header's count, when cached, is read in that round trip too and kept on the request. It shows no banner,
    and never asks the database (a partial without the header must not pay for the count)."""
    if request.user.is_authenticated:
        counted = cache.get(unread_cache_key(request.user.pk))
        if counted is not None:
            setattr(request, _COUNTED, counted)
    return []


def count_cache_keys(user) -> list[str]:
    return [unread_cache_key(user.pk)]


def unread_notices(request: HttpRequest) -> dict:
    """The header's count of unread notices: one cached read (notifications.selectors.unread_count), made with the
    banners' when they were read for this page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if hasattr(request, _COUNTED):
        return {"notices_unread": getattr(request, _COUNTED)}
    return {"notices_unread": SimpleLazyObject(lambda: unread_count(user))}
