from functools import cache

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, reverse

from core import banners

# label, URL name, and the URL prefixes that belong to the section.
NAV_ITEMS = [
    ("Dashboard", "home", ()),
    ("Calendar", "tweets:calendar", ("/drafts/calendar/",)),
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
    """The service navigation with its current item, and the site-wide banners the apps registered (core.banners);
    signed out, whether anyone may sign up (accounts.adapters: only from SIGNUP_EMAIL_DOMAINS)."""
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
    return {"nav_items": items, "site_banners": banners.for_request(request)}
