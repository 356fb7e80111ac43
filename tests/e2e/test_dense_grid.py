"""The grid for a live group: one line per member, so a group of 12 fits one tablet screen; and it keeps
its meaning: a deliberate choice saves, staff who cannot record see it read-only, nothing before the start."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import (
    RATING,
    attendance_row,
    choose,
    has_horizontal_overflow,
    is_row_save,
    make_group,
    row_save,
    screenshot,
    serious_axe_violations,
    sign_in,
    stored_row,
)

pytestmark = pytest.mark.e2e
TABLET = {"width": 768, "height": 1024}
TWELVE = (
    "Ada Adams", "Ben Baker", "Cleo Chen", "Dev Desai", "Eli Evans", "Fay Fischer",
    "Gus Garcia", "Hana Hill", "Ivo Ito", "Jo Jensen", "Kai Kowalski", "Lia Lopez",
)  # fmt: skip


def rows_fully_visible(page: Page) -> int:
    """How many member rows lie entirely inside the viewport, scrolled to the top of the grid's heading."""
    return page.evaluate(
        """() => {
             document.getElementById('grid-heading').scrollIntoView();
             const height = window.innerHeight;
             return Array.from(document.querySelectorAll('.attendance-row')).filter(row => {
               const box = row.getBoundingClientRect();
               return box.top >= 0 && box.bottom <= height;
             }).length;
           }"""
    )


@pytest.mark.parametrize("viewport", [TABLET, {"width": 1280, "height": 1024}], ids=["768", "1280"])
def test_twelve_members_fit_one_screen_one_line_each(live_app, open_page, viewport):
    group = make_group(live_app, TWELVE)
    page = open_page(viewport=viewport)
    sign_in(page, group.clinician_email)
    page.goto(group.session_path)
    ada = attendance_row(page, group.members[0])
    with row_save(page):
        choose(ada, "Status", "Present")
    with row_save(page):
        choose(ada, "Participation", RATING[4])

    heights = page.evaluate(
        "Array.from(document.querySelectorAll('.attendance-row')).map(r => r.offsetHeight)"
    )
    assert max(heights) <= 52, f"a member row is {max(heights)} px tall"
    visible = rows_fully_visible(page)
    print(f"{viewport['width']}x{viewport['height']}: {visible} of 12 member rows fully visible")
    assert visible == 12
    wide = page.evaluate(
        """() => Array.from(document.querySelectorAll('body *'))
             .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
             .slice(0, 8).map(e => e.tagName + '.' + e.className)"""
    )
    assert not has_horizontal_overflow(page), wide
    # The name clinicians use: the first name with the last initial; the full name stays the accessible one.
    expect(ada.get_by_role("link", name="Adams, Ada")).to_have_text("Ada A.")
    assert serious_axe_violations(page, f"dense grid {viewport['width']}") == []
    screenshot(page, f"grid-12-members-{viewport['width']}")


def test_arrowing_through_statuses_saves_once_where_the_clinician_stops(live_app, page):
    group = make_group(live_app)
    ada = group.members[0]
    sign_in(page, group.clinician_email)
    page.goto(group.session_path)
    row = attendance_row(page, ada)
    with row_save(page):
        choose(row, "Status", "Present")
    with row_save(page):
        choose(row, "Participation", RATING[4])
    saves = []
    page.on("response", lambda response: saves.append(response.status) if is_row_save(response) else None)

    status = row.get_by_role("group", name="Status")
    status.get_by_role("radio", name="Present").focus()
    with page.expect_response(is_row_save):
        for key in ("ArrowRight",) * 3 + ("ArrowLeft",) * 3:
            page.keyboard.press(key)
    expect(row.get_by_role("status")).to_have_text("Saved")
    page.wait_for_timeout(1000)  # nothing else is on its way

    assert saves == [200]
    stored = stored_row(live_app, group, ada)
    # Passing "Absent (excused)" on the way neither saved it nor wiped the rating and minutes.
    assert (stored.status, stored.participation, stored.minutes_attended, stored.version) == (
        "present",
        4,
        180,
        2,
    )
    expect(row.get_by_role("radio", name=RATING[4])).to_be_checked()


def test_an_admin_sees_a_read_only_grid(live_app, page):
    group = make_group(live_app)
    with live_app.app_context():
        from iop.extensions import db
        from iop.models import GroupSession
        from tests.factories import make_user

        program = db.session.get(GroupSession, group.session_id).cohort.program
        admin = make_user("admin", programs=[program], email="alex@example.test")
    sign_in(page, admin.email)
    page.goto(group.session_path)
    expect(page.get_by_text("View only: attendance is recorded by")).to_be_visible()
    row = attendance_row(page, group.members[0])
    expect(row.get_by_role("radio", name="Present")).to_be_disabled()
    expect(row.get_by_label("Note")).to_have_attribute("readonly", "")
    expect(page.get_by_role("button", name="Mark all unrecorded present")).to_have_count(0)
    assert stored_row(live_app, group, group.members[0]) is None


def test_a_group_still_to_come_takes_no_attendance(live_app, page):
    group = make_group(live_app)
    with live_app.app_context():
        from datetime import timedelta

        from iop import clock
        from iop.extensions import db
        from iop.models import GroupSession

        db.session.get(GroupSession, group.session_id).starts_at = clock.now() + timedelta(days=2)
        db.session.commit()
    sign_in(page, group.clinician_email)
    page.goto(group.session_path)
    expect(page.get_by_text("attendance and the note open once it has started")).to_be_visible()
    expect(attendance_row(page, group.members[0]).get_by_role("radio", name="Present")).to_be_disabled()
    expect(page.get_by_role("button", name="Mark all unrecorded present")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign note")).to_have_count(0)
