"""The program's settings for the clients' own pages, edited by its admin: whether clients see their
PHQ-9/GAD-7 trend (off by default; off means no score anywhere on their pages), and the coping skills a
check-in offers (one per line, tidied, no duplicates, within limits, a message per problem)."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from iop.extensions import db
from iop.models import AuditEvent
from iop.services.assessments import record_assessment
from tests.factories import (
    make_client_link,
    make_cohort,
    make_enrollment,
    make_program,
    make_user,
    sign_in_client,
)


@pytest.fixture
def setup(app):
    program = make_program("Settings program")
    cohort = make_cohort(program)
    person = make_enrollment(cohort, first_name="Ana").client
    clinician = make_user("clinician", programs=[program])
    admin = make_user("admin", programs=[program])
    today = program.today()
    record_assessment(
        person, "phq9", [2, 2, 2, 2, 2, 1, 1, 1, 0], today - timedelta(days=7), "clinician", clinician
    )
    record_assessment(
        person, "gad7", [3, 3, 2, 2, 2, 1, 1], today - timedelta(days=7), "clinician", clinician
    )
    db.session.commit()
    return {"program": program, "person": person, "clinician": clinician, "admin": admin}


def _form(program, **changes):
    return {
        "name": program.name,
        "population": program.population,
        "min_weekly_hours": str(program.min_weekly_hours),
        **changes,
    }


CLIENT_PAGES = ("/me/", "/me/checkin", "/me/logs", "/me/journal", "/me/homework", "/me/feedback")


def test_scores_are_off_by_default_and_no_client_page_shows_one(setup, client):
    link, _ = make_client_link(setup["person"], setup["clinician"])
    sign_in_client(client, link)
    assert setup["program"].show_clients_scores is False
    assert client.get("/me/scores").status_code == 404
    assert client.get("/me/scores.json").status_code == 404
    for url in CLIENT_PAGES:
        page = client.get(url).get_data(as_text=True)
        assert "/me/scores" not in page, url
        assert "Moderately severe" not in page and "Moderate" not in page, url
        assert " 13" not in page and ">13<" not in page and ">15<" not in page, url


def test_turned_on_the_client_sees_their_totals_with_bands_as_chart_and_table(setup, client, login):
    admin = login(setup["admin"])
    program = setup["program"]
    response = admin.post(f"/admin/programs/{program.id}/edit", data=_form(program, show_clients_scores="y"))
    assert response.status_code == 303
    db.session.refresh(program)
    assert program.show_clients_scores is True
    link, _ = make_client_link(setup["person"], setup["clinician"])
    sign_in_client(client, link)
    page = client.get("/me/scores").get_data(as_text=True)
    assert "Latest <strong>13</strong> (Moderate)" in page  # PHQ-9
    assert "Latest <strong>14</strong> (Moderate)" in page  # GAD-7
    assert 'data-chart="instrument" data-key="phq9"' in page and "<table" in page
    assert "Moderately severe 15–19" in page  # the bands' legend
    # The marks' legend: what each point means; no decision lines on the client's chart.
    assert 'aria-label="PHQ-9 chart marks"' in page and "Green triangle: reliably better" in page
    assert "Red diamond: reliably worse" in page and "Dashed line" not in page
    assert 'href="/me/scores"' in client.get("/me/").get_data(as_text=True)
    data = client.get("/me/scores.json").get_json()
    assert [i["key"] for i in data["instruments"]] == ["phq9", "gad7"]
    assert data["instruments"][0]["scores"][0]["total"] == 13 and data["instruments"][0]["bands"]
    view = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "client.self_view")).all()
    assert [json.loads(e.details)["page"] for e in view] == ["scores", "today"]


def test_turning_it_off_again_hides_the_page(setup, client, login):
    admin = login(setup["admin"])
    program = setup["program"]
    admin.post(f"/admin/programs/{program.id}/edit", data=_form(program, show_clients_scores="y"))
    admin.post(f"/admin/programs/{program.id}/edit", data=_form(program))
    db.session.refresh(program)
    assert program.show_clients_scores is False
    link, _ = make_client_link(setup["person"], setup["clinician"])
    sign_in_client(client, link)
    assert client.get("/me/scores").status_code == 404


def test_the_coping_skills_are_tidied_and_offered_in_the_check_in(setup, client, login):
    admin = login(setup["admin"])
    program = setup["program"]
    typed = "  Box   breathing \r\n\r\nTIPP\n   \nCheck the facts  "
    response = admin.post(f"/admin/programs/{program.id}/edit", data=_form(program, coping_skills_text=typed))
    assert response.status_code == 303
    db.session.refresh(program)
    assert program.coping_skills_text == "Box breathing\nTIPP\nCheck the facts"
    assert program.coping_skills == ("Box breathing", "TIPP", "Check the facts")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "program.update")).all()[-1]
    assert "TIPP" not in event.details
    assert json.loads(event.details)["after"]["coping_skills_text"] == 3
    assert "Check the facts" in admin.get(f"/admin/programs/{program.id}/edit").get_data(as_text=True)
    link, _ = make_client_link(setup["person"], setup["clinician"])
    sign_in_client(client, link)
    checkin = client.get("/me/checkin").get_data(as_text=True)
    assert '<option value="TIPP">TIPP</option>' in checkin and "Urge surfing" not in checkin


def test_an_empty_list_goes_back_to_the_default_skills(setup, login):
    admin = login(setup["admin"])
    program = setup["program"]
    admin.post(f"/admin/programs/{program.id}/edit", data=_form(program, coping_skills_text="TIPP"))
    admin.post(f"/admin/programs/{program.id}/edit", data=_form(program, coping_skills_text=" \n "))
    db.session.refresh(program)
    assert program.coping_skills_text is None and "Urge surfing" in program.coping_skills


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Grounding\nTIPP\ngrounding", "List each skill once: “Grounding” is there more than once."),
        ("A\nB\na\nb", "“A”, “B” are there more than once"),
        ("\n".join(f"Skill {n}" for n in range(31)), "List at most 30 skills; this list has 31."),
        ("Fine\n" + "x" * 81, "Keep each skill under 81 characters"),
        ("x" * 5000, "This list is too long."),
    ],
)
def test_a_bad_list_comes_back_as_typed_with_its_message_and_changes_nothing(setup, login, typed, message):
    admin = login(setup["admin"])
    program = setup["program"]
    response = admin.post(
        f"/admin/programs/{program.id}/edit",
        data=_form(program, coping_skills_text=typed, show_clients_scores="y"),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert 'id="coping_skills_text-error"' in page
    assert typed.splitlines()[0][:30] in page
    db.session.refresh(program)
    assert program.coping_skills_text is None and program.show_clients_scores is False


def test_eighty_characters_and_thirty_skills_are_accepted(setup, login):
    admin = login(setup["admin"])
    program = setup["program"]
    skills = ["y" * 80, *(f"Skill {n}" for n in range(29))]
    response = admin.post(
        f"/admin/programs/{program.id}/edit", data=_form(program, coping_skills_text="\n".join(skills))
    )
    assert response.status_code == 303
    db.session.refresh(program)
    assert len(program.coping_skills) == 30


def test_a_clinician_cannot_change_the_settings(setup, login):
    clinician = login(setup["clinician"])
    program = setup["program"]
    response = clinician.post(
        f"/admin/programs/{program.id}/edit", data=_form(program, show_clients_scores="y")
    )
    assert response.status_code in (403, 404)
    db.session.refresh(program)
    assert program.show_clients_scores is False


def test_the_scores_page_stays_within_twelve_statements(setup, client):
    from tests.web.test_query_counts import counting_statements

    setup["program"].show_clients_scores = True
    db.session.commit()
    link, _ = make_client_link(setup["person"], setup["clinician"])
    sign_in_client(client, link)
    client.get("/me/scores")
    with counting_statements() as statements:
        assert client.get("/me/scores").status_code == 200
    assert len(statements) <= 12, statements
    with counting_statements() as statements:
        assert client.get("/me/").status_code == 200
    assert len(statements) <= 12, statements
