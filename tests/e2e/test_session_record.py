"""Nothing a clinician types on the session page is lost (issue 7 §1-§2): the group note saves itself while
typed and a refused sign keeps every word; a note needs no status; a conflict keeps the typed note to
re-apply; a refused rating shows the stored one; signed records change only with a reason; "Mark all
unrecorded present" goes once nobody is left."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, Response, expect
from sqlalchemy import select

from iop.extensions import db
from iop.models import Amendment, AuditEvent, GroupSession
from tests.e2e.browser import (
    RATING,
    attendance_row,
    choose,
    make_group,
    row_save,
    screenshot,
    sign_in,
    stored_row,
)

pytestmark = pytest.mark.e2e
NOTE = {
    "Topic": "Distress tolerance: TIPP skills",
    "Interventions": "Taught TIPP; practised paced breathing.",
    "Group observations": "Engaged group; two members shared recent urges.",
}


@pytest.fixture
def group(live_app):
    return make_group(live_app)


def stored_session(app, group) -> GroupSession:
    with app.app_context():
        group_session = db.session.get(GroupSession, group.session_id)
        db.session.expunge(group_session)
        return group_session


def is_note_save(response: Response) -> bool:
    return response.request.method == "POST" and response.url.endswith("/note")


def is_sign(response: Response) -> bool:
    return response.request.method == "POST" and response.url.endswith("/sign")


def open_session(page: Page, group, email: str | None = None) -> None:
    sign_in(page, email or group.clinician_email)
    page.goto(group.session_path)
    expect(page.get_by_role("heading", level=1)).to_contain_text(group.cohort_name)


def test_the_note_saves_itself_while_typed(live_app, page, group):
    open_session(page, group)
    note = page.locator("#note")
    with page.expect_response(is_note_save) as autosave:
        note.get_by_label("Topic").press_sequentially("Distress tolerance")
    assert autosave.value.status == 200
    expect(note.get_by_role("status").filter(has_text="Draft saved")).to_be_visible()
    expect(note.get_by_label("Topic")).to_be_focused()  # typing goes on where it was
    assert stored_session(live_app, group).topic == "Distress tolerance"

    # The next pause saves again from the new version: no conflict with oneself.
    with page.expect_response(is_note_save) as again:
        note.get_by_label("Interventions").press_sequentially("Taught TIPP.")
    assert again.value.status == 200
    stored = stored_session(live_app, group)
    assert (stored.topic, stored.interventions, stored.note_version) == (
        "Distress tolerance",
        "Taught TIPP.",
        2,
    )


def test_a_refused_sign_keeps_every_word_typed(live_app, page, page_watch, group):
    page_watch.allow_http_status(422)
    open_session(page, group)
    note = page.locator("#note")
    for label, text in NOTE.items():
        note.get_by_label(label).fill(text)
    # Signed at once, before any pause could save a draft: the sign carries the text on screen.
    with page.expect_response(is_sign) as signing:
        note.get_by_role("button", name="Sign note").click()
    assert signing.value.status == 422
    expect(note.get_by_role("alert").filter(has_text="Attendance is not recorded for")).to_be_visible()
    for label, text in NOTE.items():
        expect(note.get_by_label(label)).to_have_value(text)
    stored = stored_session(live_app, group)
    assert (stored.topic, stored.interventions, stored.observations) == tuple(NOTE.values())
    assert stored.signed_at is None

    # Once everyone is recorded the same text signs, and the boxes were never emptied on the way.
    page.get_by_role("button", name="Mark all unrecorded present").click()
    expect(page.get_by_role("heading", name="Attendance")).to_contain_text("3 of 3 recorded")
    with page.expect_response(is_sign) as signing:
        note.get_by_role("button", name="Sign note").click()
    assert signing.value.status == 200
    expect(note.get_by_text(f"Signed by {group.clinician_name}")).to_be_visible()
    expect(note.get_by_label("Group observations")).to_have_value(NOTE["Group observations"])
    assert stored_session(live_app, group).signed_at is not None
    screenshot(page, "session-signed-1280")


def test_a_note_typed_before_a_status_is_kept(live_app, page, group):
    ada = group.members[0]
    open_session(page, group)
    row = attendance_row(page, ada)
    with row_save(page):
        row.get_by_label("Note").fill("Camera off, joined by phone")
        row.get_by_label("Note").press("Tab")
    expect(row.get_by_role("status")).to_have_text("Saved")
    stored = stored_row(live_app, group, ada)
    assert (stored.status, stored.minutes_attended, stored.note) == (
        None,
        None,
        "Camera off, joined by phone",
    )
    expect(page.get_by_role("heading", name="Attendance")).to_contain_text("0 of 3 recorded")

    page.reload()
    row = attendance_row(page, ada)
    expect(row.get_by_label("Note")).to_have_value("Camera off, joined by phone")
    expect(row.get_by_role("status")).to_have_text("No status yet")
    with row_save(page):
        choose(row, "Status", "Technical problem")
    expect(row.get_by_label("Minutes")).to_have_value("90")
    stored = stored_row(live_app, group, ada)
    assert (stored.status, stored.minutes_attended, stored.note) == (
        "technical_problem",
        90,
        "Camera off, joined by phone",
    )


def test_a_conflict_keeps_the_typed_note_beside_the_fresh_row(live_app, open_page, page_watch, group):
    ada = group.members[0]
    page_watch.allow_http_status(409)
    dana, sam = open_page(label="Dana"), open_page(label="Sam")
    open_session(dana, group)
    open_session(sam, group, email=group.colleague_email)
    with row_save(sam):
        choose(attendance_row(sam, ada), "Status", "Present")

    # Dana's page does not know Ada is recorded; she types a note before choosing a status.
    row = attendance_row(dana, ada)
    with row_save(dana, status=409):
        row.get_by_label("Note").fill("Arrived upset after a call")
        row.get_by_label("Note").press("Tab")
    expect(row.get_by_role("status")).to_contain_text("Sam Ortiz changed this row at")
    expect(row.get_by_text("Choose a status first")).to_have_count(0)
    expect(row.get_by_role("radio", name="Present")).to_be_checked()
    expect(row.get_by_label("Note")).to_have_value("")
    expect(row.get_by_text("Your note, not saved")).to_contain_text("Arrived upset after a call")
    dana.set_viewport_size({"width": 768, "height": 1024})
    screenshot(dana, "session-conflict-768")

    with row_save(dana):
        row.get_by_role("button", name="Use my note").click()
    expect(row.get_by_label("Note")).to_have_value("Arrived upset after a call")
    expect(row.get_by_role("status")).to_have_text("Saved")
    stored = stored_row(live_app, group, ada)
    assert (stored.status, stored.note, stored.version) == ("present", "Arrived upset after a call", 2)


def test_a_refused_rating_shows_the_stored_rating(live_app, page, page_watch, group):
    ada = group.members[0]
    page_watch.allow_http_status(422)
    open_session(page, group)
    row = attendance_row(page, ada)
    with row_save(page):
        choose(row, "Status", "Present")
    with row_save(page):
        choose(row, "Participation", RATING[4])
    # A tampered or stale control sends 7; the server refuses it and the row shows the 4 it holds.
    row.get_by_role("radio", name=RATING[2]).evaluate("radio => { radio.value = '7'; }")
    with row_save(page, status=422):
        choose(row, "Participation", RATING[2])
    expect(row.get_by_text("Participation is rated from 1 to 5.")).to_be_visible()
    expect(row.get_by_role("radio", name=RATING[4])).to_be_checked()
    assert stored_row(live_app, group, ada).participation == 4


def test_mark_all_goes_once_nobody_is_left_unrecorded(live_app, page, group):
    ada, ben, cleo = group.members
    open_session(page, group)
    mark_all = page.get_by_role("button", name="Mark all unrecorded present")
    for member, status in ((ada, "Present"), (ben, "Late")):
        with row_save(page):
            choose(attendance_row(page, member), "Status", status)
        expect(mark_all).to_be_visible()
    with row_save(page):
        choose(attendance_row(page, cleo), "Status", "Absent (excused)")
    expect(page.get_by_role("heading", name="Attendance")).to_contain_text("3 of 3 recorded")
    expect(mark_all).to_have_count(0)
    page.reload()
    expect(mark_all).to_have_count(0)


def test_a_signed_session_changes_only_with_a_reason(live_app, page, page_watch, group):
    ben = group.members[1]
    page_watch.allow_http_status(422)
    open_session(page, group)
    note = page.locator("#note")
    page.get_by_role("button", name="Mark all unrecorded present").click()
    expect(page.get_by_role("button", name="Mark all unrecorded present")).to_have_count(0)
    for label, text in NOTE.items():
        note.get_by_label(label).fill(text)
    note.get_by_role("button", name="Sign note").click()
    expect(note.get_by_text(f"Signed by {group.clinician_name}")).to_be_visible()

    # A row change without a reason is refused in the row, and nothing changes.
    row = attendance_row(page, ben)
    with row_save(page, status=422):
        choose(row, "Status", "Left early")
    expect(row.get_by_role("status")).to_contain_text("say why you are changing it")
    assert stored_row(live_app, group, ben).status == "present"

    page.get_by_label("Reason for changing signed attendance").fill("Ben left at the break")
    with row_save(page):
        choose(row, "Status", "Left early")
    expect(row.get_by_role("status")).to_have_text("Saved")
    amendments = page.get_by_role("list", name="Amendments").get_by_role("listitem")
    expect(amendments).to_have_count(1)
    expect(amendments.first).to_contain_text("Reason: Ben left at the break")

    # The note, too: an amendment without a reason comes back with the text kept.
    note.get_by_label("Topic").fill("Distress tolerance: TIPP and self-soothing")
    note.get_by_role("button", name="Save amendment").click()
    expect(note.get_by_role("alert").filter(has_text="Say why the signed note is changed")).to_be_visible()
    expect(note.get_by_label("Topic")).to_have_value("Distress tolerance: TIPP and self-soothing")
    note.get_by_label("Reason for the amendment").fill("Self-soothing was taught as well")
    note.get_by_role("button", name="Save amendment").click()
    expect(amendments).to_have_count(2)
    expect(amendments.last).to_contain_text("Reason: Self-soothing was taught as well")
    screenshot(page, "session-amended-1280")

    with live_app.app_context():
        reasons = db.session.scalars(select(Amendment.reason).order_by(Amendment.id)).all()
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(("attendance.amend", "note.amend")))
        ).all()
        assert reasons == ["Ben left at the break", "Self-soothing was taught as well"]
        # One attendance amendment of Ben; the note's amendment is recorded once per member of the group.
        assert [event.action for event in events].count("attendance.amend") == 1
        assert [event.action for event in events].count("note.amend") == len(group.members)
        # The reason is on the amendment; the audit trail keeps codes and ids, never the text.
        for event in events:
            assert "break" not in event.details and "Self-soothing" not in event.details
            assert json.loads(event.details).get("amendment_id") or json.loads(event.details)["amendment_ids"]
