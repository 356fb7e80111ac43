"""One's own account: password change, signed-in sessions; an admin's reset and sign-out of a member."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from iop.extensions import db
from iop.models import AuditEvent, User, UserSession
from iop.services.passwords import password_problem, verify_password
from tests.factories import PASSWORD, make_program, make_user, sign_in

NEW_PASSWORD = "a quiet river at dusk"
HTMX = {"HX-Request": "true", "HX-Target": "sessions"}


@pytest.fixture
def dana(app):
    user = make_user(
        "clinician", programs=[make_program()], email="dana.ortiz@example.test", name="Dana Ortiz"
    )
    db.session.commit()
    return user


def change(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post(
        "/account/password",
        data={
            "current_password": current,
            "new_password": new,
            "confirm": new if confirm is None else confirm,
        },
    )


def actions(user_id: int) -> list[str]:
    return db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(user_id))).all()


def open_session_count(user_id: int) -> int:
    db.session.expire_all()
    return len(
        db.session.scalars(
            select(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        ).all()
    )


def test_a_wrong_current_password_changes_nothing_and_is_audited(app, login, dana):
    response = change(login(dana), current="not my password!")
    assert response.status_code == 422
    assert "That is not your current password." in response.text
    db.session.expire_all()
    assert verify_password(db.session.get(User, dana.id).password_hash, PASSWORD)
    assert "auth.password_change_refused" in actions(dana.id)


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, login, dana):
    laptop = app.test_client()
    sign_in(laptop, dana)
    phone = login(dana)
    response = change(phone)
    assert response.status_code == 303
    assert phone.get("/account/sessions").status_code == 200
    assert laptop.get("/account/sessions").status_code == 302
    assert open_session_count(dana.id) == 1
    assert "auth.password_changed" in actions(dana.id)
    phone.post("/auth/logout")
    signed_in = phone.post("/auth/login", data={"email": dana.email, "password": NEW_PASSWORD})
    assert signed_in.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short pass1", "Use at least 12 characters."),
        ("aaaaaaaaaaaaa", "This password is too common; choose another."),
        ("password1234", "This password is too common; choose another."),
        ("dana.ortiz-secret", "Do not use your email or your name in the password."),
        ("the ORTIZ family rules", "Do not use your email or your name in the password."),
    ],
)
def test_a_weak_new_password_comes_back_with_its_reason(login, dana, new, message):
    response = change(login(dana), new=new)
    assert response.status_code == 422
    assert message in response.text


def test_the_two_new_passwords_must_match(login, dana):
    response = change(login(dana), confirm="a quiet river at dawn")
    assert response.status_code == 422
    assert "The two new passwords differ." in response.text


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("eleven char", True),
        ("twelve chars", False),
        ("abcdefghijkl", True),
        ("lkjihgfedcba", True),
        ("abcabcabcabc", True),
        ("121212121212", True),
        ("abcdabcdabcdX", False),
    ],
)
def test_password_rules_at_their_edges(password, problem):
    assert (password_problem(password) is not None) is problem


def test_the_sessions_page_marks_this_one_and_ends_the_others(app, login, dana):
    other = app.test_client()
    sign_in(other, dana)
    client = login(dana)
    page = client.get("/account/sessions")
    assert page.text.count("<tr>") == 3  # the header row and two sessions
    assert "(this session)" in page.text
    fragment = client.post("/account/sessions/end-others", headers=HTMX)
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="sessions">')
    assert "<html" not in fragment.text
    assert other.get("/account/sessions").status_code == 302
    assert open_session_count(dana.id) == 1
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.sessions_ended")).all()
    assert event.details == '{"count": 1}'


def test_ending_other_sessions_without_htmx_redirects_with_a_message(app, login, dana):
    client = login(dana)
    response = client.post("/account/sessions/end-others")
    assert response.status_code == 303
    assert "0 other sessions signed out." in client.get(response.headers["Location"]).text


@pytest.fixture
def admin(app, dana):
    user = make_user("admin", programs=dana.programs)
    db.session.commit()
    return user


def test_an_admin_reset_signs_the_member_out_and_forces_a_change_at_the_next_sign_in(app, dana, admin):
    member = app.test_client()
    sign_in(member, dana)
    admin_client = app.test_client()
    sign_in(admin_client, admin)
    response = admin_client.post(f"/admin/staff/{dana.id}/password", data={"password": "temporary river 42"})
    assert response.status_code == 303
    assert member.get("/account/sessions").status_code == 302
    member.post("/auth/login", data={"email": dana.email, "password": "temporary river 42"})
    # Every page leads to the change form, htmx requests included, until the password is changed.
    assert member.get("/cohorts/").headers["Location"] == "/account/password"
    assert (
        member.get("/alerts/badge", headers={"HX-Request": "true"}).headers["HX-Redirect"]
        == "/account/password"
    )
    assert "An administrator set a temporary password" in member.get("/account/password").text
    assert change(member, current="temporary river 42").status_code == 303
    assert member.get("/cohorts/").status_code == 200
    assert "auth.password_reset" in actions(dana.id)


def test_a_weak_temporary_password_is_refused(app, dana, admin, login):
    response = login(admin).post(f"/admin/staff/{dana.id}/password", data={"password": "short"})
    assert response.status_code == 422
    assert "Use at least 12 characters." in response.text


def test_an_admin_can_sign_out_every_session_of_a_member(app, dana, admin, login):
    member = app.test_client()
    sign_in(member, dana)
    response = login(admin).post(f"/admin/staff/{dana.id}/end-sessions")
    assert response.status_code == 303
    assert member.get("/account/sessions").status_code == 302
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.sessions_ended")).all()
    assert event.actor_id == admin.id
