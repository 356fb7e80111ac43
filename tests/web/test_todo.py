"""The clinician's to-do list on the home page: unsigned notes, overdue questionnaires, open alerts."""

from datetime import timedelta

import pytest

from iop import clock
from iop.extensions import db
from iop.services.assessments import record_assessment
from tests.factories import make_cohort, make_enrollment, make_program, make_session, make_user

ZEROS = {"phq9": [0] * 9, "gad7": [0] * 7}


@pytest.fixture
def world(app):
    program = make_program("Program A")
    clinician = make_user("clinician", programs=[program], name="Dana Reyes")
    cohort = make_cohort(program, name="Morning Group", facilitators=[clinician])
    other = make_cohort(
        program, name="Someone else's group", facilitators=[make_user("clinician", programs=[program])]
    )
    return {"program": program, "cohort": cohort, "other": other, "clinician": clinician}


def todo_section(page: str) -> str:
    return page[page.index('id="todo"') :]


def test_unsigned_notes_of_sessions_that_have_started_are_listed(world, login):
    today = world["program"].today()
    held = make_session(world["cohort"], day=today - timedelta(days=2), status="held")
    signed = make_session(world["cohort"], day=today - timedelta(days=4), status="held")
    signed.signed_at = clock.now()
    cancelled = make_session(world["cohort"], day=today - timedelta(days=1), status="cancelled")
    upcoming = make_session(world["cohort"], day=today + timedelta(days=1))
    not_mine = make_session(world["other"], day=today - timedelta(days=2), status="held")
    db.session.commit()
    section = todo_section(login(world["clinician"]).get("/").text)
    assert "Notes to sign" in section
    assert f"/sessions/{held.id}#note" in section
    for session in (signed, cancelled, upcoming, not_mine):
        assert f"/sessions/{session.id}#" not in section


def test_questionnaires_are_overdue_a_week_after_the_last_one(world, login):
    today = world["program"].today()
    due = make_enrollment(
        world["cohort"], started_on=today - timedelta(days=21), first_name="Ana", last_name="Lopez"
    )
    current = make_enrollment(
        world["cohort"], started_on=today - timedelta(days=21), first_name="Ben", last_name="Baker"
    )
    for key, answers in ZEROS.items():
        record_assessment(
            current.client, key, answers, today - timedelta(days=7), "self_report", world["clinician"]
        )
        record_assessment(
            due.client, key, answers, today - timedelta(days=8), "self_report", world["clinician"]
        )
    db.session.commit()
    section = todo_section(login(world["clinician"]).get("/").text)
    assert "PHQ-9 for Ana Lopez" in section and "GAD-7 for Ana Lopez" in section
    assert "1 day overdue" in section
    assert "Ben Baker" not in section


def test_open_alerts_are_on_the_list(world, login):
    enrollment = make_enrollment(world["cohort"], first_name="Robin", last_name="Hale")
    record_assessment(
        enrollment.client, "phq9", [0] * 8 + [1], world["program"].today(), "self_report", world["clinician"]
    )
    db.session.commit()
    section = todo_section(login(world["clinician"]).get("/").text)
    assert "Open safety alerts" in section and "Robin Hale" in section


def test_an_empty_list_says_so(world, login):
    section = todo_section(login(world["clinician"]).get("/").text)
    assert "Nothing waiting" in section
