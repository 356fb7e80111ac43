"""PHQ-9 and GAD-7 by personal link on the weekly cadence: due date and expiry, the same assessment
service (scoring, the item-9 alert), and crisis lines shown at once when item 9 is above 0."""

import json

import pytest
from sqlalchemy import func, select

from iop.clinical.instruments import score
from iop.extensions import db
from iop.models import Alert, AssessmentResponse, AuditEvent
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
def person(app, client):
    program = make_program("Questionnaire program")
    cohort = make_cohort(program)
    # Admitted three weeks ago: the weekly window of today is open.
    enrollment = make_enrollment(cohort, first_name="Lee")
    clinician = make_user("clinician", programs=[program])
    link, _ = make_client_link(enrollment.client, clinician)
    sign_in_client(client, link)
    return {"client": enrollment.client, "link": link, "cohort": cohort, "clinician": clinician}


def _answers(values) -> dict:
    return {f"item-{number}": str(value) for number, value in enumerate(values, 1) if value is not None}


def _responses() -> list[AssessmentResponse]:
    return list(db.session.scalars(select(AssessmentResponse).order_by(AssessmentResponse.id)))


def test_todays_page_lists_both_questionnaires_with_due_date_and_expiry(person, client):
    page = client.get("/me/").get_data(as_text=True)
    assert 'href="/me/questionnaires/phq9"' in page and 'href="/me/questionnaires/gad7"' in page
    assert "answer by" in page


def test_a_phq9_is_scored_by_the_assessment_service_and_marked_as_the_clients_own(person, client):
    values = [1, 2, 1, 0, 1, 2, 0, 1, 0]
    response = client.post("/me/questionnaires/phq9", data=_answers(values))
    (stored,) = _responses()
    assert (
        response.status_code == 303 and response.headers["Location"] == f"/me/questionnaires/sent/{stored.id}"
    )
    expected = score("phq9", values)
    assert (stored.total, stored.severity, stored.flags) == (expected.total, expected.severity, frozenset())
    assert (stored.source, stored.entered_by_id, stored.client_link_id) == (
        "self_report",
        None,
        person["link"].id,
    )
    assert stored.administered_on == person["client"].program.today()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.record"))
    assert event.actor_id is None and json.loads(event.details)["via_link"] == person["link"].id
    sent = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you" in sent and "crisis-box" not in sent
    assert "total" not in sent.lower() and stored.severity not in sent  # no raw score shown to the client


def test_item_9_above_zero_raises_the_same_alert_and_shows_crisis_lines_at_once(person, client, app):
    response = client.post("/me/questionnaires/phq9", data=_answers([0, 0, 0, 0, 0, 0, 0, 0, 2]))
    (stored,) = _responses()
    alert = db.session.scalar(select(Alert))
    assert (alert.kind, alert.response_id, alert.client_id) == (
        "suicide_risk",
        stored.id,
        person["client"].id,
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="crisis-box" role="alert"' in page
    assert 'href="tel:988"' in page and 'href="tel:911"' in page and "Your care team has been told" in page
    staff = app.test_client()
    sign_in(staff, person["clinician"])
    alerts = staff.get("/alerts/").get_data(as_text=True)
    assert "the client, by personal link" in alerts


def test_missing_answers_come_back_with_the_given_ones_checked_and_nothing_stored(person, client):
    response = client.post("/me/questionnaires/gad7", data=_answers([1, 2, None, 0, None, 1, 1]))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "2 questions still need an answer" in page
    assert 'id="item-3-error"' in page and 'id="item-5-error"' in page
    assert 'name="item-2" value="2" checked' in page
    assert _responses() == []


def test_out_of_range_answers_are_refused(person, client):
    response = client.post("/me/questionnaires/gad7", data=_answers([1, 2, 9, 0, 0, 1, 1]))
    assert response.status_code == 422 and 'id="item-3-error"' in response.get_data(as_text=True)
    assert _responses() == []


def test_once_sent_it_is_not_due_again_until_next_week(person, client):
    client.post("/me/questionnaires/gad7", data=_answers([0] * 7))
    page = client.get("/me/questionnaires/gad7").get_data(as_text=True)
    assert "Not due today" in page and "Next one" in page
    again = client.post("/me/questionnaires/gad7", data=_answers([3] * 7))
    assert again.status_code == 422 and "not due today" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AssessmentResponse.id))) == 1
    assert "sent today, thank you" in client.get("/me/").get_data(as_text=True)


def test_an_unknown_questionnaire_is_not_found(person, client):
    assert client.get("/me/questionnaires/audit-c").status_code == 404


def test_another_clients_confirmation_is_not_found(person, client, app):
    client.post("/me/questionnaires/gad7", data=_answers([0] * 7))
    (stored,) = _responses()
    other = make_enrollment(person["cohort"], first_name="Sky").client
    link, _ = make_client_link(other, person["clinician"])
    browser = app.test_client()
    sign_in_client(browser, link)
    assert browser.get(f"/me/questionnaires/sent/{stored.id}").status_code == 404
