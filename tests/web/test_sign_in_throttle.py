"""Sign-in throttling: atomic, on both steps, per address behind trusted proxies, never clinic-wide."""

from __future__ import annotations

import threading
from datetime import timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import select, text

from iop import clock
from iop.extensions import db
from iop.keys import encrypt_secret
from iop.models import AuditEvent, LoginAttempt, ThrottleCounter
from iop.services import accounts
from tests.factories import PASSWORD, make_program, make_user

THROTTLED = "Too many attempts"
CLINIC_ADDRESS = "198.51.100.7"


@pytest.fixture
def clinician(app):
    user = make_user("clinician", programs=[make_program()], email="dana@example.test")
    db.session.commit()
    return user


def attempt(client, email: str, password: str, address: str = CLINIC_ADDRESS, headers=None):
    return client.post(
        "/auth/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers=headers or {},
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and response.headers["Location"] == "/"


def test_the_fifth_wrong_password_is_still_checked_and_the_sixth_attempt_is_not(client, clinician):
    for _ in range(4):
        attempt(client, "dana@example.test", "wrong password!!")
    assert signed_in(attempt(client, "dana@example.test", PASSWORD))
    client.post("/auth/logout")
    for _ in range(5):
        assert THROTTLED not in attempt(client, "dana@example.test", "wrong password!!").text
    assert THROTTLED in attempt(client, "dana@example.test", PASSWORD).text


def test_twenty_five_parallel_wrong_passwords_get_exactly_five_checks(app, clinician, monkeypatch):
    checks = []
    real_verify = accounts.verify_password
    monkeypatch.setattr(accounts, "verify_password", lambda *args: checks.append(1) or real_verify(*args))
    start = threading.Barrier(25)
    answers = []

    def guess() -> None:
        client = app.test_client()
        start.wait()
        answers.append(attempt(client, "dana@example.test", "wrong password!!").text)

    threads = [threading.Thread(target=guess) for _ in range(25)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checks) == 5
    assert sum(THROTTLED in answer for answer in answers) == 20


def test_the_window_passing_lets_the_account_try_again(client, clinician):
    for _ in range(6):
        attempt(client, "dana@example.test", "wrong password!!")
    assert THROTTLED in attempt(client, "dana@example.test", PASSWORD).text
    with time_machine.travel(clock.now() + timedelta(minutes=31)):
        assert signed_in(attempt(client, "dana@example.test", PASSWORD))


def test_made_up_emails_from_the_clinic_address_do_not_lock_out_its_staff(make_app):
    app = make_app(IOP_LOGIN_MAX_FAILURES_PER_IP=3)  # 30 in production; 3 keeps the test quick
    client = app.test_client()
    with app.app_context():
        make_user("clinician", email="dana@example.test")
        newcomer = make_user("clinician", email="new@example.test").email
        db.session.commit()
    assert signed_in(attempt(client, "dana@example.test", PASSWORD))
    client.post("/auth/logout")
    for number in range(4):
        attempt(app.test_client(), f"nobody{number}@example.test", "guess guess guess")
    assert THROTTLED in attempt(app.test_client(), "nobody9@example.test", "guess guess guess").text
    # Dana signed in from this address before: the address limit does not apply to her.
    assert signed_in(attempt(client, "dana@example.test", PASSWORD))
    # Someone who never signed in from here waits out the window (or signs in from elsewhere).
    assert THROTTLED in attempt(app.test_client(), newcomer, PASSWORD).text
    assert signed_in(attempt(app.test_client(), newcomer, PASSWORD, address="203.0.113.50"))


def test_one_attacker_cannot_lock_an_account_out_from_other_addresses(client, clinician):
    for _ in range(10):
        attempt(client, "dana@example.test", "wrong password!!", address="192.0.2.66")
    assert THROTTLED in attempt(client, "dana@example.test", PASSWORD, address="192.0.2.66").text
    assert signed_in(attempt(client, "dana@example.test", PASSWORD))


def test_behind_a_trusted_proxy_each_visitor_is_throttled_by_their_own_address(make_app):
    app = make_app(IOP_TRUSTED_PROXIES=1)
    with app.app_context():
        make_user("clinician", email="dana@example.test")
        db.session.commit()
    client = app.test_client()
    proxy = "10.0.0.2"
    attacker = {"X-Forwarded-For": "192.0.2.66"}
    for _ in range(6):
        attempt(client, "dana@example.test", "wrong password!!", address=proxy, headers=attacker)
    assert THROTTLED in attempt(client, "dana@example.test", PASSWORD, proxy, attacker).text
    assert signed_in(
        attempt(client, "dana@example.test", PASSWORD, proxy, {"X-Forwarded-For": "198.51.100.7"})
    )
    with app.app_context():
        addresses = set(db.session.scalars(select(LoginAttempt.ip)))
    assert addresses == {"192.0.2.66", "198.51.100.7"}


def test_without_trusted_proxies_a_forwarded_header_is_ignored(client, clinician):
    for _ in range(6):
        attempt(client, "dana@example.test", "wrong!!", headers={"X-Forwarded-For": f"192.0.2.{_}"})
    assert set(db.session.scalars(select(LoginAttempt.ip))) == {CLINIC_ADDRESS}


def test_what_was_typed_at_a_failed_sign_in_is_stored_only_as_a_keyed_hash(client, clinician):
    typed = "Hunter2-My-Real-Password"
    attempt(client, typed, "whatever whatever")
    attempt(client, "dana@example.test", "wrong password!!")
    db.session.remove()
    stored = " ".join(
        str(value)
        for table in ("audit_events", "login_attempts", "throttle_counters")
        for row in db.session.execute(text(f"SELECT * FROM {table}"))
        for value in row
    )
    assert typed.lower() not in stored.lower()
    assert "dana@example.test" not in stored
    failures = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.sign_in_failed")).all()
    assert len(failures) == 2
    assert all('"account": "' in event.details for event in failures)


def test_counters_hold_no_identifier_in_clear(client, clinician):
    attempt(client, "dana@example.test", "wrong password!!")
    keys = db.session.scalars(select(ThrottleCounter.key)).all()
    assert sorted(key.split(":")[0] for key in keys) == ["account", "ip", "pair"]
    assert all(len(key.split(":")[1]) == 64 for key in keys)


@pytest.fixture
def mfa_client(make_app):
    app = make_app(IOP_REQUIRE_MFA=True)
    with app.app_context():
        user = make_user("clinician", email="dana@example.test")
        secret = pyotp.random_base32()
        user.totp_secret = encrypt_secret(secret)
        db.session.commit()
        user_id = user.id
    client = app.test_client()
    assert attempt(client, "dana@example.test", PASSWORD).headers["Location"] == "/auth/mfa"
    return app, client, secret, user_id


def test_the_fifth_wrong_code_is_checked_and_then_the_pending_sign_in_is_locked(mfa_client):
    app, client, secret, user_id = mfa_client
    for _ in range(4):
        assert "That code is not valid" in client.post("/auth/mfa", data={"code": "000000"}).text
    assert "That code is not valid" in client.post("/auth/mfa", data={"code": "000000"}).text
    response = client.post("/auth/mfa", data={"code": pyotp.TOTP(secret).now()})
    assert response.headers["Location"] == "/auth/login"
    assert client.get("/").status_code == 302
    # A fresh password step does not reset the code limit.
    attempt(client, "dana@example.test", PASSWORD)
    response = client.post("/auth/mfa", data={"code": pyotp.TOTP(secret).now()})
    assert response.headers["Location"] == "/auth/login"
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == user_id)).all()
    assert actions.count("auth.mfa_failed") == 5
    assert actions.count("auth.mfa_throttled") == 2
    assert "auth.sign_in" not in actions


def test_four_wrong_codes_then_the_right_one_signs_in(mfa_client):
    _, client, secret, _ = mfa_client
    for _ in range(4):
        client.post("/auth/mfa", data={"code": "000000"})
    assert client.post("/auth/mfa", data={"code": pyotp.TOTP(secret).now()}).headers["Location"] == "/"


def test_unicode_digits_in_a_code_are_refused_not_an_error(mfa_client):
    _, client, _, _ = mfa_client
    response = client.post("/auth/mfa", data={"code": "١٢٣٤٥٦"})
    assert response.status_code == 200
    assert "That code is not valid" in response.text
