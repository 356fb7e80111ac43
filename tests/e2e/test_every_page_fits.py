"""In the browser: every page each demo role reaches fits a phone (375 px) and a tablet (768 px).

The demo clinic is seeded at the clock's moment; each role signs in and follows its own links breadth
first. A page fits when the document is no wider than the window: wide tables scroll inside their own
box (macros/tables.html), never the page.
"""

from __future__ import annotations

import re
import urllib.parse
from collections import Counter

import pytest
from playwright.sync_api import Page

from iop.demo import seed_demo_clinic
from iop.demo.content import ADMIN_EMAIL, CASE_MANAGER_EMAIL, CLINICIAN_EMAIL, FAMILY_EMAIL, PASSWORD
from iop.extensions import db
from tests.e2e.browser import sign_in

WIDTHS = (375, 768)
# Pages of one shape (the same URL but for ids and dates) visited per role: two, so a second client's
# data (a longer medication name, an ended prescription) gets its chance to widen a page.
PER_SHAPE = 2
# Links that change something, leave the app or download rather than show a page.
SKIP = re.compile(r"^/(auth/logout|static/)|\.(js|css|png|csv|json)$|/api/")
TABS = ("assessments", "symptoms", "goals", "medications", "enrollment")
CLIENT_TABS = {"/clients/N", *(f"/clients/N/{tab}" for tab in TABS)}
ROLES = {
    "admin": (ADMIN_EMAIL, {"/admin/", "/admin/programs/", "/admin/staff/", "/cohorts/N", *CLIENT_TABS}),
    "clinician": (CLINICIAN_EMAIL, {"/", "/cohorts/", "/cohorts/N", "/sessions/N", "/alerts/", *CLIENT_TABS}),
    "case_manager": (CASE_MANAGER_EMAIL, {"/", "/cohorts/", "/cohorts/N", "/sessions/N", *CLIENT_TABS}),
    "family": (FAMILY_EMAIL, {"/"}),
}


def shape(path: str) -> str:
    """The URL with every number replaced: /clients/8/medications?week=2026-11-30 is
    /clients/N/medications?week=N-N-N."""
    return re.sub(r"\d+", "N", path)


def same_origin_links(page: Page) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    here = urllib.parse.urlparse(page.url).netloc
    paths = []
    for href in hrefs:
        url = urllib.parse.urlparse(href)
        path = url.path + (f"?{url.query}" if url.query else "")
        if url.netloc == here and not SKIP.search(url.path):
            paths.append(path)
    return paths


# The innermost elements whose right edge passes the window's: what a failure message names.
STICKING_OUT = """() => Array.from(document.querySelectorAll("body *"))
  .filter(el => el.getBoundingClientRect().right > innerWidth || el.scrollWidth > innerWidth)
  .slice(0, 3).map(el => el.outerHTML.slice(0, 120))"""


def overflow(page: Page, width: int) -> str | None:
    """None when the page fits the window at this width, else how wide it is and what sticks out."""
    page.set_viewport_size({"width": width, "height": 900})
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width <= page.evaluate("innerWidth"):
        return None
    return f"{scroll_width}px wide at {width}px: {page.evaluate(STICKING_OUT)}"


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_demo_role_reaches_fits_phone_and_tablet(live_app, open_page, role):
    with live_app.app_context():
        seed_demo_clinic(clients=10, weeks=5, seed=11)
        db.session.commit()
    email, must_reach = ROLES[role]
    page = open_page(role, viewport={"width": WIDTHS[0], "height": 900})
    sign_in(page, email, PASSWORD)
    queue, seen, shapes, too_wide = ["/"], set(), Counter(), []
    while queue:
        path = queue.pop(0)
        if path in seen or shapes[shape(path)] >= PER_SHAPE:
            continue
        seen.add(path)
        shapes[shape(path)] += 1
        response = page.goto(path)
        assert response is not None and response.ok, f"{path} answered {response and response.status}"
        too_wide += [f"{path} is {problem}" for width in WIDTHS if (problem := overflow(page, width))]
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        queue += [link for link in same_origin_links(page) if link not in seen]
    assert must_reach <= set(shapes), f"{role} never reached {sorted(must_reach - set(shapes))}"
    assert too_wide == [], "pages scroll sideways:\n" + "\n".join(too_wide)
