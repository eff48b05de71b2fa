from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.module_loading import import_string

from core.cache import read_ahead

# label, URL name, and the URL prefixes that belong to the section.
NAV_ITEMS = [
    ("Dashboard", "home", ()),
    ("Drafts", "tweets:draft_list", ("/drafts/",)),
    ("Inbox", "monitoring:inbox", ("/monitoring/inbox/", "/monitoring/items/")),
    ("Monitoring", "monitoring:monitor_list", ("/monitoring/",)),
    ("Training", "training:my_training", ("/training/",)),
    ("Reports", "reports:index", ("/reports/",)),
    ("Audit", "accounts:audit", ("/teams/",)),
]


@cache
def _nav_urls(script_prefix: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """The items' paths, reversed once (per script prefix) rather than on every page."""
    found = []
    for label, url_name, prefixes in NAV_ITEMS:
        try:
            found.append((label, reverse(url_name), prefixes))
        except NoReverseMatch:
            continue
    return tuple(found)


def navigation(request: HttpRequest) -> dict:
    """The service navigation with its current item, and site-wide banners (freeze, spike alerts); signed out,
    whether anyone may sign up (accounts.adapters: only from SIGNUP_EMAIL_DOMAINS)."""
    if not request.user.is_authenticated:
        return {"nav_items": [], "site_banners": [], "signup_open": bool(settings.SIGNUP_EMAIL_DOMAINS)}
    items, current_found = [], False
    for label, url, prefixes in _nav_urls(get_script_prefix()):
        current = not current_found and (
            request.path == url or any(request.path.startswith(prefix) for prefix in prefixes)
        )
        current_found = current_found or current
        items.append({"label": label, "url": url, "current": current})
    if request.user.is_staff:
        items.append({"label": "Admin", "url": reverse("admin:index"), "current": False})
    return {"nav_items": items, "site_banners": _site_banners(request)}


def banner_provider(*, cache_keys: Callable[[AbstractBaseUser], list[str]]):
    """Marks a site banner provider with the cache entries it reads for a user, so that every provider's are
    read in one round trip (site_banner_cache_keys)."""

    def mark(provider):
        provider.cache_keys = cache_keys
        return provider

    return mark


def _providers() -> list[Callable[[HttpRequest], list[dict]]]:
    return [import_string(path) for path in settings.SITE_BANNER_PROVIDERS]


def site_banner_cache_keys(user: AbstractBaseUser) -> list[str]:
    return [key for provider in _providers() for key in getattr(provider, "cache_keys", lambda user: [])(user)]


def _site_banners(request: HttpRequest) -> list[dict]:
    """Collect banners from every provider in settings.SITE_BANNER_PROVIDERS.

    A provider is `f(request) -> list[dict]`, each dict with level ("warning" or "info"), title, text,
    and optionally url and link_text; one that reads the cache says which entries with @banner_provider.
    """
    if not request.user.is_authenticated:
        return []
    banners = []
    with read_ahead(site_banner_cache_keys(request.user)):
        for provider in _providers():
            banners.extend(provider(request))
    return banners
