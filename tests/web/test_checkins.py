"""The daily check-in by personal link: under a minute, one per day, bad input kept with a message per
field, a double submit stored once, audited with no free text."""

import json

import pytest
from sqlalchemy import func, select

from iop.extensions import db
from iop.models import AuditEvent, DailyCheckin
from tests.factories import (
    make_client_link,
    make_cohort,
    make_enrollment,
    make_program,
    make_user,
    sign_in_client,
)

FULL_DAY = {
    "submission_key": "key-for-the-first-check-in",
    "mood": "6",
    "anxiety": "4",
    "cravings": "2",
    "stress": "5",
    "sleep_hours": "7.5",
    "exercise_minutes": "30",
    "social_contact": "yes",
    "social_with": "peers",
    "coping_skill": "Urge surfing",
    "note": "Went to a meeting after group.",
}


@pytest.fixture
def checkin_client(app, client):
    program = make_program("Check-in program")
    cohort = make_cohort(program)
    person = make_enrollment(cohort, first_name="Rae").client
    clinician = make_user("clinician", programs=[program])
    link, _ = make_client_link(person, clinician)
    sign_in_client(client, link)
    return {"person": person, "link": link, "cohort": cohort, "clinician": clinician}


def _stored() -> list[DailyCheckin]:
    return list(db.session.scalars(select(DailyCheckin)))


def test_a_full_days_check_in_is_stored_and_shown_back(checkin_client, client):
    form = client.get("/me/checkin").get_data(as_text=True)
    assert 'type="range"' in form and "0 Very low" in form and "10 Overwhelming" in form
    assert "Urge surfing" in form and "Opposite action" in form  # the default list of skills
    response = client.post("/me/checkin", data=FULL_DAY)
    assert response.status_code == 303 and response.headers["Location"] == "/me/"
    (stored,) = _stored()
    person = checkin_client["person"]
    assert (stored.client_id, stored.day, stored.link_id) == (
        person.id,
        person.program.today(),
        checkin_client["link"].id,
    )
    assert (stored.mood, stored.anxiety, stored.cravings, stored.stress) == (6, 4, 2, 5)
    assert (stored.sleep_hours, stored.exercise_minutes) == (7.5, 30)
    assert (stored.social_contact, stored.social_with, stored.coping_skill) == (True, "peers", "Urge surfing")
    assert stored.note == "Went to a meeting after group."
    home = client.get("/me/").get_data(as_text=True)
    assert "Sent today at" in home and "7.5 hours" in home and "Yes, recovery or group peers" in home


def test_the_check_in_is_audited_without_the_note(checkin_client, client):
    client.post("/me/checkin", data=FULL_DAY)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "checkin.submit"))
    details = json.loads(event.details)
    assert event.actor_id is None and event.client_id == checkin_client["person"].id
    assert details["scales"] == {"mood": 6, "anxiety": 4, "cravings": 2, "stress": 5}
    assert details["has_note"] is True and "meeting" not in event.details and "Urge" not in event.details


def test_a_double_submit_stores_one_check_in(checkin_client, client):
    first = client.post("/me/checkin", data=FULL_DAY)
    second = client.post("/me/checkin", data=FULL_DAY)
    assert first.status_code == second.status_code == 303
    assert db.session.scalar(select(func.count(DailyCheckin.id))) == 1


def test_a_second_check_in_the_same_day_is_refused_with_a_message(checkin_client, client):
    client.post("/me/checkin", data=FULL_DAY)
    again = client.post(
        "/me/checkin", data=FULL_DAY | {"submission_key": "another-key-for-today-0001", "mood": "2"}
    )
    assert again.status_code == 422 and "You already checked in today" in again.get_data(as_text=True)
    assert [c.mood for c in _stored()] == [6]
    assert "You checked in today at" in client.get("/me/checkin").get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"mood": "11"}, "mood", "Choose a number from 0 to 10."),
        ({"cravings": "-1"}, "cravings", "Choose a number from 0 to 10."),
        ({"stress": "lots"}, "stress", "Enter a whole number."),
        ({"anxiety": ""}, "anxiety", "Choose a number from 0 to 10."),
        ({"sleep_hours": "25"}, "sleep_hours", "Sleep is 0 to 24 hours."),
        ({"sleep_hours": "nan"}, "sleep_hours", "Enter a number."),
        ({"exercise_minutes": "1441"}, "exercise_minutes", "Exercise is 0 to 1440 minutes."),
        ({"social_contact": ""}, "social_contact", "Answer yes or no."),
        ({"social_with": "strangers"}, "social_with", "Choose who from the list"),
        ({"coping_skill": "Doomscrolling"}, "coping_skill", "Choose a skill from the list."),
        ({"note": "x" * 2001}, "note", "Keep it under 2000 characters."),
    ],
)
def test_bad_input_comes_back_as_typed_with_a_message_and_nothing_stored(
    checkin_client, client, change, field, message
):
    response = client.post("/me/checkin", data=FULL_DAY | change)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert f'id="{field}-error"' in page or (field == "social_contact" and "social_contact-error" in page)
    assert 'value="7.5"' in page or field == "sleep_hours"  # what was typed elsewhere stays
    assert "Went to a meeting after group." in page or field == "note"
    assert _stored() == []


def test_the_programs_own_skills_are_offered(checkin_client, client):
    checkin_client["person"].program.coping_skills_text = "Box breathing\nCall my sponsor\n"
    db.session.commit()
    page = client.get("/me/checkin").get_data(as_text=True)
    assert "Call my sponsor" in page and "Urge surfing" not in page
    assert client.post("/me/checkin", data=FULL_DAY).status_code == 422
    assert client.post("/me/checkin", data=FULL_DAY | {"coping_skill": "Call my sponsor"}).status_code == 303


def test_no_contact_stores_no_category(checkin_client, client):
    client.post(
        "/me/checkin", data=FULL_DAY | {"social_contact": "no", "social_with": "", "coping_skill": ""}
    )
    (stored,) = _stored()
    assert (stored.social_contact, stored.social_with, stored.coping_skill) == (False, None, None)


def test_another_clients_check_in_is_never_shown(checkin_client, client, app):
    client.post("/me/checkin", data=FULL_DAY)
    other = make_enrollment(checkin_client["cohort"], first_name="Kai").client
    link, _ = make_client_link(other, checkin_client["clinician"])
    browser = app.test_client()
    sign_in_client(browser, link)
    home = browser.get("/me/").get_data(as_text=True)
    assert "Hello Kai" in home and "Not done yet today" in home and "Rae" not in home
