import logging
from importlib import import_module

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger(__name__)


def navigation(request: HttpRequest) -> dict:
    """The current top-level section, and site-wide banners (publishing freeze, spike alerts)."""
    match = getattr(request, "resolver_match", None)
    return {"nav_section": match.namespace if match else "", "site_banners": _site_banners(request)}


def _site_banners(request: HttpRequest) -> list[dict]:
    """Collect banners from every provider in settings.SITE_BANNER_PROVIDERS.

    A provider is `f(request) -> list[dict]`, each dict with level ("warning" or "info"), title, text,
    and optionally url and link_text.
    """
    if not request.user.is_authenticated:
        return []
    banners = []
    for path in settings.SITE_BANNER_PROVIDERS:
        module_name, func_name = path.rsplit(".", 1)
        try:
            provider = getattr(import_module(module_name), func_name)
        except (ImportError, AttributeError):
            logger.warning("Banner provider %s is not available", path)
            continue
        banners.extend(provider(request))
    return banners
