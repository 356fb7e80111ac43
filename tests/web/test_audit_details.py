"""The audit trail can never be purged, so it holds ids, field names and coded values, never free text."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from iop.extensions import db
from iop.models import Alert, AuditEvent
from iop.services.alerts import acknowledge_alert
from iop.services.assessments import record_assessment
from iop.services.attendance import AttendanceInput, record_attendance
from iop.services.medication import add_medication
from iop.services.programs import cancel_session
from iop.services.symptoms import log_symptom
from tests.factories import make_cohort, make_enrollment, make_program, make_session, make_user

SECRET = "Told the group about her brother Marco"


@pytest.fixture
def world(app):
    program = make_program()
    cohort = make_cohort(program)
    enrollment = make_enrollment(cohort)
    clinician = make_user("clinician", programs=[program])
    return {
        "program": program,
        "cohort": cohort,
        "enrollment": enrollment,
        "client": enrollment.client,
        "clinician": clinician,
    }


def details_of(action: str) -> dict:
    db.session.flush()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).first()
    assert SECRET.lower() not in event.details.lower()
    return json.loads(event.details)


def test_attendance_keeps_coded_before_and_after_and_only_whether_a_note_exists(world):
    group_session = make_session(world["cohort"])
    data = AttendanceInput(status="present", minutes_attended=None, participation=4, note=SECRET)
    record_attendance(group_session, world["enrollment"], data, expected_version=0, actor=world["clinician"])
    details = details_of("attendance.record")
    assert details["before"] is None
    assert details["after"]["status"] == "present"
    assert details["after"]["participation"] == 4
    assert details["after"]["has_note"] is True


def test_an_acknowledgement_names_the_field_not_the_note(world):
    record_assessment(
        world["client"], "phq9", [0] * 8 + [2], world["program"].today(), "self_report", world["clinician"]
    )
    alert = db.session.scalar(select(Alert))
    acknowledge_alert(alert, SECRET, world["clinician"])
    assert details_of("alert.acknowledge") == {"fields": ["acknowledgement_note"]}


def test_a_medication_is_recorded_without_its_name_or_dose(world):
    add_medication(
        world["client"],
        name=SECRET,
        dose="50 mg " + SECRET,
        doses_per_day=1,
        prescriber=SECRET,
        started_on=world["program"].today(),
        ended_on=None,
        actor=world["clinician"],
    )
    assert details_of("medication.create")["fields"] == [
        "name",
        "dose",
        "doses_per_day",
        "prescriber",
        "route",
        "as_needed",
    ]


def test_a_symptom_typed_in_is_recorded_as_other_and_a_common_one_by_its_code(world):
    today = world["program"].today()
    args = {
        "recorded_on": today,
        "occurrences": 2,
        "severity": 5,
        "note": SECRET,
        "actor": world["clinician"],
    }
    log_symptom(world["client"], symptom=SECRET, **args)
    assert details_of("symptom.log")["symptom"] == "other"
    log_symptom(world["client"], symptom="  panic ATTACKS ", **args)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "symptom.log")).all()
    assert json.loads(events[-1].details)["symptom"] == "panic attacks"


def test_a_cancellation_names_the_field_not_the_reason(world):
    group_session = make_session(world["cohort"])
    cancel_session(group_session, SECRET)
    assert details_of("session.cancel") == {"fields": ["cancelled_reason"]}


def test_opening_a_response_to_correct_it_is_audited_as_a_read(world, login):
    response = record_assessment(
        world["client"], "phq9", [1] * 9, world["program"].today(), "self_report", world["clinician"]
    )
    db.session.commit()
    page = login(world["clinician"]).get(
        f"/clients/{world['client'].id}/assessments/new?instrument=phq9&supersedes={response.id}"
    )
    assert page.status_code == 200
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "assessment.view")).all()
    assert (event.object_id, event.client_id) == (str(response.id), world["client"].id)
    assert event.actor_id == world["clinician"].id
