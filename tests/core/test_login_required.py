"""Every page needs sign-in: walk the URL resolver so pages added later are covered automatically."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Pages that must work signed out: sign-in itself, password reset, the health check, what browsers and
# crawlers ask for by themselves (icons, robots.txt), and allauth's other entrance pages (sign-up is closed by
# the adapter; SSO callbacks authenticate the user).
PUBLIC = re.compile(
    r"^(accounts/(login|signup|password/reset|3rdparty|oidc|2fa/authenticate|confirm-email|"
    r"reauthenticate|email/verify|code|logout)|healthz$|robots\.txt$|favicon\.ico$|apple-touch-icon(-precomposed)?\.png$|"
    r"static/)"
)


def _walk(resolver, prefix=""):
    for entry in resolver.url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry, pattern)
        elif isinstance(entry, URLPattern):
            yield pattern


def _concrete(pattern: str) -> str:
    """Turn a route or regex pattern into a URL, filling each parameter with a plausible value."""
    url = re.sub(r"<int:[^>]+>", "1", pattern)
    url = re.sub(r"<uuid:[^>]+>", "00000000-0000-0000-0000-000000000000", url)
    url = re.sub(r"<(?:str:|slug:|path:)?[^>]+>", "x", url)
    url = re.sub(r"\(\?P<[^>]+>[^)]*\)", "1", url)
    url = url.replace("^", "").replace("$", "").replace("\\", "")
    url = re.sub(r"[?*+]", "", url)
    return "/" + url


ALL_PATTERNS = sorted(set(_walk(get_resolver())))
PRIVATE_PATTERNS = [p for p in ALL_PATTERNS if not PUBLIC.match(_concrete(p).lstrip("/"))]


def test_the_walk_finds_the_project_pages():
    assert len(PRIVATE_PATTERNS) > 20
    assert any(p.startswith("admin/") for p in PRIVATE_PATTERNS)
    assert any(p.startswith("teams/") for p in PRIVATE_PATTERNS)


@pytest.mark.parametrize("pattern", PRIVATE_PATTERNS)
def test_it_sends_anonymous_users_to_sign_in(client, db, pattern):
    url = _concrete(pattern)
    response = client.get(url)
    assert response.status_code == 302, f"{url} answered {response.status_code} to an anonymous user"
    assert response["Location"].startswith("/accounts/login/?next="), f"{url} redirected to {response['Location']}"


@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/password/reset/", "/healthz", "/robots.txt"])
def test_it_leaves_sign_in_password_reset_and_health_public(client, db, url):
    assert client.get(url).status_code == 200
