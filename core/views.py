"""The pages every deployment answers whatever app is installed: the health check, robots.txt, the site icons, and
hiding a site banner for the session."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_POST, require_safe

from core import banners, health
from core.redis import redis_connection


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and Redis both answer; 503 otherwise, naming what failed. The apps' reports
    (core.health, e.g. the push stream's state) are added for information."""
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
    body = {"status": "ok" if healthy else "unavailable", **checks, **health.reports()}  # reports: information only
    return JsonResponse(body, status=200 if healthy else 503)


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


@login_required
@require_POST
def banner_dismiss(request: HttpRequest) -> HttpResponse:
    """Hide a site banner for the rest of the session: htmx removes it in place; without JavaScript, back to the
    page it was on."""
    key = request.POST.get("key", "")
    if key:
        banners.dismiss(request, key)
    if request.headers.get("HX-Request"):
        return HttpResponse("")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/"
    return HttpResponseRedirect(back)
