"""Admin: staff accounts and the roles they hold in each program."""

import json
import re

import pytest
from sqlalchemy import func, select

from iop.extensions import db
from iop.models import AuditEvent, ProgramRole, User, UserSession
from iop.services.passwords import verify_password
from tests.factories import make_program, make_user, sign_in

NEW_STAFF = {
    "email": "Jordan.Lee@Clinic.example",
    "full_name": "Jordan Lee",
    "password": "a long enough passphrase",
}


def grants(program, *roles) -> list[str]:
    """The form's checkbox values for these roles in this program."""
    return [f"{program.id}:{role}" for role in roles]


@pytest.fixture
def program(app):
    return make_program("Northside")


@pytest.fixture
def admin(program):
    return make_user("admin", programs=[program], name="Alex Admin")


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_creating_a_staff_account_sets_roles_programs_password_and_is_audited(app, program, admin, login):
    client = login(admin)
    response = client.post(
        "/admin/staff/new", data={**NEW_STAFF, "grants": grants(program, "clinician", "case_manager")}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/staff/"
    user = db.session.scalar(select(User).where(User.email == "jordan.lee@clinic.example"))
    assert user.roles_in(program.id) == {"clinician", "case_manager"}
    assert user.program_ids == {program.id}
    assert verify_password(user.password_hash, NEW_STAFF["password"])
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.create")).all()
    assert (event.actor_id, event.object_id) == (admin.id, str(user.id))
    assert "Jordan Lee" in client.get("/admin/staff/").text


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short pass", "Use at least 12 characters."),
        ("Password1234", "This password is too common; choose another."),
    ],
)
def test_a_weak_password_is_refused_at_its_field(app, program, admin, login, password, message):
    response = login(admin).post(
        "/admin/staff/new", data={**NEW_STAFF, "password": password, "grants": grants(program, "clinician")}
    )
    assert response.status_code == 422
    assert f'<small id="password-error" class="field-error">{message}</small>' in response.text
    assert 'value="Jordan.Lee@Clinic.example"' in response.text
    assert 'value="Jordan Lee"' in response.text
    assert password not in response.text  # a password is never echoed back
    assert user_count() == 1


def test_a_taken_email_is_shown_at_the_email_field(app, program, admin, login):
    make_user("clinician", programs=[program], email="jordan.lee@clinic.example")
    response = login(admin).post(
        "/admin/staff/new", data={**NEW_STAFF, "grants": grants(program, "clinician")}
    )
    assert response.status_code == 422
    assert (
        '<small id="email-error" class="field-error">An account with this email already exists.'
        in response.text
    )
    assert user_count() == 2


def test_a_staff_account_needs_a_role_in_a_program_and_a_valid_email(app, program, admin, login):
    response = login(admin).post("/admin/staff/new", data={**NEW_STAFF, "email": "not-an-email"})
    assert response.status_code == 422
    assert "Choose at least one role in a program." in response.text
    assert "Enter an email address like name@clinic.org." in response.text
    assert user_count() == 1


def test_programs_offered_are_the_admins_own(app, program, admin, login):
    other = make_program("Elsewhere")
    client = login(admin)
    assert "Elsewhere" not in client.get("/admin/staff/new").text
    response = client.post("/admin/staff/new", data={**NEW_STAFF, "grants": grants(other, "admin")})
    assert response.status_code == 422
    assert "is not a valid choice" in response.text
    assert user_count() == 1


def test_staff_list_shows_only_staff_of_the_admins_programs(app, program, admin, login):
    make_user("clinician", programs=[program], name="Sam Mine")
    make_user("clinician", programs=[make_program()], name="Pat Elsewhere")
    page = login(admin).get("/admin/staff/").text
    assert "Sam Mine" in page
    assert "Pat Elsewhere" not in page


def test_editing_roles_keeps_the_roles_held_in_programs_the_admin_does_not_administer(
    app, program, admin, login
):
    second = make_program("Second")
    foreign = make_program("Foreign")
    admin.programs.append(second)
    admin.role_rows.append(ProgramRole(program_id=second.id, role="admin"))
    db.session.commit()
    member = make_user(grants={program: ("clinician",), foreign: ("clinician", "admin")}, name="Morgan Staff")
    edit = login(admin).get(f"/admin/staff/{member.id}/edit").text
    assert "Foreign" not in edit and "1 program you do not administer" in edit
    # Administering only some of the member's programs, the admin changes roles there, not the account.
    assert 'name="full_name"' not in edit and 'name="active"' not in edit
    response = login(admin).post(
        f"/admin/staff/{member.id}/edit",
        data={"full_name": "Renamed", "grants": grants(second, "case_manager")},
    )
    assert response.status_code == 303
    db.session.refresh(member)
    assert member.grants() == {
        (second.id, "case_manager"),
        (foreign.id, "clinician"),
        (foreign.id, "admin"),
    }
    assert member.program_ids == {second.id, foreign.id}
    assert member.full_name == "Morgan Staff" and member.active  # no active field posted: still active
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.update")).all()
    assert json.loads(event.details)["after"]["roles"] == sorted(
        [[second.id, "case_manager"], [foreign.id, "admin"], [foreign.id, "clinician"]]
    )


def test_an_admin_of_all_the_members_programs_changes_the_account_too(app, program, admin, login):
    member = make_user("clinician", programs=[program], name="Morgan Staff")
    response = login(admin).post(
        f"/admin/staff/{member.id}/edit",
        data={"full_name": "Morgan Staff-Reyes", "grants": grants(program, "case_manager"), "active": "y"},
    )
    assert response.status_code == 303
    db.session.refresh(member)
    assert member.full_name == "Morgan Staff-Reyes"
    assert member.grants() == {(program.id, "case_manager")}


def test_an_admin_cannot_remove_their_own_admin_role(app, program, admin, login):
    response = login(admin).post(
        f"/admin/staff/{admin.id}/edit",
        data={"full_name": "Alex Admin", "grants": grants(program, "clinician"), "active": "y"},
    )
    assert response.status_code == 422
    assert "You cannot remove your own admin role" in response.text
    db.session.refresh(admin)
    assert admin.grants() == {(program.id, "admin")}


def test_an_admin_cannot_deactivate_themselves(app, program, admin, login):
    response = login(admin).post(
        f"/admin/staff/{admin.id}/edit",
        data={"full_name": "Alex Admin", "grants": grants(program, "admin")},
    )
    assert response.status_code == 422
    assert "You cannot deactivate your own account." in response.text
    db.session.refresh(admin)
    assert admin.active


def test_deactivating_a_user_ends_their_sessions(app, program, admin, login):
    member = make_user("clinician", programs=[program], name="Taylor Leaving")
    their_browser = app.test_client()
    sign_in(their_browser, member)
    assert their_browser.get("/cohorts/").status_code == 200

    response = login(admin).post(
        f"/admin/staff/{member.id}/edit",
        data={"full_name": "Taylor Leaving", "grants": grants(program, "clinician")},
    )

    assert response.status_code == 303
    db.session.refresh(member)
    assert not member.active
    open_sessions = select(func.count(UserSession.id)).where(
        UserSession.user_id == member.id, UserSession.ended_at.is_(None)
    )
    assert db.session.scalar(open_sessions) == 0
    refused = their_browser.get("/cohorts/")
    assert refused.status_code == 302
    assert "/auth/login" in refused.headers["Location"]


def test_the_edit_form_starts_from_the_account(app, program, admin, login):
    member = make_user("case_manager", programs=[program], name="Drew Current", email="drew@example.test")
    page = login(admin).get(f"/admin/staff/{member.id}/edit").text
    assert 'value="Drew Current"' in page
    assert "drew@example.test" in page
    assert re.search(
        rf'<input checked id="grants-\d+" name="grants" type="checkbox" value="{program.id}:case_manager">',
        page,
    )
    assert not re.search(rf'<input checked[^>]*value="{program.id}:clinician">', page)
    assert 'name="password"' not in page
