"""axe-core on the main pages, the session page on a tablet and at 200 % zoom, and screenshots to look at.

Every violation axe reports is printed (run with -s to read them); serious and critical ones fail.
Screenshots go to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import (
    RATING,
    attendance_row,
    choose,
    format_violations,
    has_horizontal_overflow,
    make_group,
    row_save,
    screenshot,
    segment,
    serious_axe_violations,
    sign_in,
)

pytestmark = pytest.mark.e2e

TABLET = {"width": 768, "height": 1024}


@pytest.fixture
def group(live_app):
    return make_group(live_app)


def assert_accessible(page: Page, name: str) -> None:
    serious = serious_axe_violations(page, name)
    assert not serious, f"axe found serious or critical problems on {name}:\n{format_violations(serious)}"


def test_sign_in_page(page):
    page.goto("/auth/login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "sign-in")
    assert_accessible(page, "sign-in")

    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Enter your email.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_accessible_description("Enter your email.")
    assert_accessible(page, "sign-in with errors")


def test_home_lists_todays_groups(page, group):
    sign_in(page, group.clinician_email)
    expect(page.get_by_role("link", name=group.cohort_name, exact=True)).to_be_visible()
    screenshot(page, "home")
    assert_accessible(page, "home")


def test_cohort_page(page, group):
    sign_in(page, group.manager_email)
    page.goto(f"/cohorts/{group.cohort_id}")
    expect(page.get_by_role("heading", name="Roster")).to_be_visible()
    assert_accessible(page, "cohort")
    page.get_by_text("Admit a client").click()
    expect(page.get_by_label("First name")).to_be_visible()
    screenshot(page, "cohort")
    assert_accessible(page, "cohort with the admit form open")


def test_client_page(page, group):
    sign_in(page, group.manager_email)
    page.goto(f"/clients/{group.members[0].client_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(group.members[0].name)
    screenshot(page, "client")
    assert_accessible(page, "client")


def test_session_page_with_saved_conflict_and_error_rows(live_app, open_page, page_watch):
    """The grid in every state a clinician meets: saved, conflict, refused input, not recorded."""
    group = make_group(live_app, names=("Ada Adams", "Ben Baker", "Cleo Chen", "Dev Diaz"))
    ada, ben, cleo, dev = group.members
    page_watch.allow_http_status(409)
    page_watch.allow_http_status(422)
    dana = open_page(label="Dana")
    sam = open_page(label="Sam")
    for page, email in ((dana, group.clinician_email), (sam, group.colleague_email)):
        sign_in(page, email)
        page.goto(group.session_path)
    with row_save(sam):
        choose(attendance_row(sam, ada), "Status", "Present")

    row = attendance_row(dana, ben)
    with row_save(dana):
        choose(row, "Status", "Present")
    with row_save(dana, status=409):
        choose(attendance_row(dana, ada), "Status", "Absent (unexcused)")
    with row_save(dana, status=422):
        row.get_by_label("Minutes").fill("400")
        row.get_by_label("Minutes").press("Tab")
    saved = attendance_row(dana, dev)
    with row_save(dana):
        choose(saved, "Status", "Late")
    with row_save(dana):
        choose(saved, "Participation", RATING[4])
    with row_save(dana):
        saved.get_by_label("Note").fill("Camera off; joined by phone")
        saved.get_by_label("Note").press("Tab")
    expect(attendance_row(dana, ada).get_by_role("status")).to_contain_text("Sam Ortiz changed this row")
    expect(row.get_by_role("status")).to_contain_text("Not saved")
    expect(attendance_row(dana, cleo).get_by_role("status")).to_have_text("Not recorded")
    expect(saved.get_by_role("status")).to_have_text("Saved")

    # Point at a participation button so its anchor shows, as under a mouse.
    segment(saved, "Participation", RATING[2]).hover()
    screenshot(dana, "session-desktop")
    assert_accessible(dana, "session (saved, conflict, error and empty rows)")

    dana.set_viewport_size(TABLET)
    assert not has_horizontal_overflow(dana), "the session page scrolls sideways on a 768 px tablet"
    screenshot(dana, "session-tablet")
    assert_accessible(dana, "session on a tablet")


def test_session_page_is_usable_at_200_percent_zoom(open_page, group):
    """200 % browser zoom of a 1280 px window lays the page out in 640 CSS px drawn at two device pixels
    each: a 640 px viewport at device scale factor 2 is that, media queries included (CSS `zoom` on the
    root would not change the viewport the media queries see)."""
    page = open_page(label="zoomed", viewport={"width": 640, "height": 512}, device_scale_factor=2)
    sign_in(page, group.clinician_email)
    page.goto(group.session_path)
    assert not has_horizontal_overflow(page), "the session page scrolls sideways at 200 % zoom"

    row = attendance_row(page, group.members[0])
    for name in ("Present", "Technical problem"):
        box = segment(row, "Status", name).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 640, f"{name} is cut off"
    with row_save(page):
        choose(row, "Status", "Present")
    with row_save(page):
        choose(row, "Participation", RATING[5])
    expect(row.get_by_role("status")).to_have_text("Saved")
    # The anchor of the last button opens inward rather than past the edge of the screen.
    five = segment(row, "Participation", RATING[5])
    five.hover()
    tip = five.locator(".anchor").bounding_box()
    assert tip["x"] >= 0 and tip["x"] + tip["width"] <= 640 and tip["width"] > 100, tip
    assert not has_horizontal_overflow(page)
    screenshot(page, "session-zoom-200")


def test_session_page_reflows_at_320_px(open_page, group):
    """WCAG 1.4.10: at 320 CSS px (400 % zoom) nothing needs scrolling in two directions."""
    page = open_page(label="reflow", viewport={"width": 320, "height": 640})
    sign_in(page, group.clinician_email)
    page.goto(group.session_path)
    assert not has_horizontal_overflow(page), "the session page scrolls sideways at 320 px"
