"""Homework: clinicians assign skill practice (once by a date, daily, weekly); the client marks it done
by personal link with a note, once a day; the tab shows completion per week."""

import json
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from iop import clock
from iop.extensions import db
from iop.models import AuditEvent, HomeworkAssignment, HomeworkCompletion
from iop.services.homework import HomeworkInput, assign_homework, completion_by_week
from tests.factories import (
    make_client_link,
    make_cohort,
    make_enrollment,
    make_program,
    make_user,
    sign_in,
    sign_in_client,
)


@pytest.fixture
def practice(app, client):
    program = make_program("Homework program")
    cohort = make_cohort(program)
    person = make_enrollment(cohort, first_name="Quinn").client
    clinician = make_user("clinician", programs=[program])
    link, _ = make_client_link(person, clinician)
    return {"person": person, "clinician": clinician, "link": link, "cohort": cohort}


def test_a_clinician_assigns_daily_practice_from_the_tab(practice, client):
    sign_in(client, practice["clinician"])
    url = f"/clients/{practice['person'].id}/self-reports/homework"
    response = client.post(url, data={"title": "Practise grounding (5-4-3-2-1)", "frequency": "daily"})
    assert response.status_code == 303
    assignment = db.session.scalar(select(HomeworkAssignment))
    assert (assignment.title, assignment.frequency, assignment.assigned_by_id) == (
        "Practise grounding (5-4-3-2-1)",
        "daily",
        practice["clinician"].id,
    )
    assert (
        "Practise grounding (5-4-3-2-1)" in client.get(f"/clients/{practice['person'].id}/self-reports").text
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "homework.assign"))
    assert event.actor_id == practice["clinician"].id and json.loads(event.details)["frequency"] == "daily"


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"title": "", "frequency": "daily"}, "Say what to practise."),
        ({"title": "Opposite action", "frequency": "once"}, "Practice done once needs a due date."),
        ({"title": "Opposite action", "frequency": "yearly"}, "Not a valid choice"),
        ({"title": "Opposite action", "frequency": "once", "due_on": "2020-01-01"}, "cannot be in the past"),
    ],
)
def test_bad_assignments_come_back_with_a_message(practice, client, form, message):
    sign_in(client, practice["clinician"])
    response = client.post(f"/clients/{practice['person'].id}/self-reports/homework", data=form)
    assert response.status_code == 422 and message in response.text
    assert db.session.scalar(select(HomeworkAssignment)) is None


def test_the_client_marks_it_done_once_a_day_with_a_note(practice, client):
    assignment = assign_homework(
        practice["person"], HomeworkInput("Urge surfing", "daily"), practice["clinician"]
    )
    db.session.commit()
    sign_in_client(client, practice["link"])
    assert "Urge surfing" in client.get("/me/homework").text
    prefix = f"done-{assignment.id}-"
    done = client.post(
        f"/me/homework/{assignment.id}/done", data={prefix + "note": "Ten minutes after dinner."}
    )
    assert done.status_code == 303
    (completion,) = db.session.scalars(select(HomeworkCompletion)).all()
    assert (
        completion.day == practice["person"].program.today()
        and completion.note == "Ten minutes after dinner."
    )
    again = client.post(f"/me/homework/{assignment.id}/done", data={prefix + "note": ""})
    assert again.status_code == 422 and "Already marked done today" in again.text
    assert "Done today" in client.get("/me/homework").text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "homework.done"))
    assert event.actor_id is None and "dinner" not in event.details


def test_another_clients_homework_is_not_found(practice, client, app):
    assignment = assign_homework(
        practice["person"], HomeworkInput("Urge surfing", "daily"), practice["clinician"]
    )
    db.session.commit()
    other = make_enrollment(practice["cohort"], first_name="Rio").client
    link, _ = make_client_link(other, practice["clinician"])
    sign_in_client(client, link)
    assert client.post(f"/me/homework/{assignment.id}/done", data={}).status_code == 404
    assert "Urge surfing" not in client.get("/me/homework").text


def test_completion_per_week_counts_against_the_frequency(practice):
    person = practice["person"]
    assignment = assign_homework(person, HomeworkInput("Paced breathing", "daily"), practice["clinician"])
    db.session.commit()
    today = person.program.today()
    with time_machine.travel(clock.now() + timedelta(days=9), tick=False):
        later = person.program.today()
        for offset in (0, 1, 3, 8):
            db.session.add(
                HomeworkCompletion(assignment_id=assignment.id, day=today + timedelta(days=offset))
            )
        db.session.commit()
        db.session.refresh(assignment)
        weeks = completion_by_week(assignment, later)
    assert sum(week.done for week in weeks) == 4
    assert sum(week.target for week in weeks) == (later - today).days + 1
