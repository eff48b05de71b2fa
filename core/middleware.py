"""Project-wide request guards: sign-in everywhere, MFA for privileged users, and a CSP header."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect
from django.urls import reverse

# What browsers and crawlers ask for by themselves, whether or not a page names it.
SITE_FILES = ("/favicon.ico", "/apple-touch-icon.png", "/apple-touch-icon-precomposed.png", "/robots.txt")

# Paths anyone may reach without signing in.
PUBLIC_PREFIXES = (
    *SITE_FILES,
    "/accounts/login/",
    "/accounts/password/reset/",
    "/accounts/signup/",
    "/accounts/oidc/",
    "/accounts/3rdparty/",
    "/accounts/2fa/authenticate/",
    "/healthz",
    settings.STATIC_URL,
)

# Paths a privileged user without MFA may still use: enrolment itself, and signing out.
MFA_EXEMPT_PREFIXES = (
    "/accounts/2fa/",
    "/accounts/logout/",
    "/accounts/login/",
    "/healthz",
    *SITE_FILES,
    settings.STATIC_URL,
)


class LoginRequiredMiddleware:
    """Every page needs sign-in unless it is on the short public list above."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
        return self.get_response(request)


def is_page_navigation(request: HttpRequest) -> bool:
    """Is a person opening this page in their browser, rather than the browser or a page fetching something in
    the background (an icon, a prefetch, an htmx swap, a script's fetch)? Browsers say so in Sec-Fetch-*; a
    client that sends none is taken to be opening a page unless it asks for something other than HTML."""
    headers = request.headers
    if "HX-Request" in headers or headers.get("X-Requested-With") == "XMLHttpRequest":
        return False
    if headers.get("Sec-Purpose", "").startswith("prefetch") or headers.get("Purpose") == "prefetch":
        return False
    if "Sec-Fetch-Mode" in headers:
        return headers["Sec-Fetch-Mode"] == "navigate" and headers.get("Sec-Fetch-Dest", "document") == "document"
    accept = headers.get("Accept", "")
    return not accept or "text/html" in accept or "application/xhtml+xml" in accept


class RequireMFAMiddleware:
    """Admins, leads and approvers must enrol an authenticator app before using the app.

    Only a page the person opens is sent to enrolment: the activation page shows the secret to scan, and a
    background request (the browser's icon, an htmx swap) redirected there would have the person look at a
    page they cannot see. Background requests are refused instead."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and user.requires_mfa()
            and not user.has_mfa()
        ):
            if is_page_navigation(request):
                return redirect("mfa_activate_totp")
            activate_url = reverse("mfa_activate_totp")
            refused = HttpResponseForbidden(
                f"Set up your authenticator app before using Dovecote: open {activate_url}", content_type="text/plain"
            )
            refused["HX-Redirect"] = activate_url
            return refused
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # The admin and django-rq pages use inline scripts and styles; everything else is strict.
        if not request.path.startswith(("/admin/", "/django-rq/")):
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response
