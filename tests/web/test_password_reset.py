"""Password reset by an emailed link: one answer for every email, single use, 30 minutes, hashed,
throttled, audited; using it ends every session. Bad links get a clear page, never a 500."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from iop import clock
from iop.extensions import db
from iop.models import AuditEvent, OutboxMessage, PasswordResetToken, User, UserSession
from iop.services.passwords import verify_password
from tests.factories import PASSWORD, make_program, make_user, sign_in

NEW = "a quiet river at dusk"
SENT = "If an account uses that address, a link to choose a new password is on its way."


@pytest.fixture
def dana(app):
    user = make_user(
        "clinician", programs=[make_program()], email="dana.ortiz@example.test", name="Dana Ortiz"
    )
    db.session.commit()
    return user


def ask(client, email="dana.ortiz@example.test"):
    return client.post("/auth/forgot", data={"email": email})


def link_token(recipient="dana.ortiz@example.test") -> str:
    db.session.expire_all()
    message = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.purpose == "password_reset", OutboxMessage.recipient == recipient)
        .order_by(OutboxMessage.id.desc())
    ).first()
    return re.search(r"/auth/reset/([A-Za-z0-9_-]+)", message.body).group(1)


def use(client, token, new=NEW, confirm=None):
    return client.post(f"/auth/reset/{token}", data={"new_password": new, "confirm": confirm or new})


def test_the_answer_is_the_same_for_an_account_and_for_nobody(client, dana):
    known, unknown = ask(client), ask(client, "nobody@example.test")
    assert known.status_code == unknown.status_code == 200
    assert SENT in known.text and SENT in unknown.text
    # Only the real account got a mail; the audit holds hashes, never what was typed.
    assert db.session.scalars(select(OutboxMessage.recipient)).all() == ["dana.ortiz@example.test"]
    details = db.session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "auth.password_reset_requested")
    ).all()
    assert len(details) == 2 and not any("nobody" in d or "dana" in d for d in details)


def test_the_link_is_stored_hashed_and_expires_in_30_minutes(client, dana):
    ask(client)
    token = link_token()
    (row,) = db.session.scalars(select(PasswordResetToken)).all()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in row.token_hash
    assert row.expires_at - row.created_at == timedelta(minutes=30)
    body = db.session.scalar(select(OutboxMessage.body))
    assert "Dana" not in body  # nothing about the person beyond the link


def test_using_the_link_sets_the_password_ends_every_session_and_is_audited(app, client, dana):
    other = app.test_client()
    sign_in(other, dana)
    ask(client)
    page = client.get(f"/auth/reset/{link_token()}")
    assert page.status_code == 200 and "Choose a new password" in page.text
    response = use(client, link_token())
    assert response.status_code == 303 and response.headers["Location"] == "/auth/login"
    assert "every session signed out" in client.get("/auth/login").text
    db.session.expire_all()
    assert verify_password(db.session.get(User, dana.id).password_hash, NEW)
    assert other.get("/").status_code == 302
    assert db.session.scalars(select(UserSession.end_reason).where(UserSession.user_id == dana.id)).all() == [
        "password_reset_link"
    ]
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(dana.id))).all()
    assert "auth.password_reset_completed" in actions


def test_a_used_link_gets_a_clear_page(client, dana):
    ask(client)
    token = link_token()
    use(client, token)
    again = client.get(f"/auth/reset/{token}")
    assert again.status_code == 410 and "This link was already used" in again.text
    assert use(client, token, new="another quiet river").status_code == 410
    db.session.expire_all()
    assert verify_password(db.session.get(User, dana.id).password_hash, NEW)


def test_an_expired_link_gets_a_clear_page(client, dana):
    ask(client)
    token = link_token()
    with time_machine.travel(clock.now() + timedelta(minutes=30, seconds=1)):
        response = client.get(f"/auth/reset/{token}")
        assert response.status_code == 410 and "This link has expired" in response.text
        assert use(client, token).status_code == 410
    db.session.expire_all()
    assert verify_password(db.session.get(User, dana.id).password_hash, PASSWORD)


def test_a_link_works_until_its_last_minute(client, dana):
    ask(client)
    token = link_token()
    with time_machine.travel(clock.now() + timedelta(minutes=29, seconds=50)):
        assert use(client, token).status_code == 303


@pytest.mark.parametrize(
    "token",
    ["x", "A" * 43, "A" * 101, "%00", "..-..-etc", "tok%0D%0Aen", "²³", "a" * 2000],
)
def test_a_tampered_or_made_up_link_gets_a_clear_page(client, dana, token):
    ask(client)
    response = client.get(f"/auth/reset/{token}")
    assert response.status_code in (400, 404)
    assert response.status_code == 400 or "This link does not work" in response.text


def test_a_tampered_token_one_character_off_is_refused(client, dana):
    ask(client)
    token = link_token()
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert "This link does not work" in client.get(f"/auth/reset/{tampered}").text


def test_a_newer_link_replaces_the_older(client, dana):
    ask(client)
    first = link_token()
    ask(client)
    second = link_token()
    assert first != second
    assert "This link was replaced" in client.get(f"/auth/reset/{first}").text
    assert use(client, second).status_code == 303


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short pass1", "Use at least 12 characters."),
        ("aaaaaaaaaaaaa", "This password is too common"),
        ("password1234", "This password is too common"),
        ("dana.ortiz-secret", "Do not use your email or your name"),
    ],
)
def test_a_weak_password_on_the_reset_form_keeps_the_link_usable(client, dana, new, message):
    ask(client)
    token = link_token()
    response = use(client, token, new=new)
    assert response.status_code == 422 and message in response.text
    assert db.session.scalar(select(PasswordResetToken.used_at)) is None
    assert use(client, token).status_code == 303


def test_the_two_passwords_must_match(client, dana):
    ask(client)
    response = use(client, link_token(), confirm="a quiet river at dawn")
    assert response.status_code == 422 and "The two new passwords differ." in response.text


def test_asking_is_throttled_per_account_without_saying_so(client, dana):
    for _ in range(5):
        assert SENT in ask(client).text
    assert db.session.scalar(select(db.func.count(OutboxMessage.id))) == 3  # IOP_RESET_MAX_PER_ACCOUNT
    throttled = db.session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "auth.password_reset_requested")
    ).all()
    assert sum('"throttled": true' in d for d in throttled) == 2


def test_an_inactive_account_gets_no_link(client, dana):
    dana.active = False
    db.session.commit()
    assert SENT in ask(client).text
    assert db.session.scalar(select(db.func.count(OutboxMessage.id))) == 0


def test_a_bad_email_comes_back_with_a_message(client, dana):
    response = client.post("/auth/forgot", data={"email": ""})
    assert response.status_code == 422 and "Enter the email you sign in with." in response.text
    assert client.post("/auth/forgot", data={"email": "x" * 300}).status_code == 422


def test_a_reset_does_not_sign_anyone_in(client, dana):
    ask(client)
    use(client, link_token())
    assert client.get("/").status_code == 302


def test_the_login_page_links_to_the_forgot_form(client):
    assert 'href="/auth/forgot"' in client.get("/auth/login").text
