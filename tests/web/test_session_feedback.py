"""Feedback after a group by personal link: only groups the client attended in the last week, once
each, the program's own three questions 1-5; the care team sees it on the Self-reports tab."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from iop.extensions import db
from iop.models import Attendance, AuditEvent, SessionFeedback
from tests.factories import (
    make_client_link,
    make_cohort,
    make_enrollment,
    make_program,
    make_session,
    make_user,
    sign_in,
    sign_in_client,
)

ANSWERS = {"felt_heard": "4", "useful": "5", "plan_to_use": "3", "comment": "The breathing exercise helped."}


@pytest.fixture
def member(app, client):
    program = make_program("Feedback program")
    cohort = make_cohort(program)
    enrollment = make_enrollment(cohort, first_name="Rowan")
    clinician = make_user("clinician", programs=[program])
    today = program.today()
    sessions = {
        "attended": make_session(cohort, day=today - timedelta(days=1), status="held"),
        "absent": make_session(cohort, day=today - timedelta(days=2), status="held"),
        "old": make_session(cohort, day=today - timedelta(days=8), status="held"),
    }
    for name, group_session in sessions.items():
        db.session.add(
            Attendance(
                session_id=group_session.id,
                enrollment_id=enrollment.id,
                status="absent_unexcused" if name == "absent" else "present",
                minutes_attended=0 if name == "absent" else group_session.duration_minutes,
                updated_by_id=clinician.id,
            )
        )
    db.session.commit()
    link, _ = make_client_link(enrollment.client, clinician)
    sign_in_client(client, link)
    return {"client": enrollment.client, "sessions": sessions, "clinician": clinician, "cohort": cohort}


def test_only_groups_attended_in_the_last_week_are_offered(member, client):
    page = client.get("/me/feedback").get_data(as_text=True)
    sessions = member["sessions"]
    assert f'/me/feedback/{sessions["attended"].id}"' in page
    assert (
        f'/me/feedback/{sessions["absent"].id}"' not in page
        and f'/me/feedback/{sessions["old"].id}"' not in page
    )
    assert client.get(f"/me/feedback/{sessions['absent'].id}").status_code == 404
    assert client.get(f"/me/feedback/{sessions['old'].id}").status_code == 404


def test_feedback_is_stored_once_audited_and_shown_to_the_care_team(member, client, app):
    attended = member["sessions"]["attended"]
    form = client.get(f"/me/feedback/{attended.id}").get_data(as_text=True)
    assert "I felt heard in today&#39;s group" in form and "5 – Yes, I have a plan" in form
    assert client.post(f"/me/feedback/{attended.id}", data=ANSWERS).status_code == 303
    (stored,) = db.session.scalars(select(SessionFeedback)).all()
    assert (stored.felt_heard, stored.useful, stored.plan_to_use) == (4, 5, 3)
    again = client.post(f"/me/feedback/{attended.id}", data=ANSWERS | {"useful": "1"})
    assert again.status_code == 422 and "already sent feedback" in again.get_data(as_text=True)
    assert db.session.scalar(select(SessionFeedback.useful)) == 5
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "feedback.submit"))
    assert event.actor_id is None and "breathing" not in event.details
    assert json.loads(event.details)["ratings"] == {"felt_heard": 4, "useful": 5, "plan_to_use": 3}
    assert "feedback sent" in client.get("/me/feedback").get_data(as_text=True)
    staff = app.test_client()
    sign_in(staff, member["clinician"])
    tab = staff.get(f"/clients/{member['client'].id}/self-reports").get_data(as_text=True)
    assert "The breathing exercise helped." in tab and "Gave feedback on a group" in tab


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"felt_heard": ""}, "Choose from 1 to 5."),
        ({"useful": "6"}, "Not a valid choice"),
        ({"comment": "x" * 1001}, "Keep it under 1000"),
    ],
)
def test_bad_answers_come_back_with_a_message_and_nothing_stored(member, client, change, message):
    attended = member["sessions"]["attended"]
    response = client.post(f"/me/feedback/{attended.id}", data=ANSWERS | change)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert db.session.scalar(select(SessionFeedback)) is None


def test_another_clients_group_is_not_found(member, client, app):
    other = make_enrollment(member["cohort"], first_name="Jade").client
    link, _ = make_client_link(other, member["clinician"])
    browser = app.test_client()
    sign_in_client(browser, link)
    assert browser.get(f"/me/feedback/{member['sessions']['attended'].id}").status_code == 404
