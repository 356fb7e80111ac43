"""CSRF on every change, strict headers, no inline script or style anywhere, a tamper-evident audit trail."""

import re
from pathlib import Path

import pytest
from sqlalchemy import select, text

from iop import ROOT
from iop.extensions import db
from iop.models import Attendance, AuditEvent, UserSession
from iop.services.audit import record_event, verify_chain
from tests.factories import make_cohort, make_enrollment, make_program, make_session, make_user, sign_in
from tests.services import audit_triggers_disabled


@pytest.fixture
def csrf_world(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        program = make_program()
        cohort = make_cohort(program)
        member = make_enrollment(cohort)
        group_session = make_session(cohort)
        clinician = make_user("clinician", programs=[program])
        client = app.test_client()
        sign_in(client, clinician)
        yield {"app": app, "client": client, "session": group_session, "member": member}


def token_from(page: str) -> str:
    return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


def test_htmx_change_without_a_csrf_token_is_refused(csrf_world):
    s, member, client = csrf_world["session"], csrf_world["member"], csrf_world["client"]
    url = f"/sessions/{s.id}/attendance/{member.id}"
    response = client.post(url, data={"version": "0", "status": "present"}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert "nothing was saved" in response.text


def test_htmx_change_with_the_body_header_token_is_accepted(csrf_world):
    s, member, client = csrf_world["session"], csrf_world["member"], csrf_world["client"]
    token = token_from(client.get(f"/sessions/{s.id}").text)
    response = client.post(
        f"/sessions/{s.id}/attendance/{member.id}",
        data={"version": "0", "status": "present"},
        headers={"HX-Request": "true", "HX-Trigger-Name": "status", "X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert (
        db.session.scalar(select(Attendance.status).where(Attendance.enrollment_id == member.id)) == "present"
    )


def test_htmx_change_after_sign_out_gets_401_to_sign_in_not_a_form_error(csrf_world):
    s, member, client = csrf_world["session"], csrf_world["member"], csrf_world["client"]
    token = token_from(client.get(f"/sessions/{s.id}").text)
    client.post("/auth/logout", data={"csrf_token": token})
    response = client.post(
        f"/sessions/{s.id}/attendance/{member.id}",
        data={"version": "0", "status": "present"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/auth/login"


def test_plain_form_post_needs_the_form_token(csrf_world):
    s, client = csrf_world["session"], csrf_world["client"]
    assert client.post(f"/sessions/{s.id}/mark-all-present").status_code == 400
    assert db.session.scalar(select(Attendance.id)) is None  # nothing was marked


def test_sign_in_form_needs_a_token_too(csrf_world):
    signed_in = db.session.scalars(select(UserSession.id).where(UserSession.user_id.is_not(None))).all()
    response = csrf_world["app"].test_client().post("/auth/login", data={"email": "a@b.c", "password": "x"})
    assert response.status_code == 400
    assert (
        db.session.scalars(select(UserSession.id).where(UserSession.user_id.is_not(None))).all() == signed_in
    )  # no session was started


def test_pages_carry_the_security_headers(app, client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly_samesite_and_secure_outside_the_demo(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True)
    with app.app_context():
        email = make_user("clinician").email
    client = app.test_client()
    response = client.post("/auth/login", data={"email": email, "password": "correct horse battery"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_htmx_is_configured_by_its_meta_tag_without_eval_or_script_tags(client):
    page = client.get("/auth/login").text
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', page).group(1)
    for setting in (
        '"allowEval": false',
        '"allowScriptTags": false',
        '"includeIndicatorStyles": false',
        '"historyCacheSize": 0',
    ):
        assert setting in config


TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT / "templates")))
def test_templates_have_no_inline_script_style_or_hx_on(template: Path):
    source = template.read_text()
    # A JSON data block is never executed, so the CSP allows it; any other inline script breaks it.
    assert not re.search(r'<script(?![^>]*\b(src=|type="application/json"))', source), (
        "inline <script> breaks the CSP"
    )
    assert not re.search(r"\sstyle=", source), "style= attributes break the CSP"
    assert "<style" not in source
    assert "hx-on" not in source


def test_the_audit_chain_detects_a_changed_row(app):
    for number in range(3):
        record_event("client.view", "client", number, number)
    db.session.commit()
    assert list(verify_chain()) == []
    target = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()[1]
    _tamper(f"UPDATE audit_events SET action = 'nothing.happened' WHERE id = {target.id}")
    problems = list(verify_chain())
    assert [p.event_id for p in problems] == [target.id]
    assert "do not match" in problems[0].reason


def test_the_audit_chain_detects_a_removed_row(app):
    for number in range(3):
        record_event("client.view", "client", number, number)
    db.session.commit()
    ids = db.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
    _tamper(f"DELETE FROM audit_events WHERE id = {ids[1]}")
    assert [p.event_id for p in verify_chain()] == [ids[2]]


def test_audit_rows_cannot_be_changed_through_the_database(app):
    record_event("client.view", "client", 1, 1)
    db.session.commit()
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("UPDATE audit_events SET action = 'x'"))
        db.session.flush()
    db.session.rollback()


def test_flask_audit_verify_exits_non_zero_on_tampering(app):
    record_event("client.view", "client", 1, 1)
    record_event("client.view", "client", 2, 2)
    db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    _tamper("UPDATE audit_events SET client_id = 99 WHERE id = (SELECT MIN(id) FROM audit_events)")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "contents do not match" in result.output


def _tamper(statement: str) -> None:
    """What an attacker with database access would do: step around the append-only trigger."""
    db.session.remove()
    with db.engine.begin() as conn, audit_triggers_disabled(conn):
        conn.execute(text(statement))


def _client_post_urls(app) -> list[str]:
    """Every POST route of the client's pages, with 1 for each id in its path."""
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("me.") and "POST" in rule.methods:
            urls.append(
                re.sub(
                    r"<(?:\w+:)?(\w+)>", lambda m: "token" if m.group(1) == "link_token" else "1", rule.rule
                )
            )
    return sorted(urls)


def test_every_client_post_without_its_token_gets_the_clients_own_expired_page(make_app):
    from tests.factories import make_client_link, sign_in_client

    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        program = make_program()
        person = make_enrollment(make_cohort(program)).client
        link, _ = make_client_link(person, make_user("clinician", programs=[program]))
        browser = app.test_client()
        sign_in_client(browser, link)
        before = db.session.scalar(select(text("count(*)")).select_from(AuditEvent))
        urls = _client_post_urls(app)
        assert "/me/checkin" in urls and len(urls) >= 10
        for url in urls:
            response = browser.post(url, data={"note": "typed"})
            page = response.get_data(as_text=True)
            # Never the staff sign-in: a client has no account. The page says nothing was saved.
            assert response.status_code == 400, url
            assert "This page has expired" in page and "Nothing was saved" in page, url
        assert db.session.scalar(select(text("count(*)")).select_from(AuditEvent)) == before
