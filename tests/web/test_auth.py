"""Sign-in, sessions that really end, throttling and the second factor."""

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from iop import clock
from iop.extensions import db
from iop.keys import decrypt_secret
from iop.models import AuditEvent, User, UserSession
from tests.factories import PASSWORD, make_program, make_user, sign_in


@pytest.fixture
def clinician(app):
    return make_user("clinician", programs=[make_program()], email="dana@example.test")


def sign_in_form(client, email, password):
    return client.post("/auth/login", data={"email": email, "password": password})


def test_sign_in_starts_a_server_side_session_and_is_audited(client, clinician):
    response = sign_in_form(client, "Dana@Example.test ", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    record = db.session.scalar(select(UserSession).where(UserSession.user_id == clinician.id))
    assert record.ended_at is None
    assert (
        db.session.scalar(select(AuditEvent.actor_id).where(AuditEvent.action == "auth.sign_in"))
        == clinician.id
    )


def test_unknown_account_and_wrong_password_get_the_same_answer(client, clinician):
    wrong = sign_in_form(client, "dana@example.test", "not the password!")
    unknown = sign_in_form(client, "nobody@example.test", "not the password!")
    assert wrong.status_code == unknown.status_code == 200
    message = "That email and password do not match an active account."
    assert message in wrong.text and message in unknown.text


COOKIE = "stepwise_session"


def cookie(client) -> str | None:
    found = client.get_cookie(COOKIE)
    return found.value if found else None


def test_the_session_token_changes_at_sign_in(client, clinician):
    client.get("/auth/login")  # a visitor's session (the CSRF token) before signing in
    before = cookie(client)
    client.set_cookie(COOKIE, "attacker-chosen-token")
    sign_in_form(client, "dana@example.test", PASSWORD)
    assert cookie(client) not in (None, before, "attacker-chosen-token")
    assert client.get("/").status_code == 200


def test_sign_out_ends_the_session_even_for_a_copied_cookie(client, app, clinician):
    sign_in_form(client, "dana@example.test", PASSWORD)
    copied = cookie(client)
    assert client.post("/auth/logout").headers["Location"] == "/auth/login"
    thief = app.test_client()
    thief.set_cookie(COOKIE, copied)
    response = thief.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_throttling_after_repeated_failures_even_with_the_right_password(client, clinician):
    for _ in range(5):
        sign_in_form(client, "dana@example.test", "wrong password!!")
    response = sign_in_form(client, "dana@example.test", PASSWORD)
    assert "Too many attempts" in response.text
    assert client.get("/").status_code == 302


def test_idle_timeout_ends_the_session(client, clinician):
    sign_in(client, clinician)
    record = db.session.scalar(select(UserSession).where(UserSession.user_id == clinician.id))
    record.last_seen_at = clock.now() - timedelta(minutes=31)
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 302
    assert "expired=1" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.get(UserSession, record.id).end_reason == "idle_timeout"


def test_absolute_timeout_ends_an_active_session(client, clinician):
    sign_in(client, clinician)
    record = db.session.scalar(select(UserSession).where(UserSession.user_id == clinician.id))
    record.created_at = clock.now() - timedelta(hours=12, minutes=1)
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    db.session.expire_all()
    assert db.session.get(UserSession, record.id).ended_at is not None


def test_background_polling_does_not_extend_the_idle_timeout(client, clinician):
    sign_in(client, clinician)
    record = db.session.scalar(select(UserSession).where(UserSession.user_id == clinician.id))
    before = clock.now() - timedelta(minutes=10)
    record.last_seen_at = before
    db.session.commit()
    client.get("/", headers={"X-Stepwise-Background": "1"})
    db.session.expire_all()
    assert db.session.get(UserSession, record.id).last_seen_at == before
    client.get("/")
    db.session.expire_all()
    assert db.session.get(UserSession, record.id).last_seen_at > before


def test_deactivated_staff_lose_access_at_once(client, clinician):
    sign_in(client, clinician)
    clinician.active = False
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_htmx_request_without_a_session_gets_401_and_hx_redirect(client, app):
    response = client.get("/cohorts/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/auth/login"
    assert response.text == ""


def test_next_parameter_only_follows_local_paths(client, clinician):
    response = client.post(
        "/auth/login?next=https://evil.example/", data={"email": "dana@example.test", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def totp_login(client, password=PASSWORD):
    return client.post("/auth/login", data={"email": "dana@example.test", "password": password})


def test_mfa_enrolment_then_a_code_is_accepted_once(make_app, clinician):
    app = make_app(IOP_REQUIRE_MFA=True)
    client = app.test_client()
    response = totp_login(client)
    assert response.headers["Location"] == "/auth/mfa"
    page = client.get("/auth/mfa").text
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    code = pyotp.TOTP(secret).now()
    enrolled = client.post("/auth/mfa", data={"code": code})
    assert enrolled.status_code == 200 and "shown only this once" in enrolled.text  # the recovery codes
    assert client.get("/").status_code == 200
    client.post("/auth/logout")

    # The same code a second time is refused: a TOTP code works once.
    totp_login(client)
    response = client.post("/auth/mfa", data={"code": code})
    assert response.status_code == 200
    assert "That code is not valid" in response.text


def test_mfa_pending_state_is_not_a_session(make_app, clinician):
    client = make_app(IOP_REQUIRE_MFA=True).test_client()
    totp_login(client)
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    assert db.session.scalar(select(UserSession.id)) is None


def test_a_family_account_sees_no_staff_pages_and_can_sign_out(app, client):
    family = make_user(email="family@example.test")
    family.kind = "family"
    db.session.commit()
    sign_in_form(client, "family@example.test", PASSWORD)
    assert client.get("/cohorts/").status_code == 403
    page = client.get("/family/ended").text
    assert "Your access has ended" in page and "988" in page
    assert "Alerts" not in page and "Cohorts" not in page  # no staff navigation, no badge polling
    assert client.post("/auth/logout").status_code == 302
    assert db.session.scalar(select(UserSession.ended_at).where(UserSession.user_id == family.id)) is not None


def test_a_family_account_without_a_consent_lands_on_access_ended_and_is_signed_out(app, client):
    family = make_user(email="family@example.test")
    family.kind = "family"
    db.session.commit()
    sign_in_form(client, "family@example.test", PASSWORD)
    response = client.get("/", follow_redirects=True)
    assert response.request.path == "/family/ended" and "Your access has ended" in response.text
    assert db.session.scalar(select(UserSession.end_reason).where(UserSession.user_id == family.id)) == (
        "access_ended"
    )


def test_mfa_guards_staff_but_not_family_accounts(make_app):
    app = make_app(IOP_REQUIRE_MFA=True)
    with app.app_context():
        family = make_user(email="relative@example.test")
        family.kind = "family"
        db.session.commit()
    client = app.test_client()
    response = client.post("/auth/login", data={"email": "relative@example.test", "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_the_enrolment_key_waits_on_the_account_encrypted_and_never_in_the_cookie(make_app, clinician):
    app = make_app(IOP_REQUIRE_MFA=True)
    client = app.test_client()
    totp_login(client)
    page = client.get("/auth/mfa").text
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    assert secret not in cookie and re.fullmatch(r"[A-Za-z0-9_-]{43}", cookie)  # the bare token
    with app.app_context():
        stored = db.session.get(User, clinician.id).totp_pending_secret
        assert secret not in stored and decrypt_secret(stored) == secret
    # The same key is shown again on a reload, so an app set up from the first page still works.
    assert secret in client.get("/auth/mfa").text
    assert client.post("/auth/mfa", data={"code": pyotp.TOTP(secret).now()}).status_code == 200
    with app.app_context():
        user = db.session.get(User, clinician.id)
        assert user.totp_pending_secret is None
        assert secret not in user.totp_secret and decrypt_secret(user.totp_secret) == secret
