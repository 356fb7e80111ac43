"""Roles are held per program (DESIGN §3): nobody grants or uses a power outside the programs where
they hold it.

The review's case: an admin of program B gave the admin role to a staff member who also worked in program A,
who then administered A and could deactivate A's people. Here the outcome is checked in the database and on
the page; the access matrix (test_access.py) checks every route's status for the same people.
"""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from iop.extensions import db
from iop.models import Alert, Enrollment, OutboxMessage, Program, User
from iop.services.assessments import record_assessment
from iop.services.reviews import compute_cohort_reviews
from tests.factories import make_cohort, make_enrollment, make_program, make_user, sign_in
from tests.reviews.data import last_week_start


@pytest.fixture
def clinic(app):
    """Programs A and B; B's admin also works in A as a clinician; Riley works in both."""
    a, b = make_program("Program A"), make_program("Program B")
    return {
        "a": a,
        "b": b,
        "a_admin": make_user("admin", programs=[a], name="Ada A-Admin"),
        "b_admin": make_user(grants={a: ("clinician",), b: ("admin",)}, name="Bo B-Admin"),
        "riley": make_user(grants={a: ("clinician",), b: ("clinician",)}, name="Riley Both"),
        "a_only": make_user("case_manager", programs=[a], name="Avery A-Only"),
    }


def grants(program, *roles):
    return [f"{program.id}:{role}" for role in roles]


def test_an_admin_of_b_grants_admin_in_b_only_and_it_gives_nothing_in_a(clinic, login, app):
    a, b, riley = clinic["a"], clinic["b"], clinic["riley"]
    response = login(clinic["b_admin"]).post(
        f"/admin/staff/{riley.id}/edit", data={"grants": grants(b, "clinician", "admin")}
    )
    assert response.status_code == 303
    db.session.refresh(riley)
    assert riley.roles_in(b.id) == {"clinician", "admin"}
    assert riley.roles_in(a.id) == {"clinician"}

    riley_browser = app.test_client()  # the shared test client stays the admin's
    sign_in(riley_browser, riley)
    assert riley_browser.get(f"/admin/programs/{a.id}/edit").status_code == 403
    assert riley_browser.get(f"/admin/programs/{b.id}/edit").status_code == 200
    # A's case manager is out of Riley's reach as an admin: no such staff member for them.
    deactivate = riley_browser.post(f"/admin/staff/{clinic['a_only'].id}/edit", data={"grants": []})
    assert deactivate.status_code == 404
    db.session.refresh(clinic["a_only"])
    assert clinic["a_only"].active and clinic["a_only"].roles_in(a.id) == {"case_manager"}
    staff_page = riley_browser.get("/admin/staff/").text
    assert "Avery A-Only" not in staff_page and "Ada A-Admin" not in staff_page


def test_a_forged_grant_in_a_program_the_admin_does_not_administer_is_refused(clinic, login):
    a, riley = clinic["a"], clinic["riley"]
    response = login(clinic["b_admin"]).post(
        f"/admin/staff/{riley.id}/edit",
        data={"grants": [*grants(clinic["b"], "clinician"), *grants(a, "admin")]},
    )
    assert response.status_code == 422
    assert "is not a valid choice" in response.text
    db.session.refresh(riley)
    assert riley.roles_in(a.id) == {"clinician"}


def test_a_forged_grant_on_a_new_account_is_refused(clinic, login):
    response = login(clinic["b_admin"]).post(
        "/admin/staff/new",
        data={
            "email": "new@example.test",
            "full_name": "New Person",
            "password": "a long enough passphrase",
            "grants": grants(clinic["a"], "admin"),
        },
    )
    assert response.status_code == 422
    assert db.session.scalar(select(User).where(User.email == "new@example.test")) is None


def test_an_admin_of_some_of_the_members_programs_cannot_deactivate_rename_or_reset_them(clinic, login):
    riley, b = clinic["riley"], clinic["b"]
    client = login(clinic["b_admin"])
    page = client.get(f"/admin/staff/{riley.id}/edit").text
    assert 'name="active"' not in page and "Set a temporary password" not in page
    assert "managed by an admin of all their programs" in page
    # A forged deactivation (no `active` posted) and rename change nothing but the roles in B.
    response = client.post(
        f"/admin/staff/{riley.id}/edit", data={"full_name": "Forged", "grants": grants(b, "clinician")}
    )
    assert response.status_code == 303
    db.session.refresh(riley)
    assert riley.active and riley.full_name == "Riley Both"
    assert client.post(f"/admin/staff/{riley.id}/password", data={"password": "x" * 20}).status_code == 403
    assert client.post(f"/admin/staff/{riley.id}/end-sessions").status_code == 403


def test_removing_every_role_in_b_takes_the_member_out_of_b_only(clinic, login):
    riley, a = clinic["riley"], clinic["a"]
    # No box ticked posts no `grants` at all; a browser still posts its CSRF token.
    response = login(clinic["b_admin"]).post(f"/admin/staff/{riley.id}/edit", data={"csrf_token": "-"})
    assert response.status_code == 303
    db.session.refresh(riley)
    assert riley.program_ids == {a.id} and riley.grants() == {(a.id, "clinician")}


def test_the_staff_list_shows_roles_in_the_admins_programs_only(clinic, login):
    page = login(clinic["b_admin"]).get("/admin/staff/").text
    assert "Riley Both" in page
    assert "Program B: Clinician" in page
    assert "Program A: Clinician" not in page
    assert "and 1 other program" in page


def test_admin_lists_show_only_the_programs_administered(clinic, login):
    a, b = clinic["a"], clinic["b"]
    db.session.add_all(
        [
            OutboxMessage(
                recipient="x@example.test", subject="About A", body="a", purpose="t", program_id=a.id
            ),
            OutboxMessage(
                recipient="y@example.test", subject="About B", body="b", purpose="t", program_id=b.id
            ),
        ]
    )
    db.session.commit()
    client = login(clinic["b_admin"])
    outbox = client.get("/admin/outbox/").text
    assert "About B" in outbox and "About A" not in outbox
    programs = client.get("/admin/programs/").text
    assert "Program B" in programs and "Program A" not in programs
    outcomes = client.get("/admin/outcomes/").text
    assert "Program B" in outcomes and "Program A" not in outcomes


def test_admin_of_b_cannot_change_a_programs_settings(clinic, login):
    a = clinic["a"]
    response = login(clinic["b_admin"]).post(
        f"/admin/programs/{a.id}/edit",
        data={"name": "Taken over", "population": "adult", "break_glass_enabled": "y"},
    )
    assert response.status_code == 403
    db.session.refresh(a)
    assert (a.name, a.break_glass_enabled) == ("Program A", False)


@pytest.fixture
def mixed(app):
    """A clinician in A who is only a case manager in B, with a cohort and last week's reviews in each."""
    a, b = make_program("Program A"), make_program("Program B")
    cohorts = {}
    for program in (a, b):
        cohort = make_cohort(program, name=f"Group of {program.name}")
        monday = last_week_start(program)
        make_enrollment(cohort, started_on=monday - timedelta(days=14), last_name=f"Member{program.name[-1]}")
        compute_cohort_reviews(cohort, monday)
        cohorts[program.name] = cohort
    db.session.commit()
    user = make_user(grants={a: ("clinician",), b: ("case_manager",)})
    return {"a": a, "b": b, "user": user, "cohorts": cohorts}


def enrollment_count(cohort) -> int:
    return db.session.scalar(select(func.count(Enrollment.id)).where(Enrollment.cohort_id == cohort.id))


def test_a_case_manager_in_b_is_only_a_clinician_in_a(mixed, login):
    client = login(mixed["user"])
    cohort_a, cohort_b = mixed["cohorts"]["Program A"], mixed["cohorts"]["Program B"]
    before = enrollment_count(cohort_a)
    admit = client.post(
        f"/cohorts/{cohort_a.id}/admit",
        data={"first_name": "New", "last_name": "Client", "started_on": mixed["a"].today().isoformat()},
    )
    assert admit.status_code == 403
    assert enrollment_count(cohort_a) == before
    # The admit form is on B's cohort page, not on A's.
    assert f'action="/cohorts/{cohort_a.id}/admit"' not in client.get(f"/cohorts/{cohort_a.id}").text
    assert f'action="/cohorts/{cohort_b.id}/admit"' in client.get(f"/cohorts/{cohort_b.id}").text


def test_the_review_queue_of_a_mixed_account_holds_only_the_case_manager_programs(mixed, login):
    page = login(mixed["user"]).get("/reviews/").text
    assert "MemberB" in page
    assert "MemberA" not in page


def test_an_admin_only_program_shows_escalated_alerts_only(app, login):
    a, b = make_program("Program A"), make_program("Program B")
    user = make_user(grants={a: ("clinician",), b: ("admin",)})
    clients = {}
    for program in (a, b):
        client = make_enrollment(make_cohort(program), last_name=f"Alerted{program.name[-1]}").client
        record_assessment(client, "phq9", [0] * 8 + [1], program.today(), "self_report", user)
        clients[program.name] = client
    db.session.commit()
    page = login(user).get("/alerts/").text
    assert "AlertedA" in page  # on A's care team: every open alert
    assert "AlertedB" not in page  # only B's admin: not until it is escalated
    alert_b = db.session.scalar(select(Alert).where(Alert.client_id == clients["Program B"].id))
    alert_b.escalated_at = alert_b.created_at + timedelta(minutes=31)
    db.session.commit()
    assert "AlertedB" in login(user).get("/alerts/").text


def test_a_new_program_makes_its_creator_its_admin_only(clinic, login):
    client = login(clinic["b_admin"])
    response = client.post(
        "/admin/programs/new",
        data={"name": "Program C", "timezone": "America/Chicago", "population": "adult"},
    )
    assert response.status_code == 303
    program = db.session.scalar(select(Program).where(Program.name == "Program C"))
    db.session.refresh(clinic["b_admin"])
    assert clinic["b_admin"].roles_in(program.id) == {"admin"}
    assert clinic["b_admin"].roles_in(clinic["a"].id) == {"clinician"}
