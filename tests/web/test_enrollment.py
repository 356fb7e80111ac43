"""Case managers admit clients (rolling admission), move them between cohorts and end enrollments."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from iop.extensions import db
from iop.models import AuditEvent, Client, Enrollment
from tests.factories import make_cohort, make_enrollment, make_program, make_session, make_user


@pytest.fixture
def world(app):
    program = make_program()
    cohort = make_cohort(program, name="Morning Group")
    other = make_cohort(program, name="Evening Group")
    return {
        "program": program,
        "cohort": cohort,
        "other": other,
        "case_manager": make_user("case_manager", programs=[program]),
        "clinician": make_user("clinician", programs=[program]),
    }


def admit(client, world, headers=None, **fields):
    data = {
        "first_name": "Rosa",
        "last_name": "Diaz",
        "started_on": world["program"].today().isoformat(),
        **fields,
    }
    return client.post(f"/cohorts/{world['cohort'].id}/admit", data=data, headers=headers or {})


def test_cohort_page_shows_roster_and_sessions(world, login):
    make_enrollment(world["cohort"], first_name="Ana", last_name="Lopez")
    make_session(world["cohort"], day=world["program"].today() + timedelta(days=1))
    page = login(world["clinician"]).get(f"/cohorts/{world['cohort'].id}")
    assert page.status_code == 200
    assert "Lopez, Ana" in page.text and "Week 4" in page.text
    assert "Upcoming" in page.text
    assert "Admit a client" not in page.text  # clinicians do not admit


def test_roster_fragment_for_htmx(world, login):
    response = login(world["clinician"]).get(
        f"/cohorts/{world['cohort'].id}", headers={"HX-Request": "true", "HX-Target": "roster"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="roster"')


def test_admitting_a_client_with_htmx_returns_a_fresh_form_and_refreshes_the_roster(world, login):
    response = admit(
        login(world["case_manager"]), world, headers={"HX-Request": "true", "HX-Target": "admit"}
    )
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "roster-changed"
    assert response.text.lstrip().startswith('<section id="admit"')
    assert "Rosa Diaz was admitted" in response.text
    enrollment = db.session.scalar(select(Enrollment))
    assert enrollment.cohort_id == world["cohort"].id
    assert db.session.scalar(select(AuditEvent.client_id).where(AuditEvent.action == "enrollment.admit")) == (
        enrollment.client_id
    )


def test_admitting_without_htmx_redirects(world, login):
    response = admit(login(world["case_manager"]), world)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/cohorts/{world['cohort'].id}"
    enrollment = db.session.scalar(select(Enrollment))
    assert (enrollment.cohort_id, enrollment.client.full_name) == (world["cohort"].id, "Rosa Diaz")


def test_bad_admission_comes_back_with_what_was_typed(world, login):
    response = admit(
        login(world["case_manager"]),
        world,
        headers={"HX-Request": "true", "HX-Target": "admit"},
        last_name="",
        started_on=(world["program"].today() + timedelta(days=90)).isoformat(),
    )
    assert response.status_code == 422
    assert "Enter a last name." in response.text
    assert "at most 30 days ahead" in response.text
    assert 'value="Rosa"' in response.text
    assert db.session.scalar(select(Client)) is None


def test_closed_cohort_refuses_admission(world, login):
    world["cohort"].admission = "closed"
    db.session.commit()
    response = admit(login(world["case_manager"]), world)
    assert response.status_code == 422
    assert "closed to new admissions" in response.text


def test_transfer_moves_the_client_from_the_date(world, login):
    enrollment = make_enrollment(world["cohort"])
    today = world["program"].today()
    response = login(world["case_manager"]).post(
        f"/clients/enrollments/{enrollment.id}/transfer",
        data={"cohort_id": world["other"].id, "effective_on": today.isoformat()},
    )
    assert response.status_code == 303
    db.session.expire_all()
    enrollments = db.session.scalars(select(Enrollment).order_by(Enrollment.id)).all()
    assert [(e.cohort_id, e.ended_on, e.end_reason) for e in enrollments] == [
        (world["cohort"].id, today, "transferred"),
        (world["other"].id, None, None),
    ]


def test_ending_an_enrollment_needs_a_reason(world, login):
    enrollment = make_enrollment(world["cohort"])
    client = login(world["case_manager"])
    url = f"/clients/enrollments/{enrollment.id}/end"
    response = client.post(url, data={"reason": "", "ended_on": world["program"].today().isoformat()})
    assert response.status_code == 422
    assert "Choose why the enrollment ends." in response.text
    response = client.post(
        url, data={"reason": "stepped_down", "ended_on": world["program"].today().isoformat()}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment.id).end_reason == "stepped_down"


def test_end_date_before_admission_is_refused(world, login):
    enrollment = make_enrollment(world["cohort"])
    response = login(world["case_manager"]).post(
        f"/clients/enrollments/{enrollment.id}/end",
        data={"reason": "discharged", "ended_on": (enrollment.started_on - timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 422
    assert "cannot be before the admission date" in response.text


def test_client_page_is_audited(world, login):
    enrollment = make_enrollment(world["cohort"], first_name="Ana", last_name="Lopez")
    page = login(world["clinician"]).get(f"/clients/{enrollment.client_id}")
    assert page.status_code == 200 and "Ana Lopez" in page.text
    assert db.session.scalar(select(AuditEvent.client_id).where(AuditEvent.action == "client.view")) == (
        enrollment.client_id
    )


def test_home_lists_todays_groups_in_program_time(world, login):
    make_session(world["cohort"])
    make_session(world["other"], day=world["program"].today() + timedelta(days=1))
    page = login(world["clinician"]).get("/")
    assert "Morning Group" in page.text
    assert "Evening Group" not in page.text


def test_a_group_later_today_is_upcoming_and_not_yet_missed(world, login):
    from iop import clock

    program = world["program"]
    started = make_session(world["cohort"], day=program.today() - timedelta(days=2), status="held")
    later = make_session(world["cohort"], day=program.today())
    later.starts_at = clock.now() + timedelta(hours=1)
    db.session.commit()
    make_enrollment(
        world["cohort"], started_on=program.today() - timedelta(days=7), first_name="Ana", last_name="Lopez"
    )
    page = login(world["clinician"]).get(f"/cohorts/{world['cohort'].id}").text
    roster = page[page.index('id="roster"') : page.index('id="sessions-heading"')]
    # Only the group that already happened is scheduled time; it was not recorded, so 0 of 3 hours.
    assert "0.0 h of 3.0 h" in roster
    upcoming = page[page.index("<h3>Upcoming</h3>") : page.index("<h3>Past 4 weeks</h3>")]
    assert f"/sessions/{later.id}" in upcoming and f"/sessions/{started.id}" not in upcoming


def test_admission_keeps_mrn_contacts_payer_and_authorization(world, login):
    today = world["program"].today()
    response = admit(
        login(world["case_manager"]),
        world,
        preferred_name="Ro",
        date_of_birth="1990-04-02",
        mrn="MRN-1042",
        phone="(555) 010-2000",
        email="rosa@example.test",
        emergency_contact_name="Luis Diaz",
        emergency_contact_phone="555 010 3000",
        payer="Blue Harbor Health",
        authorization_number="AUTH-77",
        authorization_start=today.isoformat(),
        authorization_end=(today + timedelta(days=30)).isoformat(),
    )
    assert response.status_code == 303
    client = db.session.scalar(select(Client))
    assert (client.called, client.mrn, client.phone, client.email) == (
        "Ro",
        "MRN-1042",
        "(555) 010-2000",
        "rosa@example.test",
    )
    assert (client.emergency_contact_name, client.emergency_contact_phone) == ("Luis Diaz", "555 010 3000")
    assert (client.payer, client.authorization_number) == ("Blue Harbor Health", "AUTH-77")
    assert (client.authorization_start, client.authorization_end) == (today, today + timedelta(days=30))


def test_bad_contact_and_authorization_fields_come_back_with_a_message_each(world, login):
    today = world["program"].today()
    response = admit(
        login(world["case_manager"]),
        world,
        email="not-an-address",
        phone="call me",
        authorization_number="AUTH-77",
        authorization_start=today.isoformat(),
        authorization_end=(today - timedelta(days=1)).isoformat(),
    )
    assert response.status_code == 422
    assert "Enter an email address" in response.text
    assert "Enter a phone number" in response.text
    assert "Name the payer that gave this authorization." in response.text
    assert "The authorization cannot end before it starts." in response.text
    assert 'value="not-an-address"' in response.text
    assert db.session.scalar(select(Client)) is None


def test_a_same_name_and_birth_date_shows_the_match_and_admits_only_when_confirmed(world, login):
    existing = make_enrollment(world["cohort"], first_name="Rosa", last_name="Diaz").client
    existing.date_of_birth = date(1990, 4, 2)
    db.session.commit()
    client = login(world["case_manager"])
    htmx = {"HX-Request": "true", "HX-Target": "admit"}

    response = admit(client, world, headers=htmx, first_name="rosa", date_of_birth="1990-04-02")
    assert response.status_code == 422
    assert "Is this the same person?" in response.text
    assert f'href="/clients/{existing.id}"' in response.text
    assert db.session.scalar(select(func.count(Client.id))) == 1

    response = admit(
        client, world, headers=htmx, first_name="rosa", date_of_birth="1990-04-02", confirm_new_person="y"
    )
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(Client.id))) == 2


def test_same_name_with_another_birth_date_is_no_duplicate(world, login):
    existing = make_enrollment(world["cohort"], first_name="Rosa", last_name="Diaz").client
    existing.date_of_birth = date(1990, 4, 2)
    db.session.commit()
    assert admit(login(world["case_manager"]), world, date_of_birth="1990-04-03").status_code == 303
    births = db.session.scalars(select(Client.date_of_birth).where(Client.last_name == "Diaz")).all()
    assert sorted(births) == [date(1990, 4, 2), date(1990, 4, 3)]


def test_an_mrn_already_in_the_program_is_refused_on_its_field(world, login):
    existing = make_enrollment(world["cohort"]).client
    existing.mrn = "MRN-1042"
    db.session.commit()
    response = admit(login(world["case_manager"]), world, mrn="MRN-1042")
    assert response.status_code == 422
    assert (
        'id="mrn-error"' in response.text and "Another client of the program has this MRN." in response.text
    )


def test_the_admitted_message_is_shown_outside_the_closed_form_with_a_link(world, login):
    response = admit(
        login(world["case_manager"]), world, headers={"HX-Request": "true", "HX-Target": "admit"}
    )
    section = response.text
    message_at = section.index("Rosa Diaz was admitted")
    assert message_at < section.index("<details")
    client = db.session.scalar(select(Client))
    assert f'href="/clients/{client.id}"' in section[message_at : section.index("<details")]


def test_the_header_shows_the_current_cohort_until_a_transfer_takes_effect(world, login):
    enrollment = make_enrollment(world["cohort"])
    tomorrow = world["program"].today() + timedelta(days=1)
    client = login(world["case_manager"])
    response = client.post(
        f"/clients/enrollments/{enrollment.id}/transfer",
        data={"cohort_id": world["other"].id, "effective_on": tomorrow.isoformat()},
    )
    assert response.status_code == 303
    header = client.get(f"/clients/{enrollment.client_id}").text
    header = header[header.index('class="client-header"') : header.index("</hgroup>")]
    assert "Morning Group · week 4" in header
    assert "moves to Evening Group from" in header


def test_an_enrollment_cannot_end_on_or_before_signed_attendance(world, login):
    from iop import clock
    from iop.models import Attendance

    enrollment = make_enrollment(world["cohort"])
    today = world["program"].today()
    held = make_session(world["cohort"], day=today - timedelta(days=3), status="held")
    held.signed_at = clock.now()
    db.session.add(
        Attendance(
            session_id=held.id,
            enrollment_id=enrollment.id,
            status="present",
            minutes_attended=180,
            updated_by_id=world["clinician"].id,
        )
    )
    db.session.commit()
    client = login(world["case_manager"])
    url = f"/clients/enrollments/{enrollment.id}/end"
    response = client.post(url, data={"reason": "discharged", "ended_on": held.session_date.isoformat()})
    assert response.status_code == 422
    assert "Attendance is signed for" in response.text
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment.id).ended_on is None

    day_after = (held.session_date + timedelta(days=1)).isoformat()
    assert client.post(url, data={"reason": "discharged", "ended_on": day_after}).status_code == 303


def test_a_transfer_to_a_cohort_of_another_program_is_refused(world, login):
    # The case manager works in both programs, so the other program's cohort is visible to them,
    # but a transfer stays within the client's program: the move is refused and nothing changes.
    elsewhere = make_cohort(make_program(name="Other Program"), name="Elsewhere Group")
    case_manager = world["case_manager"]
    case_manager.programs.append(elsewhere.program)
    db.session.commit()
    enrollment = make_enrollment(world["cohort"])
    response = login(case_manager).post(
        f"/clients/enrollments/{enrollment.id}/transfer",
        data={"cohort_id": elsewhere.id, "effective_on": world["program"].today().isoformat()},
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert [(e.cohort_id, e.ended_on) for e in db.session.scalars(select(Enrollment))] == [
        (world["cohort"].id, None)
    ]


def test_the_transfer_cohort_loader_refuses_a_cohort_of_another_program(app, world):
    from flask_login import login_user
    from werkzeug.exceptions import NotFound

    from iop.permissions import get_cohort_of_program_or_404

    elsewhere = make_cohort(make_program(name="Other Program"), name="Elsewhere Group")
    world["case_manager"].programs.append(elsewhere.program)
    db.session.commit()
    with app.test_request_context():
        login_user(world["case_manager"])
        assert get_cohort_of_program_or_404(world["program"].id, world["other"].id) == world["other"]
        with pytest.raises(NotFound):
            get_cohort_of_program_or_404(world["program"].id, elsewhere.id)
