"""The client's exposure and panic logs by personal link: the care team's quick logs (one mechanism),
recorded by the client's link, rated 0–10 by the client and shown to staff where their own entries are."""

import json
import re
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import select

from iop.extensions import db
from iop.models import AuditEvent, ExposureEvent, SymptomEvent
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
def logger(app, client):
    program = make_program("Logs program")
    cohort = make_cohort(program)
    person = make_enrollment(cohort, first_name="Sam").client
    clinician = make_user("clinician", programs=[program])
    link, _ = make_client_link(person, clinician)
    sign_in_client(client, link)
    return {"person": person, "clinician": clinician, "link": link, "today": program.today()}


def _exposure(today, **changes):
    return {
        "submission_key": secrets.token_urlsafe(18),
        "situation": "Friend's birthday party",
        "done_on": today.isoformat(),
        "anxiety_before": "8",
        "anxiety_after": "4",
        "exposure_note": "Stayed an hour",
        **changes,
    }


def _panic(day, occurrences, **changes):
    return {
        "submission_key": secrets.token_urlsafe(18),
        "recorded_on": day,
        "occurrences": occurrences,
        **changes,
    }


def _staff_tab(app, logger) -> str:
    staff = app.test_client()
    sign_in(staff, logger["clinician"])
    return staff.get(f"/clients/{logger['person'].id}/symptoms").get_data(as_text=True)


def test_an_exposure_is_logged_by_the_link_on_the_care_teams_scale(logger, client, app):
    response = client.post("/me/logs/exposure", data=_exposure(logger["today"]))
    assert response.status_code == 303 and response.headers["Location"].endswith("/me/logs#exposure")
    (event,) = db.session.scalars(select(ExposureEvent)).all()
    assert (event.anxiety_before, event.anxiety_after) == (80, 40)
    assert event.recorded_by_id is None and event.client_link_id == logger["link"].id
    assert event.situation == "Friend's birthday party" and event.note == "Stayed an hour"
    page = client.get("/me/logs").get_data(as_text=True)
    assert "Anxiety 8 before,\n      4 after." in page
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "exposure.log"))
    details = json.loads(audit.details)
    assert audit.actor_id is None and details["link_id"] == logger["link"].id
    assert "party" not in audit.details
    staff = _staff_tab(app, logger)
    assert "Friend&#39;s birthday party" in staff and "the client" in staff
    assert "Anxiety before Friend&#39;s birthday party: 80" in staff


def test_a_panic_count_is_a_panic_attacks_symptom_entry(logger, client, app):
    yesterday = logger["today"] - timedelta(days=1)
    response = client.post("/me/logs/panic", data=_panic(yesterday.isoformat(), "3"))
    assert response.status_code == 303
    (event,) = db.session.scalars(select(SymptomEvent)).all()
    assert (event.symptom, event.occurrences, event.severity, event.recorded_on) == (
        "Panic attacks",
        3,
        None,
        yesterday,
    )
    assert event.client_link_id == logger["link"].id and event.recorded_by_id is None
    assert "3 panic attacks" in client.get("/me/logs").get_data(as_text=True)
    assert "Panic attacks" in _staff_tab(app, logger)


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"anxiety_before": "11"}, "Rate your anxiety before, from 0 to 10."),
        ({"anxiety_before": "-1"}, "Rate your anxiety before, from 0 to 10."),
        ({"anxiety_after": ""}, "Rate your anxiety after, from 0 to 10."),
        ({"anxiety_after": "99999999999999999999999"}, "Rate your anxiety after, from 0 to 10."),
        ({"anxiety_before": "4.5"}, "whole number"),
        ({"situation": "   "}, "Say what the event was"),
        ({"situation": "x" * 201}, "200"),
        ({"done_on": "2026-02-30"}, "date"),
        ({"done_on": ""}, "Enter the date"),
        ({"exposure_note": "y" * 501}, "500"),
    ],
)
def test_a_bad_exposure_comes_back_as_typed_with_a_message_and_saves_nothing(
    logger, client, changes, field_message
):
    data = _exposure(logger["today"], **changes)
    response = client.post("/me/logs/exposure", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_message.lower() in page.lower()
    assert 'aria-invalid="true"' in page
    assert "Stayed an hour" in page or "exposure_note" in changes
    assert db.session.scalars(select(ExposureEvent)).all() == []


def test_a_future_event_is_refused(logger, client):
    tomorrow = (logger["today"] + timedelta(days=1)).isoformat()
    response = client.post("/me/logs/exposure", data=_exposure(logger["today"], done_on=tomorrow))
    assert response.status_code == 422 and "cannot be in the future" in response.get_data(as_text=True)
    assert db.session.scalars(select(ExposureEvent)).all() == []


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({"occurrences": ""}, "Enter how many, 0 if none."),
        ({"occurrences": "51"}, "Enter a number from 0 to 50."),
        ({"occurrences": "-3"}, "Enter a number from 0 to 50."),
        ({"occurrences": "lots"}, "whole number"),
        ({"occurrences": "2", "recorded_on": "tomorrow"}, "date"),
    ],
)
def test_a_bad_panic_count_comes_back_with_a_message_and_saves_nothing(logger, client, data, field_message):
    form = _panic(logger["today"].isoformat(), "1") | data
    response = client.post("/me/logs/panic", data=form)
    assert response.status_code == 422
    assert field_message.lower() in response.get_data(as_text=True).lower()
    assert db.session.scalars(select(SymptomEvent)).all() == []


def test_the_edges_of_the_scale_are_accepted(logger, client):
    client.post("/me/logs/exposure", data=_exposure(logger["today"], anxiety_before="10", anxiety_after="0"))
    client.post("/me/logs/panic", data=_panic(logger["today"].isoformat(), "0"))
    client.post("/me/logs/panic", data=_panic(logger["today"].isoformat(), "50"))
    (exposure,) = db.session.scalars(select(ExposureEvent)).all()
    assert (exposure.anxiety_before, exposure.anxiety_after) == (100, 0)
    assert sorted(e.occurrences for e in db.session.scalars(select(SymptomEvent))) == [0, 50]


def test_the_logs_page_is_audited_as_the_clients_own_view(logger, client):
    page = client.get("/me/logs")
    assert page.status_code == 200 and "A planned event" in page.get_data(as_text=True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "client.self_view"))
    assert event.actor_id is None and json.loads(event.details)["page"] == "logs"


def test_the_logs_page_stays_within_twelve_statements_however_long_the_log(logger, client):
    from tests.web.test_query_counts import counting_statements

    for days_ago in range(20):
        day = (logger["today"] - timedelta(days=days_ago)).isoformat()
        client.post("/me/logs/exposure", data=_exposure(logger["today"], done_on=day))
        client.post("/me/logs/panic", data=_panic(day, "1"))
    client.get("/me/logs")
    with counting_statements() as statements:
        page = client.get("/me/logs")
    assert page.status_code == 200 and page.get_data(as_text=True).count("panic attack</li>") == 14
    assert len(statements) <= 12, statements


@pytest.mark.parametrize(
    ("url", "model", "form"),
    [
        ("/me/logs/exposure", ExposureEvent, lambda today: _exposure(today)),
        ("/me/logs/panic", SymptomEvent, lambda today: _panic(today.isoformat(), "2")),
    ],
)
def test_a_log_form_posted_twice_stores_one_entry_and_answers_as_the_first(logger, client, url, model, form):
    data = form(logger["today"])
    first = client.post(url, data=data)
    again = client.post(url, data=data)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert len(db.session.scalars(select(model)).all()) == 1
    logged = select(AuditEvent).where(AuditEvent.action.in_(["exposure.log", "symptom.log"]))
    assert len(db.session.scalars(logged).all()) == 1
    # A new form (a new key) stores a second entry.
    assert client.post(url, data=form(logger["today"])).status_code == 303
    assert len(db.session.scalars(select(model)).all()) == 2


@pytest.mark.parametrize(
    ("url", "model", "form"),
    [
        ("/me/logs/exposure", ExposureEvent, lambda today: _exposure(today)),
        ("/me/logs/panic", SymptomEvent, lambda today: _panic(today.isoformat(), "2")),
    ],
)
def test_a_log_form_with_a_key_another_client_used_stores_nothing(logger, client, url, model, form):
    other = make_enrollment(make_cohort(logger["person"].program), first_name="Kim").client
    other_link, _ = make_client_link(other, logger["clinician"])
    sign_in_client(client, other_link)
    data = form(logger["today"])
    assert client.post(url, data=data).status_code == 303
    sign_in_client(client, logger["link"])
    response = client.post(url, data=data)
    assert response.status_code == 422 and "This form was already used" in response.get_data(as_text=True)
    assert [row.client_id for row in db.session.scalars(select(model))] == [other.id]


def test_each_log_form_carries_a_fresh_submission_key(logger, client):
    def keys():
        page = client.get("/me/logs").get_data(as_text=True)
        return re.findall(r'name="submission_key" type="hidden" value="([A-Za-z0-9_-]{16,64})"', page)

    first = keys()
    assert len(first) == 2 and first[0] != first[1]
    assert set(first).isdisjoint(keys())
