"""The attendance grid in a real browser: every change saves by itself, in place, and survives a reload."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import (
    RATING,
    assert_no_navigation,
    attendance_row,
    choose,
    is_row_save,
    keep_watch_for_navigation,
    make_group,
    row_save,
    segment,
    sign_in,
    stored_row,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def group(live_app):
    return make_group(live_app)


def open_session(page: Page, group, email: str | None = None) -> None:
    sign_in(page, email or group.clinician_email)
    page.goto(group.session_path)
    expect(page.get_by_role("heading", level=1)).to_contain_text(group.cohort_name)


def row_state(row):
    return row.get_by_role("status")


def test_clinician_records_the_group_in_place_and_it_survives_a_reload(live_app, page, group):
    ada, ben, cleo = group.members
    sign_in(page, group.clinician_email)
    expect(page.get_by_role("heading", name="Today's groups")).to_be_visible()

    page.get_by_role("link", name=group.cohort_name, exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(group.session_path) + "$"))
    navigations = keep_watch_for_navigation(page)

    row = attendance_row(page, ada)
    expect(row_state(row)).to_have_text("Not recorded")
    with row_save(page):
        choose(row, "Status", "Present")
    expect(row_state(row)).to_have_text("Saved")
    expect(row.get_by_label("Minutes")).to_have_value("180")
    with row_save(page):
        choose(row, "Participation", RATING[4])
    expect(row_state(row)).to_have_text("Saved")
    with row_save(page):
        row.get_by_label("Note").fill("Shared her relapse-prevention plan")
        row.get_by_label("Note").press("Tab")
    expect(row_state(row)).to_have_text("Saved")

    row = attendance_row(page, ben)
    with row_save(page):
        choose(row, "Status", "Late")
    expect(row_state(row)).to_have_text("Saved")
    expect(row.get_by_label("Minutes")).to_have_value("135")
    with row_save(page):
        choose(row, "Participation", RATING[3])
    expect(row_state(row)).to_have_text("Saved")

    row = attendance_row(page, cleo)
    with row_save(page):
        choose(row, "Status", "Absent (excused)")
    expect(row_state(row)).to_have_text("Saved")
    expect(row.get_by_label("Minutes")).to_have_value("0")
    expect(row.get_by_role("radio", name=RATING[3])).to_be_disabled()

    expect(page.get_by_role("heading", name="Attendance")).to_contain_text("3 of 3 recorded")
    assert_no_navigation(page, navigations)

    page.reload()
    row = attendance_row(page, ada)
    expect(row.get_by_role("radio", name="Present")).to_be_checked()
    expect(row.get_by_role("radio", name=RATING[4])).to_be_checked()
    expect(row.get_by_label("Note")).to_have_value("Shared her relapse-prevention plan")
    expect(row_state(row)).to_have_text("Recorded")
    row = attendance_row(page, ben)
    expect(row.get_by_role("radio", name="Late")).to_be_checked()
    expect(row.get_by_label("Minutes")).to_have_value("135")
    expect(row.get_by_role("radio", name=RATING[3])).to_be_checked()
    row = attendance_row(page, cleo)
    expect(row.get_by_role("radio", name="Absent (excused)")).to_be_checked()
    expect(row.get_by_role("radio", name=RATING[1])).to_be_disabled()

    stored = [stored_row(live_app, group, member) for member in group.members]
    assert [(r.status, r.minutes_attended, r.participation, r.note) for r in stored] == [
        ("present", 180, 4, "Shared her relapse-prevention plan"),
        ("late", 135, 3, ""),
        ("absent_excused", 0, None, ""),
    ]


def test_status_is_operable_from_the_keyboard(live_app, page, group):
    ada = group.members[0]
    open_session(page, group)
    row = attendance_row(page, ada)
    status = row.get_by_role("group", name="Status")

    row.get_by_role("link", name="Adams, Ada").focus()
    page.keyboard.press("Tab")
    present = status.get_by_role("radio", name="Present")
    expect(present).to_be_focused()
    # The focused (visually hidden) radio shows its focus ring on the button-like label.
    outline = segment(row, "Status", "Present").evaluate("label => getComputedStyle(label).outlineStyle")
    assert outline not in ("", "none")

    with row_save(page):
        page.keyboard.press("Space")
    expect(present).to_be_checked()
    expect(row_state(row)).to_have_text("Saved")

    with row_save(page):
        page.keyboard.press("ArrowRight")
    late = status.get_by_role("radio", name="Late")
    expect(late).to_be_checked()
    expect(late).to_be_focused()
    expect(row_state(row)).to_have_text("Saved")
    expect(row.get_by_label("Minutes")).to_have_value("135")

    row_now = stored_row(live_app, group, ada)
    assert (row_now.status, row_now.minutes_attended, row_now.version) == ("late", 135, 2)


def test_a_stale_edit_shows_the_colleagues_row_and_saves_nothing(live_app, open_page, page_watch, group):
    ada, ben, cleo = group.members
    page_watch.allow_http_status(409)
    dana = open_page(label="Dana")
    sam = open_page(label="Sam")
    open_session(dana, group)
    open_session(sam, group, email=group.colleague_email)

    # Sam has already recorded Ben; Dana's page was loaded before that and does not know.
    with row_save(sam):
        choose(attendance_row(sam, ben), "Status", "Present")
    untouched_before = {m: attendance_row(dana, m).inner_html() for m in (ben, cleo)}

    with row_save(sam):
        choose(attendance_row(sam, ada), "Status", "Present")
    with row_save(dana, status=409):
        choose(attendance_row(dana, ada), "Status", "Absent (unexcused)")

    row = attendance_row(dana, ada)
    expect(row_state(row)).to_contain_text("Sam Ortiz changed this row at")
    expect(row_state(row)).to_contain_text("your change was not saved")
    expect(row.get_by_role("radio", name="Present")).to_be_checked()
    expect(row.get_by_role("radio", name="Absent (unexcused)")).not_to_be_checked()
    expect(row.get_by_label("Minutes")).to_have_value("180")
    for member, html in untouched_before.items():
        assert attendance_row(dana, member).inner_html() == html
    expect(attendance_row(dana, ben).get_by_role("radio", name="Present")).not_to_be_checked()

    stored = stored_row(live_app, group, ada)
    assert (stored.status, stored.version) == ("present", 1)

    # Having seen the current record, Dana can make her change on purpose.
    with row_save(dana):
        choose(row, "Status", "Absent (unexcused)")
    expect(row_state(row)).to_have_text("Saved")
    expect(row).not_to_have_class(re.compile(r"\bis-conflict\b"))
    assert stored_row(live_app, group, ada).status == "absent_unexcused"


def test_minutes_beyond_the_session_are_refused_in_place(live_app, page, page_watch, group):
    ada, ben, cleo = group.members
    page_watch.allow_http_status(422)
    open_session(page, group)
    navigations = keep_watch_for_navigation(page)
    for member in (ada, ben):
        with row_save(page):
            choose(attendance_row(page, member), "Status", "Present")
        expect(row_state(attendance_row(page, member))).to_have_text("Saved")

    row = attendance_row(page, ada)
    with row_save(page):
        row.get_by_label("Note").fill("Joined from her car")
        row.get_by_label("Note").press("Tab")
    with row_save(page, status=422):
        row.get_by_label("Minutes").fill("400")
        row.get_by_label("Minutes").press("Tab")

    minutes = row.get_by_label("Minutes")
    expect(minutes).to_have_value("400")
    expect(minutes).to_have_attribute("aria-invalid", "true")
    expect(minutes).to_have_accessible_description("Minutes must be between 0 and 180, the session's length.")
    expect(row.get_by_text("Minutes must be between 0 and 180")).to_be_visible()
    expect(row.get_by_label("Note")).to_have_value("Joined from her car")
    expect(row.get_by_role("radio", name="Present")).to_be_checked()
    expect(row_state(row)).to_contain_text("Not saved")

    expect(row_state(attendance_row(page, ben))).to_have_text("Saved")
    expect(attendance_row(page, ben).get_by_role("radio", name="Present")).to_be_checked()
    expect(row_state(attendance_row(page, cleo))).to_have_text("Not recorded")
    assert_no_navigation(page, navigations)
    stored = stored_row(live_app, group, ada)
    assert (stored.minutes_attended, stored.note) == (180, "Joined from her car")

    # Correcting the value saves it, and the row no longer shows the old error.
    with row_save(page):
        minutes.fill("150")
        minutes.press("Tab")
    expect(row_state(row)).to_have_text("Saved")
    expect(minutes).not_to_have_attribute("aria-invalid", "true")
    expect(row.get_by_text("Minutes must be between 0 and 180")).to_have_count(0)
    expect(row).not_to_have_class(re.compile(r"\bis-error\b"))
    assert stored_row(live_app, group, ada).minutes_attended == 150


def test_mark_all_unrecorded_present_leaves_recorded_rows_alone(live_app, page, group):
    ada, ben, cleo = group.members
    open_session(page, group)
    with row_save(page):
        choose(attendance_row(page, ada), "Status", "Absent (excused)")
    expect(row_state(attendance_row(page, ada))).to_have_text("Saved")

    mark_all = page.get_by_role("button", name="Mark all unrecorded present")
    mark_all.focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Attendance")).to_contain_text("3 of 3 recorded")
    # The grid is redrawn without the button (nobody is left); a keyboard user lands on the count.
    expect(mark_all).to_have_count(0)
    expect(page.get_by_role("heading", name="Attendance")).to_be_focused()
    expect(attendance_row(page, ada).get_by_role("radio", name="Absent (excused)")).to_be_checked()
    for member in (ben, cleo):
        expect(attendance_row(page, member).get_by_role("radio", name="Present")).to_be_checked()
        expect(attendance_row(page, member).get_by_label("Minutes")).to_have_value("180")
    assert [stored_row(live_app, group, m).status for m in group.members] == [
        "absent_excused",
        "present",
        "present",
    ]


def test_group_note_is_written_signed_and_then_amended(live_app, page, page_watch, group):
    page_watch.allow_http_status(422)
    open_session(page, group)
    note = page.locator("#note")

    # Signing too early says what is missing.
    note.get_by_role("button", name="Sign note").click()
    expect(note.get_by_role("alert").filter(has_text="Topic is empty.")).to_be_visible()
    expect(
        note.get_by_text("Attendance is not recorded for Ada Adams, Ben Baker, Cleo Chen.")
    ).to_be_visible()

    page.get_by_role("button", name="Mark all unrecorded present").click()
    expect(page.get_by_role("heading", name="Attendance")).to_contain_text("3 of 3 recorded")
    note.get_by_label("Topic").fill("Distress tolerance: TIPP skills")
    note.get_by_label("Interventions").fill("Taught TIPP; practised paced breathing.")
    note.get_by_label("Group observations").fill("Engaged group; two members shared recent urges.")
    note.get_by_role("button", name="Save note").click()
    expect(note.get_by_role("status").filter(has_text="Note saved.")).to_be_visible()
    expect(note.get_by_role("button", name="Save note")).to_be_focused()

    note.get_by_role("button", name="Sign note").click()
    expect(note.get_by_text(f"Signed by {group.clinician_name}")).to_be_visible()
    expect(note.get_by_role("button", name="Sign note")).to_have_count(0)
    # Outside the note block, without a reload: the grid's notice and the header's badge.
    expect(page.locator("#signed-notice")).to_have_text(
        "Signed: changes to attendance are kept as amendments."
    )
    expect(page.locator("#session-badge")).to_have_text("Signed")
    amendments = page.get_by_role("list", name="Amendments")
    expect(amendments.get_by_role("listitem")).to_have_count(0)
    expect(note.get_by_text("None.")).to_be_visible()

    # A change to attendance after signing is an amendment with a reason, listed at once.
    page.get_by_label("Reason for changing signed attendance").fill("Ben left at the break")
    row = attendance_row(page, group.members[1])
    with row_save(page):
        choose(row, "Status", "Left early")
    expect(row_state(row)).to_have_text("Saved")
    expect(amendments.get_by_role("listitem")).to_have_count(1)
    expect(amendments.get_by_role("listitem")).to_contain_text("attendance of Ben Baker")
    expect(note.get_by_text("None.")).to_be_hidden()

    note.get_by_label("Topic").fill("Distress tolerance: TIPP and self-soothing")
    note.get_by_label("Reason for the amendment").fill("Self-soothing was taught as well")
    note.get_by_role("button", name="Save amendment").click()
    expect(amendments.get_by_role("listitem")).to_have_count(2)
    expect(amendments.get_by_role("listitem").last).to_contain_text("Distress tolerance: TIPP skills")
    expect(amendments.get_by_role("listitem").last).to_contain_text(
        "Distress tolerance: TIPP and self-soothing"
    )

    page.reload()
    expect(page.get_by_text(f"Signed by {group.clinician_name}")).to_be_visible()
    expect(page.get_by_role("list", name="Amendments").get_by_role("listitem")).to_have_count(2)


def test_a_save_the_server_refuses_never_looks_saved(live_app, page, page_watch, group):
    ada = group.members[0]
    page_watch.allow_http_status(400)
    page_watch.allow(r"^Response Status Error Code 400 from /sessions/")  # htmx logs refused requests
    open_session(page, group)
    # The page's form token goes stale (as after signing in again elsewhere). Done in place rather than by
    # signing out in another tab, where the alert badge's poll could catch the signed-out moment and leave.
    page.evaluate(
        """() => {
             document.body.setAttribute("hx-headers", JSON.stringify({"X-CSRFToken": "stale-token"}));
             document.querySelectorAll("input[name=csrf_token]").forEach(i => { i.value = "stale-token"; });
           }"""
    )

    row = attendance_row(page, ada)
    with row_save(page, status=400):
        choose(row, "Status", "Present")

    expect(page.get_by_text("This form has expired")).to_be_visible()
    expect(row_state(row)).to_have_text("Not saved. See the message at the top of the page.")
    assert stored_row(live_app, group, ada) is None


def test_quick_changes_of_mind_settle_into_one_save(live_app, page, group):
    ada = group.members[0]
    open_session(page, group)
    row = attendance_row(page, ada)
    labels = [segment(row, "Status", name).get_attribute("for") for name in ("Present", "Late", "Left early")]
    answered = []
    page.on("response", lambda response: answered.append(response.status) if is_row_save(response) else None)

    # Three presses inside one browser task: the row waits for the clinician to settle, then saves the last.
    with page.expect_response(is_row_save):
        page.evaluate(
            "ids => ids.forEach(id => document.querySelector(`label[for='${id}']`).click())", labels
        )
    expect(row_state(row)).to_have_text("Saved")
    page.wait_for_timeout(1000)  # nothing else is on its way

    assert answered == [200]
    expect(row.get_by_role("radio", name="Left early")).to_be_checked()
    expect(row.get_by_label("Minutes")).to_have_value("135")
    stored = stored_row(live_app, group, ada)
    assert (stored.status, stored.minutes_attended, stored.version) == ("left_early", 135, 1)


def test_a_save_after_the_idle_timeout_leads_to_sign_in_and_saves_nothing(live_app, page, page_watch, group):
    ada = group.members[0]
    page_watch.allow_http_status(401)
    open_session(page, group)
    # The alert badge's poll would meet the timeout first (while the row settles) and lead away on its own;
    # its first load may still be on the way (seen on a busy machine), so wait for it before removing it.
    page.wait_for_load_state("networkidle")
    page.evaluate("document.querySelector('.alert-count').closest('a').remove()")
    live_app.config["IOP_IDLE_TIMEOUT"] = timedelta(0)  # the clinician has been away too long

    with row_save(page, status=401):
        choose(attendance_row(page, ada), "Status", "Present")

    # htmx follows HX-Redirect: a whole sign-in page, never a login form inside the grid.
    expect(page).to_have_url(re.compile(r"/auth/login"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("form", name=re.compile("Attendance"))).to_have_count(0)
    assert stored_row(live_app, group, ada) is None


def row_saves_sent(page: Page) -> list:
    """The row saves the page sends from now on (requests, answered or not)."""
    sent: list = []
    page.on("request", lambda request: sent.append(request) if is_row_save_request(request) else None)
    return sent


def is_row_save_request(request) -> bool:
    return request.method == "POST" and "/attendance/" in request.url


def open_session_on_a_held_clock(page: Page, group) -> None:
    """The session page with the page's clock stopped, so the test moves the row's settle on itself."""
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    sign_in(page, group.clinician_email)
    page.clock.install(time=start)
    page.goto(group.session_path)
    expect(page.get_by_role("heading", level=1)).to_contain_text(group.cohort_name)
    page.clock.pause_at(start + timedelta(minutes=5))


def test_a_row_saves_through_its_form_naming_the_control_that_changed(live_app, page, group):
    ada, ben = group.members[:2]
    open_session_on_a_held_clock(page, group)
    row = attendance_row(page, ada)
    # The form is the row's one htmx element: its controls ask it to save and carry no htmx of their own.
    expect(row).to_have_attribute("hx-trigger", "row-save, submit")
    expect(row.locator("[hx-post], [hx-trigger]")).to_have_count(0)
    sent = row_saves_sent(page)

    # A status click saves once, after the settle.
    choose(row, "Status", "Late")
    page.clock.run_for(599)
    assert sent == []
    with row_save(page):
        page.clock.run_for(1)
    expect(row_state(row)).to_have_text("Saved")
    expect(row.get_by_label("Minutes")).to_have_value("135")
    page.clock.run_for(1000)
    assert [request.headers.get("hx-trigger-name") for request in sent] == ["status"]

    # A note typed while another row's status settles saves on change, and the status still saves after.
    other = attendance_row(page, ben)
    choose(other, "Status", "Present")
    with row_save(page):
        row.get_by_label("Note").fill("Joined from her car")
        row.get_by_label("Note").press("Tab")
    expect(row_state(row)).to_have_text("Saved")
    with row_save(page):
        page.clock.run_for(600)
    expect(row_state(other)).to_have_text("Saved")
    page.clock.run_for(1000)
    assert [request.headers.get("hx-trigger-name") for request in sent] == ["status", "note", "status"]
    assert [request.url.rsplit("/", 1)[1] for request in sent] == [
        str(ada.enrollment_id),
        str(ada.enrollment_id),
        str(ben.enrollment_id),
    ]
    stored = [stored_row(live_app, group, member) for member in (ada, ben)]
    assert [(r.status, r.minutes_attended, r.note, r.version) for r in stored] == [
        ("late", 135, "Joined from her car", 2),
        ("present", 180, "", 1),
    ]


def test_a_signed_rows_typed_change_carries_the_reason_from_above_the_grid(live_app, page, group):
    ben = group.members[1]
    open_session(page, group)
    note = page.locator("#note")
    page.get_by_role("button", name="Mark all unrecorded present").click()
    expect(page.get_by_role("heading", name="Attendance")).to_contain_text("3 of 3 recorded")
    note.get_by_label("Topic").fill("Distress tolerance: TIPP skills")
    note.get_by_label("Interventions").fill("Taught TIPP; practised paced breathing.")
    note.get_by_label("Group observations").fill("Engaged group; two members shared recent urges.")
    note.get_by_role("button", name="Sign note").click()
    expect(note.get_by_text(f"Signed by {group.clinician_name}")).to_be_visible()

    page.get_by_label("Reason for changing signed attendance").fill("Ben's note was left out")
    row = attendance_row(page, ben)
    with row_save(page) as saved:
        row.get_by_label("Note").fill("Left at the break for a call")
        row.get_by_label("Note").press("Tab")
    expect(row_state(row)).to_have_text("Saved")
    sent = saved.value.request
    assert sent.headers.get("hx-trigger-name") == "note"
    # Once, from the box above the grid (the row's own box is for pages without scripts).
    assert parse_qs(sent.post_data)["reason"] == ["Ben's note was left out"]
    amendments = page.get_by_role("list", name="Amendments").get_by_role("listitem")
    expect(amendments).to_have_count(1)
    expect(amendments.first).to_contain_text("Reason: Ben's note was left out")
    assert stored_row(live_app, group, ben).note == "Left at the break for a call"
