"""The pages every deployment answers whatever app is installed: the health check, robots.txt and the site icons."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from core.redis import redis_connection


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and Redis both answer; 503 otherwise, naming what failed."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        redis_connection().ping()
        checks["redis"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["redis"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503)


@require_safe
@cache_control(max_age=60 * 60 * 24)
def site_icon(request: HttpRequest, *, file: str) -> HttpResponse:
    """Browsers ask for /favicon.ico and phones for /apple-touch-icon.png whatever a page names: send them to it."""
    return redirect(static(file))


@require_safe
@cache_control(max_age=60 * 60 * 24)
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Dovecote is for the department's staff: nothing in it is for search engines."""
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")
