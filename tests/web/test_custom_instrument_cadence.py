"""A custom instrument's cadence: the admin sets how often clients answer it by personal link; the client's
page then lists it with its due date and expiry, and answers it through the same assessment service."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from iop.extensions import db
from iop.models import AssessmentResponse, CustomInstrument
from iop.templating import full_date
from tests.factories import (
    make_client_link,
    make_cohort,
    make_enrollment,
    make_program,
    make_user,
    sign_in_client,
)
from tests.web.test_custom_instruments import VALID


@pytest.fixture
def program(app):
    return make_program("Cadence program")


def _new(client, program, **changes):
    return client.post(f"/admin/programs/{program.id}/instruments/new", data=VALID | changes)


def test_the_cadence_is_saved_and_shown_again(program, login):
    admin = login(make_user("admin", programs=[program]))
    assert _new(admin, program, cadence_days="14").status_code == 303
    row = db.session.scalar(select(CustomInstrument))
    assert row.cadence_days == 14
    page = admin.get(f"/admin/instruments/{row.id}/edit").get_data(as_text=True)
    assert 'name="cadence_days"' in page and 'value="14"' in page


def test_a_blank_cadence_means_staff_entry_only(program, login):
    admin = login(make_user("admin", programs=[program]))
    assert _new(admin, program, cadence_days="").status_code == 303
    assert db.session.scalar(select(CustomInstrument)).cadence_days is None


@pytest.mark.parametrize("typed", ["0", "366", "-7", "weekly", "1.5", "9" * 30])
def test_a_bad_cadence_comes_back_with_its_message_and_saves_nothing(program, login, typed):
    admin = login(make_user("admin", programs=[program]))
    response = _new(admin, program, cadence_days=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="cadence_days-error"' in page
    assert "Resilience check" in page  # what was typed stays
    assert db.session.scalar(select(CustomInstrument)) is None


@pytest.mark.parametrize("days", ["1", "365"])
def test_the_edges_of_the_cadence_are_accepted(program, login, days):
    admin = login(make_user("admin", programs=[program]))
    assert _new(admin, program, cadence_days=days).status_code == 303


def test_the_client_answers_a_custom_instrument_on_its_cadence(program, client, login):
    admin = login(make_user("admin", programs=[program]))
    _new(admin, program, cadence_days="14")
    cohort = make_cohort(program)
    person = make_enrollment(cohort, started_on=program.today() - timedelta(days=2)).client
    link, _ = make_client_link(person, make_user("clinician", programs=[program]))
    sign_in_client(client, link)
    today_page = client.get("/me/").get_data(as_text=True)
    assert 'href="/me/questionnaires/resilience"' in today_page
    # Admitted two days ago: due on admission, open until tomorrow.
    form = client.get("/me/questionnaires/resilience").get_data(as_text=True)
    assert "I kept my routines" in form and "Always" in form
    sent = client.post("/me/questionnaires/resilience", data={"item-1": "3", "item-2": "4", "item-3": "2"})
    assert sent.status_code == 303
    stored = db.session.scalar(
        select(AssessmentResponse).where(AssessmentResponse.instrument == "resilience")
    )
    assert stored.total == 9 and stored.source == "self_report" and stored.client_link_id == link.id
    after = client.get("/me/").get_data(as_text=True)
    assert 'href="/me/questionnaires/resilience"' not in after
    assert f"Next one {full_date(program.today() + timedelta(days=14))}" in after


def test_an_instrument_without_a_cadence_is_not_offered_to_clients(program, client, login):
    admin = login(make_user("admin", programs=[program]))
    _new(admin, program)
    person = make_enrollment(make_cohort(program)).client
    link, _ = make_client_link(person, make_user("clinician", programs=[program]))
    sign_in_client(client, link)
    assert "/me/questionnaires/resilience" not in client.get("/me/").get_data(as_text=True)
    assert client.get("/me/questionnaires/resilience").status_code == 404
