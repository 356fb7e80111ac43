"""The browser watch itself: it must see CSP violations and console errors, or a clean run proves nothing."""

import pytest

pytestmark = pytest.mark.e2e


def test_the_watch_catches_csp_violations_and_console_errors(page, page_watch):
    page.goto("/auth/login")
    # An inline script, as a template mistake would add: the CSP refuses it.
    page.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.__ran = true";
        document.body.append(script);
    }""")
    page.evaluate("console.error('boom')")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__ran") is None

    page_watch.settle(page)
    assert any("CSP violation" in problem and "script-src" in problem for problem in page_watch.problems)
    assert any("console error boom" in problem for problem in page_watch.problems)
    # Seen; forget them, or the teardown would fail this test.
    page.evaluate("window.__cspViolations = []")
    page_watch.problems.clear()
