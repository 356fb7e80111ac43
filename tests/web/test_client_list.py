"""The client list: search by name, date of birth or MRN; filter by program, cohort and status; pages."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from iop.extensions import db
from iop.models import AuditEvent
from tests.factories import make_cohort, make_enrollment, make_program, make_user


@pytest.fixture
def world(app):
    program = make_program("Program A")
    other_program = make_program("Program B")
    morning = make_cohort(program, name="Morning Group")
    evening = make_cohort(program, name="Evening Group")
    today = program.today()
    active = make_enrollment(morning, first_name="Ana", last_name="Lopez")
    active.client.date_of_birth = date(1990, 4, 2)
    active.client.mrn = "MRN-1042"
    upcoming = make_enrollment(
        evening, started_on=today + timedelta(days=1), first_name="Ben", last_name="Okafor"
    )
    discharged = make_enrollment(
        morning,
        started_on=today - timedelta(days=60),
        ended_on=today - timedelta(days=20),
        first_name="Cleo",
        last_name="Lopez-Hart",
    )
    elsewhere = make_enrollment(make_cohort(other_program), first_name="Dara", last_name="Lopez")
    db.session.commit()
    return {
        "program": program,
        "morning": morning,
        "evening": evening,
        "active": active.client_id,
        "upcoming": upcoming.client_id,
        "discharged": discharged.client_id,
        "elsewhere": elsewhere.client_id,
        "clinician": make_user("clinician", programs=[program]),
    }


def listed(response) -> list[int]:
    """Client ids in the order the results table shows them."""
    import re

    results = response.text[response.text.index('id="results"') :]
    return [int(i) for i in re.findall(r'<td><a href="/clients/(\d+)"', results)]


def test_every_client_of_the_users_programs_is_listed_whatever_their_status(world, login):
    response = login(world["clinician"]).get("/clients/")
    assert response.status_code == 200
    assert listed(response) == [world["active"], world["discharged"], world["upcoming"]]
    assert "Pre-admission" in response.text and "Discharged" in response.text and "Active" in response.text
    assert world["elsewhere"] not in listed(response)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lopez", ["active", "discharged"]),
        ("LOPEZ ana", ["active"]),
        ("1990-04-02", ["active"]),
        ("04/02/1990", ["active"]),
        ("mrn-1042", ["active"]),
        ("MRN-104", []),  # an MRN matches whole, never by a part
        ("okafor", ["upcoming"]),
        ("nobody", []),
    ],
)
def test_search_by_name_date_of_birth_or_mrn(world, login, query, expected):
    response = login(world["clinician"]).get("/clients/", query_string={"q": query})
    assert listed(response) == [world[key] for key in expected]


@pytest.mark.parametrize(
    ("status", "expected"),
    [("active", ["active"]), ("pre_admission", ["upcoming"]), ("discharged", ["discharged"])],
)
def test_filter_by_status(world, login, status, expected):
    response = login(world["clinician"]).get("/clients/", query_string={"status": status})
    assert listed(response) == [world[key] for key in expected]


def test_filter_by_cohort_includes_past_members(world, login):
    response = login(world["clinician"]).get("/clients/", query_string={"cohort": world["morning"].id})
    assert listed(response) == [world["active"], world["discharged"]]


def test_another_programs_filter_shows_nothing(world, login):
    response = login(world["clinician"]).get("/clients/", query_string={"program": 999999})
    assert listed(response) == []


def test_pages_of_25(world, login):
    for number in range(30):
        make_enrollment(world["morning"], first_name=f"Page{number:02d}", last_name="Zed")
    client = login(world["clinician"])
    first = client.get("/clients/")
    assert len(listed(first)) == 25 and "page 1 of 2" in first.text
    second = client.get("/clients/", query_string={"page": 2})
    assert len(listed(second)) == 8
    assert set(listed(first)).isdisjoint(listed(second))


def test_the_results_come_alone_for_htmx_and_the_listing_is_audited(world, login):
    response = login(world["clinician"]).get(
        "/clients/", query_string={"q": "lopez"}, headers={"HX-Request": "true", "HX-Target": "results"}
    )
    assert response.text.lstrip().startswith('<section id="results"')
    assert "<html" not in response.text
    audited = db.session.scalars(select(AuditEvent.client_id).where(AuditEvent.action == "client.list")).all()
    assert sorted(audited) == sorted([world["active"], world["discharged"]])
