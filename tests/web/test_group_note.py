"""The group note: drafts, conflicts that keep the typed text, signing, and amendments after signing."""

import pytest
from sqlalchemy import select

from iop.extensions import db
from iop.models import Amendment, Attendance, GroupSession
from tests.factories import make_cohort, make_enrollment, make_program, make_session, make_user

HTMX = {"HX-Request": "true", "HX-Target": "note"}
NOTE = {
    "topic": "Distress tolerance",
    "interventions": "Taught TIPP skills.",
    "observations": "Engaged group.",
}


@pytest.fixture
def world(app):
    program = make_program()
    cohort = make_cohort(program)
    member = make_enrollment(cohort, first_name="Ana", last_name="Lopez")
    group_session = make_session(cohort)
    clinician = make_user("clinician", programs=[program], name="Dana Reyes")
    return {"session": group_session, "member": member, "clinician": clinician, "program": program}


def note_url(world, action="note"):
    return f"/sessions/{world['session'].id}/{action}"


def fresh(world) -> GroupSession:
    db.session.expire_all()
    return db.session.get(GroupSession, world["session"].id)


def record_everyone(world):
    db.session.add(
        Attendance(
            session_id=world["session"].id,
            enrollment_id=world["member"].id,
            status="present",
            minutes_attended=180,
            updated_by_id=world["clinician"].id,
        )
    )
    db.session.commit()


def test_saving_the_note_returns_the_note_block(world, login):
    response = login(world["clinician"]).post(note_url(world), data={"version": "0", **NOTE}, headers=HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="note"')
    assert "Note saved." in response.text
    stored = fresh(world)
    assert (stored.topic, stored.note_version) == ("Distress tolerance", 1)


def test_a_stale_note_is_a_conflict_that_keeps_the_typed_text(world, login):
    client = login(world["clinician"])
    client.post(note_url(world), data={"version": "0", **NOTE}, headers=HTMX)
    mine = {**NOTE, "observations": "My long observation that must not be lost."}
    response = client.post(note_url(world), data={"version": "0", **mine}, headers=HTMX)
    assert response.status_code == 409
    assert "My long observation that must not be lost." in response.text
    assert "Someone else saved this note" in response.text
    assert fresh(world).observations == "Engaged group."


def test_signing_needs_every_member_recorded_and_a_complete_note(world, login):
    client = login(world["clinician"])
    response = client.post(note_url(world, "sign"), headers=HTMX)
    assert response.status_code == 422
    assert "Topic is empty." in response.text
    assert "Attendance is not recorded for Ana Lopez." in response.text
    assert fresh(world).signed_at is None


def test_signed_note_changes_become_amendments_that_keep_the_original(world, login):
    client = login(world["clinician"])
    record_everyone(world)
    client.post(note_url(world), data={"version": "0", **NOTE}, headers=HTMX)
    response = client.post(note_url(world, "sign"), headers=HTMX)
    assert response.status_code == 200
    assert "Signed by" in response.text
    # The header badge and the grid's notice are outside the note block: they follow out of band.
    assert '<small id="session-badge" hx-swap-oob="true">' in response.text
    assert '<p id="signed-notice" class="muted" hx-swap-oob="true">Signed:' in response.text
    assert fresh(world).signed_by_id == world["clinician"].id

    amended = {**NOTE, "observations": "Engaged group; one member left early.", "reason": "Late entry"}
    response = client.post(note_url(world), data={"version": "1", **amended}, headers=HTMX)
    assert response.status_code == 200
    amendment = db.session.scalar(select(Amendment).where(Amendment.field == "observations"))
    assert (amendment.before, amendment.after) == ("Engaged group.", "Engaged group; one member left early.")
    assert amendment.reason == "Late entry"
    assert amendment.amended_by_id == world["clinician"].id
    assert "Dana Reyes" in response.text and "Engaged group; one member left early." in response.text


def test_attendance_changes_after_signing_are_amendments(world, login):
    client = login(world["clinician"])
    record_everyone(world)
    client.post(note_url(world), data={"version": "0", **NOTE}, headers=HTMX)
    client.post(note_url(world, "sign"), headers=HTMX)
    response = client.post(
        f"/sessions/{world['session'].id}/attendance/{world['member'].id}",
        data={"version": "1", "status": "left_early", "minutes_attended": "", "reason": "Left at the break"},
        headers={"HX-Request": "true", "HX-Trigger-Name": "status"},
    )
    assert response.status_code == 200
    assert 'hx-swap-oob="beforeend:#amendments-list"' in response.text
    amendment = db.session.scalar(select(Amendment).where(Amendment.field == "attendance"))
    assert amendment.before.startswith("Present, 180 min")
    assert amendment.after.startswith("Left early, 135 min")
    assert amendment.reason == "Left at the break"


def test_note_too_long_topic_comes_back_with_the_text(world, login):
    response = login(world["clinician"]).post(
        note_url(world), data={"version": "0", **NOTE, "topic": "x" * 201}, headers=HTMX
    )
    assert response.status_code == 422
    assert "Keep the topic under 200 characters." in response.text
    assert "Taught TIPP skills." in response.text
    assert fresh(world).note_version == 0
