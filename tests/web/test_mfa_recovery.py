"""MFA enrolment by SVG QR code, single-use recovery codes (hashed, throttled like codes), and a
session cookie that holds only the token: no client name, flash text or secret can be read from it."""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import unquote

import pyotp
import pytest
import segno
from sqlalchemy import select

from iop.extensions import db
from iop.keys import decrypt_secret, encrypt_secret, keyed_hash
from iop.models import AuditEvent, RecoveryCode, User, UserSession
from tests.factories import PASSWORD, make_program, make_user, sign_in

COOKIE = "stepwise_session"


@pytest.fixture
def mfa_app(make_app):
    return make_app(IOP_REQUIRE_MFA=True)


@pytest.fixture
def dana_id(mfa_app):
    with mfa_app.app_context():
        user = make_user("clinician", programs=[make_program()], email="dana@example.test", name="Dana Ortiz")
        db.session.commit()
        return user.id


def password_step(client):
    response = client.post("/auth/login", data={"email": "dana@example.test", "password": PASSWORD})
    assert response.headers["Location"] == "/auth/mfa"


def enrol(client) -> tuple[str, list[str]]:
    """Sign in for the first time; returns the TOTP key and the recovery codes shown."""
    password_step(client)
    page = client.get("/auth/mfa").text
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    shown = client.post("/auth/mfa", data={"code": pyotp.TOTP(secret).now()}).text
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", shown)
    client.post("/auth/logout")
    return secret, codes


def recovery(client, code):
    return client.post("/auth/mfa", data={"recovery_code": code})


def test_enrolment_shows_an_svg_qr_code_of_the_provisioning_uri(mfa_app, dana_id):
    client = mfa_app.test_client()
    password_step(client)
    page = client.get("/auth/mfa").text
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    src = re.search(r'<img class="qr-code" src="([^"]+)"', page).group(1)
    assert src.startswith("data:image/svg+xml")
    svg = unquote(src.split(",", 1)[1])
    assert svg.lstrip().startswith(("<?xml", "<svg")) and "<script" not in svg
    # The picture is exactly the QR code of the account's provisioning URI (segno is deterministic).
    uri = pyotp.TOTP(secret).provisioning_uri(name="dana@example.test", issuer_name="Stepwise")
    assert src == segno.make(uri, error="m").svg_data_uri(scale=5, border=2)
    assert "secret=" + secret in uri


def test_enrolment_issues_ten_codes_stored_as_keyed_hashes(mfa_app, dana_id):
    client = mfa_app.test_client()
    _, codes = enrol(client)
    assert len(codes) == len(set(codes)) == 10
    with mfa_app.app_context():
        hashes = set(db.session.scalars(select(RecoveryCode.code_hash)).all())
        assert hashes == {keyed_hash("recovery-code", code.replace("-", "")) for code in codes}
        assert not any(code.replace("-", "") in h for code in codes for h in hashes)


def test_a_recovery_code_signs_in_once_and_says_how_many_are_left(mfa_app, dana_id):
    client = mfa_app.test_client()
    _, codes = enrol(client)
    password_step(client)
    response = recovery(client, codes[0].upper().replace("-", " "))  # typed loosely
    assert response.headers["Location"] == "/"
    assert "Recovery code accepted; 9 left." in client.get("/").text
    client.post("/auth/logout")
    password_step(client)
    again = recovery(client, codes[0])
    assert again.status_code == 200 and "not valid or was already used" in again.text
    assert client.get("/").status_code == 302
    with mfa_app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert actions.count("auth.recovery_code_used") == 1


def test_recovery_codes_share_the_code_throttle(mfa_app, dana_id):
    client = mfa_app.test_client()
    _, codes = enrol(client)
    password_step(client)
    for _ in range(5):
        assert "not valid or was already used" in recovery(client, "aaaaa-aaaaa").text
    locked = recovery(client, codes[1])
    assert locked.headers["Location"] == "/auth/login"
    assert "Too many attempts" in client.get("/auth/login").text
    with mfa_app.app_context():
        assert db.session.scalar(select(RecoveryCode.used_at).where(RecoveryCode.used_at.isnot(None))) is None


@pytest.mark.parametrize("code", ["", " ", "x" * 41, "١٢٣٤٥-٦٧٨٩٠", "aaaaa-aaaa\x01", "'; drop table"])
def test_hostile_recovery_codes_are_refused_not_an_error(mfa_app, dana_id, code):
    client = mfa_app.test_client()
    enrol(client)
    password_step(client)
    response = recovery(client, code)
    assert response.status_code in (200, 400)
    assert client.get("/").status_code == 302


def test_a_recovery_code_does_not_replace_enrolment(mfa_app, dana_id):
    # Before an authenticator is set up there are no codes, and the recovery form is not offered.
    client = mfa_app.test_client()
    password_step(client)
    assert "Use a recovery code instead" not in client.get("/auth/mfa").text
    assert recovery(client, "aaaaa-aaaaa").status_code == 200
    assert client.get("/").status_code == 302


def test_new_codes_from_the_account_page_cancel_the_old_ones(mfa_app, dana_id):
    client = mfa_app.test_client()
    secret, codes = enrol(client)
    password_step(client)
    client.post("/auth/mfa", data={"recovery_code": codes[0]})
    page = client.get("/account/recovery-codes").text
    assert "9 of 10 recovery codes left unused." in page
    fresh = client.post("/account/recovery-codes").text
    new_codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", fresh)
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    assert "10 of 10" in client.get("/account/recovery-codes").text
    client.post("/auth/logout")
    password_step(client)
    assert "not valid or was already used" in recovery(client, codes[2]).text
    assert recovery(client, new_codes[0]).headers["Location"] == "/"


def test_the_account_page_without_mfa_offers_no_codes(app, login):
    user = make_user("clinician", programs=[make_program()])
    db.session.commit()
    client = login(user)
    page = client.get("/account/recovery-codes").text
    assert "not set up for this account yet" in page
    assert client.post("/account/recovery-codes").status_code == 200
    assert db.session.scalar(select(db.func.count(RecoveryCode.id))) == 0


def test_a_tampered_encrypted_secret_refuses_codes_rather_than_erroring(mfa_app, dana_id):
    client = mfa_app.test_client()
    secret, _ = enrol(client)
    with mfa_app.app_context():
        user = db.session.get(User, dana_id)
        assert decrypt_secret(user.totp_secret) == secret
        user.totp_secret = encrypt_secret(pyotp.random_base32())  # someone swapped the key
        db.session.commit()
    password_step(client)
    assert "That code is not valid" in client.post("/auth/mfa", data={"code": pyotp.TOTP(secret).now()}).text


def test_a_corrupted_encrypted_secret_is_refused_not_an_error(mfa_app, dana_id):
    client = mfa_app.test_client()
    secret, _ = enrol(client)
    with mfa_app.app_context():
        user = db.session.get(User, dana_id)
        user.totp_secret = user.totp_secret[:-4] + "AAAA"  # a byte flipped in the database
        db.session.commit()
    password_step(client)
    response = client.post("/auth/mfa", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200 and "That code is not valid" in response.text


def _cookie_bytes(client) -> bytes:
    """The cookie as sent and, when it decodes as base64 (a signed Flask session would), decoded too.

    The `login` fixture's tokens ("test-token-1-17") are not base64 and are taken as they are."""
    value = client.get_cookie(COOKIE).value
    padded = value + "=" * (-len(value) % 4)
    try:
        return value.encode() + base64.urlsafe_b64decode(padded.encode())
    except binascii.Error:
        return value.encode()


def test_the_cookie_holds_only_the_token(app, client):
    """A sign-out flashes "You are signed out."; the flash stays server-side, the cookie is a token."""
    make_user("clinician", programs=[make_program()], email="dana@example.test")
    db.session.commit()
    client.post("/auth/login", data={"email": "dana@example.test", "password": PASSWORD})
    client.post("/auth/logout")
    raw = _cookie_bytes(client)
    assert b"signed out" not in raw.lower() and b"_flashes" not in raw
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", client.get_cookie(COOKIE).value)
    # The flash is kept on the session record found by the token's hash, and shown from there.
    record = db.session.scalar(select(UserSession).where(UserSession.user_id.is_(None)))
    assert "You are signed out." in record.data
    assert "You are signed out." in client.get("/auth/login").text


def test_a_flash_naming_a_client_stays_on_the_server(app, login):
    from tests.factories import make_cohort, make_enrollment

    program = make_program()
    staff = make_user("clinician", programs=[program])
    enrollment = make_enrollment(make_cohort(program))
    db.session.commit()
    client = login(staff)
    response = client.post(
        f"/clients/{enrollment.client_id}/family/consents",
        data={
            "recipient_name": "Rosa Family-Member",
            "relationship": "parent",
            "recipient_email": "rosa@example.test",
            "purpose": "Weekly observations",
            "scope_observations": "y",
            "granted_on": program.today().isoformat(),
            "expires_on": program.today().replace(year=program.today().year + 1).isoformat(),
            "signature_on_file": "y",
            "signed_on": program.today().isoformat(),
        },
    )
    assert response.status_code == 303, response.text[:2000]
    raw = _cookie_bytes(client)
    assert b"Rosa" not in raw and b"Consent recorded" not in raw
    assert "Consent recorded for Rosa Family-Member." in client.get(response.headers["Location"]).text


def test_the_pending_mfa_step_is_not_in_the_cookie(mfa_app, dana_id):
    client = mfa_app.test_client()
    password_step(client)
    raw = _cookie_bytes(client)
    assert b"mfa" not in raw
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", client.get_cookie(COOKIE).value)
    with mfa_app.app_context():
        record = db.session.scalar(select(UserSession).where(UserSession.user_id.is_(None)))
        assert '"mfa_user_id"' in record.data


def test_a_signed_in_cookie_is_the_bare_token_too(app, client, login):
    user = make_user("clinician", programs=[make_program()])
    db.session.commit()
    sign_in(client, user)
    assert client.get("/").status_code == 200


def test_visitor_sessions_are_pruned_once_idle(app, client):
    from datetime import timedelta

    from iop import clock
    from iop.session_store import prune_visitor_sessions

    client.get("/auth/login")  # the CSRF token makes a visitor's session
    assert db.session.scalar(select(db.func.count(UserSession.id))) == 1
    assert prune_visitor_sessions(timedelta(minutes=30)) == 0
    record = db.session.scalar(select(UserSession))
    record.last_seen_at = clock.now() - timedelta(minutes=31)
    db.session.commit()
    assert prune_visitor_sessions(timedelta(minutes=30)) == 1
