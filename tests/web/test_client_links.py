"""The client's personal link: enabled with consent, sent through the outbox, stored hashed, opened by a
click (and a PIN or date of birth when asked, throttled), revoked in one click, renewed before expiry."""

import hashlib
import json
from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import select

from iop import clock
from iop.extensions import db
from iop.models import AuditEvent, ClientLink, ClientLinkSession, OutboxMessage
from iop.services.client_links import SECOND_FACTOR_ATTEMPTS, renew_expiring_links, revoke_link
from tests.factories import make_client_link, make_cohort, make_enrollment, make_program, make_user, sign_in


@pytest.fixture
def team(app):
    program = make_program("Link program")
    cohort = make_cohort(program)
    enrollment = make_enrollment(cohort, first_name="Dana", last_name="Reyes")
    client = enrollment.client
    client.email = "dana@example.test"
    client.phone = "+1 555 0142"
    client.date_of_birth = date(1990, 4, 12)
    db.session.commit()
    return {
        "program": program,
        "cohort": cohort,
        "client": client,
        "clinician": make_user("clinician", programs=[program]),
    }


def _events(action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
    )


def _enable(http, person, **form):
    values = {
        "purpose": "Daily check-ins between sessions.",
        "consent_on": person.program.today().isoformat(),
        "channel": "email",
        "second_factor": "none",
    } | form
    return http.post(f"/clients/{person.id}/self-reports/link", data=values)


def test_enabling_records_consent_and_sends_a_link_holding_no_phi(team, client):
    sign_in(client, team["clinician"])
    response = _enable(client, team["client"], channel="sms")
    assert response.status_code == 303
    link = db.session.scalar(select(ClientLink))
    assert link.purpose == "Daily check-ins between sessions."
    assert link.consent_on == team["client"].program.today() and link.channel == "sms"
    assert link.created_by_id == team["clinician"].id
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.purpose == "client_link"))
    assert message.channel == "sms" and message.recipient == "+1 555 0142"
    token = message.body.split("/me/l/")[1].split()[0]
    # Only the hash is stored; the message names neither the client nor the program.
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in link.token_hash
    assert "Dana" not in message.body and "Link program" not in message.body
    event = _events("client_link.enable")[0]
    assert event.actor_id == team["clinician"].id and event.client_id == team["client"].id
    assert json.loads(event.details)["channel"] == "sms"


@pytest.mark.parametrize(
    ("form", "field_message"),
    [
        ({"second_factor": "pin", "pin": ""}, "Choose a PIN with the client."),
        ({"second_factor": "pin", "pin": "12a4"}, "A PIN is 4 to 8 digits."),
        ({"purpose": ""}, "Say what the client agreed to."),
        ({"consent_on": "someday"}, "Enter the date."),
        ({"channel": ""}, "Choose email or text message."),
    ],
)
def test_bad_input_comes_back_with_what_was_typed_and_a_message(team, client, form, field_message):
    sign_in(client, team["clinician"])
    response = _enable(client, team["client"], **form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and field_message in page
    assert db.session.scalar(select(ClientLink)) is None
    if form.get("pin"):
        assert f'value="{form["pin"]}"' in page


def test_a_client_without_an_email_cannot_be_sent_one(team, client):
    team["client"].email = ""
    db.session.commit()
    sign_in(client, team["clinician"])
    response = _enable(client, team["client"])
    assert response.status_code == 422
    assert "The client record has no email address" in response.get_data(as_text=True)
    assert db.session.scalar(select(OutboxMessage)) is None


def test_opening_needs_a_click_then_leads_to_the_clients_own_page(team, client):
    _, token = make_client_link(team["client"], team["clinician"])
    page = client.get(f"/me/l/{token}")
    assert page.status_code == 200 and "Open my check-ins" in page.get_data(as_text=True)
    assert db.session.scalar(select(ClientLinkSession)) is None  # a mail scanner's GET starts nothing
    response = client.post(f"/me/l/{token}")
    assert response.status_code == 303 and response.headers["Location"] == "/me/"
    home = client.get("/me/")
    assert home.status_code == 200 and "Hello Dana" in home.get_data(as_text=True)
    opened = _events("client_link.open")[0]
    assert opened.actor_id is None and opened.client_id == team["client"].id
    assert json.loads(_events("client.self_view")[0].details) == {"page": "today"}


def test_an_unknown_token_is_not_found(team, client):
    make_client_link(team["client"], team["clinician"])
    assert client.get("/me/l/not-a-real-token").status_code == 404


def test_revoking_stops_the_link_and_signs_out_the_browser_that_opened_it(team, client):
    link, token = make_client_link(team["client"], team["clinician"])
    client.post(f"/me/l/{token}")
    staff = client.application.test_client()
    sign_in(staff, team["clinician"])
    response = staff.post(f"/clients/{team['client'].id}/self-reports/links/{link.id}/revoke")
    assert response.status_code == 303
    db.session.refresh(link)
    assert link.revoked_at is not None and link.revoked_by_id == team["clinician"].id
    after = client.get("/me/")
    assert after.status_code == 302 and after.headers["Location"] == "/me/ended"
    assert client.get(f"/me/l/{token}").status_code == 410
    assert json.loads(_events("client_link.revoke")[0].details) == {"sessions_ended": 1}
    assert json.loads(_events("client_link.refused")[0].details) == {"state": "revoked"}


def test_revoking_by_htmx_answers_the_fresh_tab(team, client):
    link, _ = make_client_link(team["client"], team["clinician"])
    sign_in(client, team["clinician"])
    response = client.post(
        f"/clients/{team['client'].id}/self-reports/links/{link.id}/revoke",
        headers={"HX-Request": "true", "HX-Target": "record"},
    )
    page = response.get_data(as_text=True)
    assert (
        response.status_code == 200 and "<html" not in page and page.lstrip().startswith('<div id="record">')
    )
    assert "Personal link revoked." in page and "Client check-ins are not enabled" in page
    assert response.headers["HX-Trigger"] == "self-reports-updated"


def test_an_expired_link_is_refused(team, client):
    _, token = make_client_link(team["client"], team["clinician"])
    with time_machine.travel(clock.now() + timedelta(days=30, minutes=1), tick=False):
        response = client.get(f"/me/l/{token}")
    assert response.status_code == 410 and "This link has expired" in response.get_data(as_text=True)


def test_a_session_ends_when_its_link_expires(team, client):
    _, token = make_client_link(team["client"], team["clinician"])
    start = clock.now()
    with time_machine.travel(start + timedelta(days=29, hours=23), tick=False):
        client.post(f"/me/l/{token}")
        assert client.get("/me/").status_code == 200
    with time_machine.travel(start + timedelta(days=30, minutes=10), tick=False):
        assert client.get("/me/").headers["Location"] == "/me/ended"
    assert db.session.scalar(select(ClientLinkSession.end_reason)) == "expired"


def test_a_new_link_replaces_the_old_one(team, client):
    old, old_token = make_client_link(team["client"], team["clinician"])
    new, new_token = make_client_link(team["client"], team["clinician"])
    db.session.refresh(old)
    assert old.replaced_by_id == new.id
    assert client.get(f"/me/l/{old_token}").status_code == 410
    assert client.get(f"/me/l/{new_token}").status_code == 200


def test_a_wrong_pin_is_refused_and_counted_and_the_right_one_opens(team, client):
    _, token = make_client_link(team["client"], team["clinician"], second_factor="pin", pin="2468")
    wrong = client.post(f"/me/l/{token}", data={"pin": "1357"})
    assert wrong.status_code == 422 and "That does not match" in wrong.get_data(as_text=True)
    empty = client.post(f"/me/l/{token}", data={"pin": ""})
    assert empty.status_code == 422 and "Enter your PIN." in empty.get_data(as_text=True)
    assert client.post(f"/me/l/{token}", data={"pin": "2468"}).status_code == 303
    assert len(_events("client_link.second_factor_failed")) == 1
    link = db.session.scalar(select(ClientLink))
    assert link.pin_hash.startswith("$argon2") and "2468" not in link.pin_hash


def test_guessing_the_pin_is_throttled(team, client):
    _, token = make_client_link(team["client"], team["clinician"], second_factor="pin", pin="2468")
    for _ in range(SECOND_FACTOR_ATTEMPTS):
        assert client.post(f"/me/l/{token}", data={"pin": "0000"}).status_code == 422
    paused = client.post(f"/me/l/{token}", data={"pin": "2468"})
    assert paused.status_code == 410 and "Too many tries" in paused.get_data(as_text=True)
    assert db.session.scalar(select(ClientLinkSession)) is None
    assert len(_events("client_link.throttled")) == 1


def test_the_date_of_birth_as_second_step(team, client):
    _, token = make_client_link(team["client"], team["clinician"], second_factor="dob")
    assert "Your date of birth" in client.get(f"/me/l/{token}").get_data(as_text=True)
    assert client.post(f"/me/l/{token}", data={"date_of_birth": "1990-12-04"}).status_code == 422
    assert client.post(f"/me/l/{token}", data={"date_of_birth": "1990-04-12"}).status_code == 303


def test_renewal_sends_a_fresh_link_three_days_before_expiry_once(team, client):
    old, old_token = make_client_link(team["client"], team["clinician"], second_factor="pin", pin="2468")
    assert renew_expiring_links(lambda token: f"/me/l/{token}") == 0
    with time_machine.travel(clock.now() + timedelta(days=27, hours=1), tick=False):
        assert renew_expiring_links(lambda token: f"/me/l/{token}") == 1
        assert renew_expiring_links(lambda token: f"/me/l/{token}") == 0
        db.session.commit()
        new = db.session.scalar(select(ClientLink).where(ClientLink.id != old.id))
        assert new.second_factor == "pin" and new.pin_hash == old.pin_hash and new.created_by_id is None
        assert client.get(f"/me/l/{old_token}").status_code == 410
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "client_link")).all()
    assert len(messages) == 2
    assert _events("client_link.renew")[0].actor_id is None


def test_what_the_client_does_is_never_put_on_a_staff_member_signed_in_in_the_same_browser(team, client):
    _, token = make_client_link(team["client"], team["clinician"])
    sign_in(client, team["clinician"])
    client.post(f"/me/l/{token}")
    client.get("/me/")
    assert [event.actor_id for event in _events("client.self_view")] == [None]


def test_each_client_session_shows_its_own_client(team, client):
    other = make_enrollment(team["cohort"], first_name="Morgan").client
    _, token = make_client_link(team["client"], team["clinician"])
    _, other_token = make_client_link(other, team["clinician"])
    client.post(f"/me/l/{other_token}")
    page = client.get("/me/").get_data(as_text=True)
    assert "Hello Morgan" in page and "Dana" not in page


def test_the_tab_shows_the_link_and_what_the_client_did(team, client):
    link, token = make_client_link(team["client"], team["clinician"], second_factor="dob")
    client.post(f"/me/l/{token}", data={"date_of_birth": "2000-01-01"})
    sign_in(client, team["clinician"])
    page = client.get(f"/clients/{team['client'].id}/self-reports").get_data(as_text=True)
    assert "Active" in page and "The client&#39;s date of birth" in page
    assert "Revoke this link" in page and "Wrong PIN or date of birth" in page
    revoke_link(link, team["clinician"])
    db.session.commit()
    assert "Client check-ins are not enabled" in client.get(
        f"/clients/{team['client'].id}/self-reports"
    ).get_data(as_text=True)
