"""End-to-end journeys: Playwright driving Debian's chromium against the live server, on the real
PostgreSQL and Redis, with a real RQ worker process and the local X sandbox.

Every page a journey visits is checked with axe-core (no serious or critical violations). When a
journey fails, the page's screenshot and HTML are saved under test-artifacts/.
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.db import connection

from tests.factories import TEST_PASSWORD

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
# browser steps are ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
AXE_JS = Path(settings.BASE_DIR) / "static" / "vendor" / "js" / "axe.min.js"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian's chromium is not installed at {CHROMIUM}: run bin/ensure-browser (make test does).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


class Journey:
    """A person in a browser. Every page that loads must be checked for accessibility with `check()`
    (goto and sign_in do it themselves); the fixture fails a journey that skipped a page."""

    def __init__(self, browser, base_url: str, name: str):
        # bypass_csp lets the test inject axe-core; the app's own pages never need inline script.
        self.context = browser.new_context(base_url=base_url, bypass_csp=True, locale="en-GB")
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.name = name
        self.visited: list[str] = []
        self.unchecked: list[str] = []
        self.violations: list[str] = []
        self._pending: str | None = None
        self.page.on("load", self._loaded)

    def _loaded(self, page) -> None:
        if self._pending is not None:
            self.unchecked.append(self._pending)
        self._pending = page.url

    def check(self):
        """Run axe-core on the current page: serious and critical violations fail the journey."""
        self.page.wait_for_load_state("load")
        url = self.page.url
        self._pending = None
        if "/admin/" in url:
            return self.page
        self.page.add_script_tag(path=str(AXE_JS))
        result = self.page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".filter(v => ['serious', 'critical'].includes(v.impact))"
            ".map(v => v.id + ': ' + v.help + ' [' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ') + ']')"
        )
        self.visited.append(url)
        self.violations.extend(f"{url} {violation}" for violation in result)
        return self.page

    def goto(self, path: str):
        self.page.goto(path)
        return self.check()

    def sign_in(self, email: str, *, totp_secret: str | None = None, password: str = TEST_PASSWORD):
        page = self.page
        self.goto("/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
        if totp_secret:
            page.wait_for_url(re.compile("/accounts/2fa/authenticate/"))
            self.check()
            page.get_by_label(re.compile("code", re.I)).fill(totp_code(totp_secret))
            page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
        page.wait_for_url(re.compile(r"^(?!.*/accounts/(login|2fa/authenticate)/).*$"))
        return self.check()

    def sign_out(self):
        self.page.get_by_role("button", name="Sign out").click()
        self.page.wait_for_url(re.compile("/accounts/"))
        return self.check()

    def save_artifacts(self, test_name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        stem = ARTIFACTS / f"{test_name}-{self.name}"
        try:
            self.page.screenshot(path=f"{stem}.png", full_page=True)
            Path(f"{stem}.html").write_text(self.page.content())
        except Exception as exc:  # noqa: BLE001 - saving evidence must not hide the real failure
            print(f"Could not save artifacts for {stem}: {exc}", file=sys.stderr)


def totp_code(secret: str) -> str:
    """The authenticator app's current code. Near the end of a 30-second step, wait for the next: the server
    accepts only the step it is in when the form arrives (no tolerance), and a code typed in the last moment
    of a step was seen to arrive in the next one on a loaded machine ("Incorrect code")."""
    if 30 - time.time() % 30 < 3:
        time.sleep(30 - time.time() % 30 + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture
def journeys(browser, live_server, request):
    """Start browser sessions with `journeys.start(name)`; checks accessibility at the end of the test."""
    started: list[Journey] = []

    class Factory:
        def start(self, name: str) -> Journey:
            journey = Journey(browser, live_server.url, name)
            started.append(journey)
            return journey

    yield Factory()
    failed = getattr(request.node, "report_call", None) is not None and request.node.report_call.failed
    for journey in started:
        if failed:
            journey.save_artifacts(request.node.name)
        elif journey._pending is not None:
            journey.check()
    violations = [v for journey in started for v in journey.violations]
    unchecked = [url for journey in started for url in journey.unchecked]
    for journey in started:
        journey.context.close()
    if not failed:
        assert started and all(journey.visited for journey in started)
        assert not unchecked, f"Pages loaded without an accessibility check: {unchecked}"
        assert not violations, "Serious or critical accessibility violations:\n" + "\n".join(violations)


@pytest.fixture
def rq_worker(live_server, x_sandbox):
    """A real RQ worker process on the test database, Redis and the sandbox."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "X_API_BASE_URL": x_sandbox.url,
        # Bluesky's and Mastodon's sandboxes, when the journey asked for them before the worker.
        "BLUESKY_API_BASE_URL": settings.BLUESKY_API_BASE_URL,
        "MASTODON_API_BASE_URL": settings.MASTODON_API_BASE_URL,
        "PYTHONUNBUFFERED": "1",
    }
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "e2e-worker.log", "a")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "publish", "poll", "default", "--with-scheduler"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def wait_for(condition, *, timeout: float = 30, interval: float = 0.25, message: str = "condition"):
    """Poll until condition() is truthy; the worker runs in another process."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout}s waiting for {message}")
