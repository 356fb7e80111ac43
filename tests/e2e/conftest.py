"""Browser fixtures: the app served for real, one Chromium per test worker, a watched page per test.

A test builds its data with tests.factories inside `with live_app.app_context():`, then drives the
browser against `live_server`. Every page is watched: a console error, an uncaught exception or a
Content-Security-Policy violation fails the test at teardown, unless the test allowed it by pattern
(a 409 or 422 the test provokes on purpose is logged by Chromium as a failed resource).
"""

from __future__ import annotations

import fcntl
import re
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from werkzeug.serving import make_server

from iop import create_app
from iop.assets import BUNDLES
from iop.extensions import assets
from tests.conftest import TEST_CONFIG

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}

# Runs in every document before the page's own scripts. Init scripts are injected over DevTools,
# so the page's CSP does not block them; the binding reports violations that happen on a page the
# test has already navigated away from.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  var violation = {
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
  };
  window.__cspViolations.push(violation);
  if (window.__reportCspViolation) { window.__reportCspViolation(violation); }
});
"""

expect.set_options(timeout=5_000)


@pytest.fixture(scope="session")
def _bundles(_migrated) -> None:
    """Build the CSS/JS bundles from node_modules and static/ once, so the browser gets current files.

    The test config turns auto-build off; xdist workers build under a file lock, and the updater
    skips the work when the bundle is already newer than its sources.
    """
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": _migrated})
    lock_path = Path(tempfile.gettempdir()) / "stepwise-e2e-assets.lock"
    with lock_path.open("w") as lock, app.app_context():
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            for name in BUNDLES:
                assets[name].build()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture
def live_app(make_app, _bundles):
    """The app as a browser meets it: CSRF on (htmx sends the token from <body hx-headers>)."""
    return make_app(WTF_CSRF_ENABLED=True, IOP_ALERT_POLL_SECONDS=2)


@pytest.fixture
def live_server(live_app) -> Iterator[str]:
    """Serve the app on a free port in a daemon thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless system Chromium per test worker (never `playwright install`)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@dataclass
class PageWatch:
    """What went wrong in the browser during one test, and what the test said to expect."""

    problems: list[str] = field(default_factory=list)
    allowed: list[re.Pattern] = field(default_factory=list)
    in_flight: dict = field(default_factory=dict)  # page -> its requests not answered yet

    def allow(self, pattern: str) -> None:
        """Accept console errors matching the pattern (e.g. the 409 a conflict test provokes)."""
        self.allowed.append(re.compile(pattern))

    def allow_http_status(self, status: int) -> None:
        """Chromium logs every 4xx/5xx response as a console error; accept this status."""
        self.allow(rf"^Failed to load resource: the server responded with a status of {status}\b")

    def watch(self, context: BrowserContext, label: str) -> Page:
        """Open a page in the context with every listener in place before the first document loads."""
        context.expose_binding(
            "__reportCspViolation",
            lambda _source, violation: self.problems.append(f"{label}: CSP violation {violation}"),
        )
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        page.on("console", lambda message: self._console(label, message))
        page.on("pageerror", lambda error: self.problems.append(f"{label}: uncaught {error}"))
        pending = self.in_flight.setdefault(page, set())
        page.on("request", lambda request: pending.add(request))
        page.on("requestfinished", lambda request: pending.discard(request))
        page.on("requestfailed", lambda request: pending.discard(request))
        return page

    def settle(self, page: Page) -> None:
        """Wait for requests still on their way (so the database is not emptied under the live server),
        and pick up any CSP violation the binding has not delivered yet."""
        for request in list(self.in_flight.get(page, ())):
            request.response()  # waits for the answer; None when the request failed
        for violation in page.evaluate("window.__cspViolations || []"):
            if not any(str(violation) in problem for problem in self.problems):
                self.problems.append(f"CSP violation {violation}")

    def _console(self, label: str, message) -> None:
        if message.type != "error" or any(pattern.search(message.text) for pattern in self.allowed):
            return
        self.problems.append(f"{label}: console error {message.text} ({message.location.get('url', '')})")


@pytest.fixture
def page_watch() -> PageWatch:
    return PageWatch()


@pytest.fixture
def open_page(browser, live_server, page_watch) -> Iterator:
    """Factory of watched pages, each in a fresh browser context: open_page(label=..., viewport=...)."""
    opened: list[tuple[BrowserContext, Page]] = []

    def open_(label: str = "page", **context_options) -> Page:
        context_options.setdefault("viewport", DESKTOP)
        context = browser.new_context(base_url=live_server, **context_options)
        page = page_watch.watch(context, label)
        opened.append((context, page))
        return page

    yield open_
    for context, page in opened:
        if not page.is_closed():
            page_watch.settle(page)
        context.close()
    if page_watch.problems:
        pytest.fail("The browser reported problems:\n" + "\n".join(page_watch.problems), pytrace=False)


@pytest.fixture
def page(open_page) -> Page:
    """One watched page in a fresh browser context, 1280 px wide."""
    return open_page()


def pytest_collection_modifyitems(config, items):
    """Everything under tests/e2e is a browser test, marked so `-m "not e2e"` leaves it out."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)
