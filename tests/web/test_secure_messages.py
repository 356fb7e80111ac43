"""Secure messages: the client writes by personal link, the care team reads and replies on the Messages
tab. The care team is told in the app (no text, no name), the client by a mail with no PHI, at most one
an hour; every send and read is audited without the text; a link that stopped working reads nothing."""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from iop import clock
from iop.extensions import db
from iop.models import AuditEvent, MessageThread, Notification, OutboxMessage, SecureMessage
from iop.services.client_links import revoke_link
from iop.services.secure_messages import MAIL_AT_MOST_EVERY, NEW_MESSAGE_BODY, send_staff_message
from tests.factories import (
    make_client_link,
    make_cohort,
    make_enrollment,
    make_family_user,
    make_program,
    make_user,
    sign_in,
    sign_in_client,
)

SECRET = "I relapsed on Saturday after the party."


@pytest.fixture
def team(app, client):
    """A client with a working link (signed in on `client`), the care team, an admin and an outsider."""
    program = make_program("Harbor Dual Diagnosis IOP")
    cohort = make_cohort(program)
    person = make_enrollment(cohort, first_name="Rosa", last_name="Lima").client
    clinician = make_user("clinician", programs=[program], name="Dr Ana Ortiz")
    case_manager = make_user("case_manager", programs=[program], name="Sam Case")
    link, _ = make_client_link(person, clinician)
    sign_in_client(client, link)
    return {
        "program": program,
        "cohort": cohort,
        "person": person,
        "link": link,
        "clinician": clinician,
        "case_manager": case_manager,
        "admin": make_user("admin", programs=[program]),
        "outsider": make_user("clinician", programs=[make_program("Elsewhere")]),
        "tab": f"/clients/{person.id}/messages",
    }


_keys = iter(range(1, 10_000))


def _key() -> str:
    return f"message-key-{next(_keys):012d}"


def _staff(app, user):
    browser = app.test_client()
    sign_in(browser, user)
    return browser


def _messages() -> list[SecureMessage]:
    return list(db.session.scalars(select(SecureMessage).order_by(SecureMessage.id)))


def _mails() -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == "client_message").order_by(OutboxMessage.id)
        )
    )


def _notices(user) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def _events(action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
    )


def _client_writes(client, body=SECRET, key=None):
    return client.post("/me/messages", data={"submission_key": key or _key(), "body": body})


def _staff_replies(browser, team, body="Thanks for telling us. Can we talk on Monday?", **headers):
    return browser.post(team["tab"], data={"submission_key": _key(), "body": body}, headers=headers)


# The client writes ----------------------------------------------------------------------------------


def test_a_client_message_is_stored_with_the_app_clock_and_audited_without_its_text(team, client):
    before = clock.now()
    response = _client_writes(client)
    assert response.status_code == 303 and response.headers["Location"] == "/me/messages?sent=1"
    (message,) = _messages()
    assert message.body == SECRET and message.author_kind == "client" and message.author_id is None
    assert message.link_id == team["link"].id and before <= message.sent_at <= clock.now()
    assert message.read_at is None
    (event,) = _events("message.send")
    assert event.actor_id is None and event.client_id == team["person"].id
    details = json.loads(event.details)
    assert details == {"author": "client", "link_id": team["link"].id, "length": len(SECRET)}
    page = client.get("/me/messages?sent=1").get_data(as_text=True)
    assert "Message sent to your care team." in page and SECRET in page and "Not read yet" in page


def test_the_care_team_is_notified_in_the_app_without_the_text_or_the_name(team, client, app):
    _client_writes(client)
    for member in (team["clinician"], team["case_manager"]):
        (notice,) = _notices(member)
        assert notice.kind == "client_message" and notice.link == team["tab"] and notice.read_at is None
        assert "relapsed" not in notice.text and "Rosa" not in notice.text and "Lima" not in notice.text
    # Outside the care team: the program's admin and staff of another program hear nothing.
    assert _notices(team["admin"]) == [] and _notices(team["outsider"]) == []
    home = _staff(app, team["clinician"]).get("/").get_data(as_text=True)
    assert f'<a href="{team["tab"]}">A client sent the care team a new secure message.</a>' in home
    assert SECRET not in home


def test_a_second_message_adds_no_second_notice_until_the_first_is_read(team, client, app):
    _client_writes(client)
    _client_writes(client, "And again on Sunday.")
    assert len(_notices(team["clinician"])) == 1
    _staff(app, team["clinician"]).get(team["tab"])
    _client_writes(client, "Now on Monday.")
    clinician_notices = _notices(team["clinician"])
    assert len(clinician_notices) == 2 and clinician_notices[-1].read_at is None
    # The case manager never opened the first: still one notice.
    assert len(_notices(team["case_manager"])) == 1


def test_the_same_form_posted_twice_stores_one_message(team, client):
    key = _key()
    _client_writes(client, key=key)
    _client_writes(client, key=key)
    assert len(_messages()) == 1 and len(_events("message.send")) == 1


TOO_LONG = "x" * 2001


@pytest.mark.parametrize(
    ("body", "message", "kept"),
    [
        ("", "Write a message first.", None),
        ("   \n\t ", "Write a message first.", None),
        (TOO_LONG, "Keep a message under 2000 characters.", TOO_LONG),
        ("Before\x00after", "Remove the control characters", "Before\ufffdafter"),
        ("Bell\x07ring", "Remove the control characters", "Bell\ufffdring"),
    ],
)
def test_a_bad_client_message_comes_back_as_typed_with_a_message(team, client, body, message, kept):
    response = _client_writes(client, body)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    if kept:
        assert kept in page
    assert _messages() == [] and _notices(team["clinician"]) == [] and _events("message.send") == []


def test_a_message_of_exactly_the_limit_is_sent(team, client):
    assert _client_writes(client, "y" * 2000).status_code == 303
    assert len(_messages()[0].body) == 2000


def test_bytes_that_are_not_utf8_never_give_a_500(team, client):
    response = client.post(
        "/me/messages",
        data=b"submission_key=" + _key().encode() + b"&body=%FF%FEhello",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (303, 422)


def test_an_expired_form_key_is_refused_and_a_fresh_one_given(team, client):
    response = client.post("/me/messages", data={"submission_key": "short", "body": "Hello there"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "This form had expired" in page and "Hello there" in page
    assert 'value="short"' not in page and _messages() == []


# The care team reads and replies -------------------------------------------------------------------


def test_opening_the_tab_marks_the_clients_messages_read_by_that_member(team, client, app):
    _client_writes(client)
    clinician = _staff(app, team["clinician"])
    page = clinician.get(team["tab"]).get_data(as_text=True)
    assert SECRET in page and 'aria-current="page">Messages</a>' in page
    assert '<span class="badge badge-cancelled">New</span>' in page
    assert "Read by Dr Ana Ortiz" in page
    (message,) = _messages()
    assert message.read_at is not None and message.read_by_id == team["clinician"].id
    # Opening the tab reads the member's own notice of it, not the case manager's.
    assert _notices(team["clinician"])[0].read_at is not None
    assert _notices(team["case_manager"])[0].read_at is None
    (event,) = _events("message.read")
    assert event.actor_id == team["clinician"].id and json.loads(event.details) == {
        "reader": "staff",
        "messages": 1,
    }
    # Opened again: nothing new, no second read event, and the reader's name stays.
    again = _staff(app, team["case_manager"]).get(team["tab"]).get_data(as_text=True)
    assert 'badge-cancelled">New' not in again and "Read by Dr Ana Ortiz" in again
    assert len(_events("message.read")) == 1


def test_a_staff_reply_is_stored_and_mails_the_client_without_phi(team, client, app):
    _client_writes(client)
    body = "Harbor Dual Diagnosis IOP here: your sertraline dose changes Monday."
    response = _staff_replies(_staff(app, team["clinician"]), team, body)
    assert response.status_code == 303 and response.headers["Location"] == team["tab"]
    reply = _messages()[-1]
    assert reply.author_kind == "staff" and reply.author_id == team["clinician"].id and reply.body == body
    (mail,) = _mails()
    assert mail.recipient == team["person"].email and mail.channel == "email"
    assert mail.body == NEW_MESSAGE_BODY and "new message from your care team" in mail.body
    for phi in ("sertraline", "Harbor", "Dual Diagnosis", "IOP", "Rosa", "Lima", "relapsed"):
        assert phi not in mail.body and phi not in mail.subject
    (event,) = [e for e in _events("message.send") if e.actor_id == team["clinician"].id]
    assert json.loads(event.details) == {"author": "staff", "length": len(body), "mailed": True}


def test_a_client_whose_link_went_by_text_message_is_told_by_text(team, client, app):
    sms_person = make_enrollment(team["cohort"], first_name="Lee").client
    make_client_link(sms_person, team["clinician"], channel="sms")
    browser = _staff(app, team["clinician"])
    browser.post(f"/clients/{sms_person.id}/messages", data={"submission_key": _key(), "body": "Hello Lee"})
    (mail,) = _mails()
    assert mail.channel == "sms" and mail.recipient == sms_person.phone and mail.body == NEW_MESSAGE_BODY


def test_ten_replies_within_the_hour_send_one_mail_and_the_hour_after_sends_the_next(team, app):
    person, clinician = team["person"], team["clinician"]
    start = clock.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        for _ in range(9):
            send_staff_message(person, "A reply.", clinician, _key())
        db.session.commit()
    with time_machine.travel(start + MAIL_AT_MOST_EVERY - timedelta(seconds=1), tick=False):
        send_staff_message(person, "The tenth reply, a second before the hour.", clinician, _key())
        db.session.commit()
    assert len(_mails()) == 1 and len(_messages()) == 10
    with time_machine.travel(start + MAIL_AT_MOST_EVERY, tick=False):
        send_staff_message(person, "An hour after the mail.", clinician, _key())
        db.session.commit()
    assert len(_mails()) == 2
    assert db.session.get(MessageThread, person.id).client_mailed_at == start + MAIL_AT_MOST_EVERY
    mailed = [json.loads(e.details)["mailed"] for e in _events("message.send")]
    assert mailed == [True, *[False] * 9, True]


def test_no_mail_without_a_working_link_and_the_tab_says_so(team, app):
    revoke_link(team["link"], team["clinician"])
    db.session.commit()
    browser = _staff(app, team["clinician"])
    assert "The client has no working personal link" in browser.get(team["tab"]).get_data(as_text=True)
    assert _staff_replies(browser, team).status_code == 303
    assert len(_messages()) == 1 and _mails() == []


def test_no_mail_when_the_client_record_has_no_address(team, app):
    team["person"].email = ""
    db.session.commit()
    assert _staff_replies(_staff(app, team["clinician"]), team).status_code == 303
    assert len(_messages()) == 1 and _mails() == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write a message first."),
        ("  ", "Write a message first."),
        (TOO_LONG, "Keep a message under 2000 characters."),
        ("Null\x00byte", "Remove the control characters"),
    ],
)
def test_a_bad_staff_reply_comes_back_as_typed_with_a_message(team, app, body, message):
    response = _staff_replies(_staff(app, team["clinician"]), team, body)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page and 'aria-invalid="true"' in page
    if body.strip():
        assert body[:4] in page and "\x00" not in page
    assert _messages() == [] and _mails() == []


def test_the_client_reads_the_reply_and_the_care_team_sees_it_was_read(team, client, app):
    browser = _staff(app, team["clinician"])
    _staff_replies(browser, team, "See you Monday at 10.")
    today = client.get("/me/").get_data(as_text=True)
    assert "Your care team sent you a new message." in today
    page = client.get("/me/messages").get_data(as_text=True)
    assert "See you Monday at 10." in page and "Dr Ana Ortiz" in page
    (reply,) = _messages()
    assert reply.read_at is not None
    (event,) = _events("message.read")
    assert event.actor_id is None and json.loads(event.details) == {
        "reader": "client",
        "link_id": team["link"].id,
        "messages": 1,
    }
    assert "new message" not in client.get("/me/").get_data(as_text=True)
    assert "Read by the client" in browser.get(team["tab"]).get_data(as_text=True)


def test_the_tab_as_an_htmx_fragment_and_a_reply_by_htmx(team, app):
    browser = _staff(app, team["clinician"])
    headers = {"HX-Request": "true", "HX-Target": "record"}
    page = browser.get(team["tab"], headers=headers).get_data(as_text=True)
    assert "<html" not in page and page.lstrip().startswith('<div id="record">')
    response = _staff_replies(browser, team, "By htmx.", **headers)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "messages-updated"
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="record">') and "By htmx." in fragment
    assert '<p class="flash flash-success" role="status">Message sent.</p>' in fragment


def test_marking_handled_and_the_clients_next_message_opens_the_thread_again(team, client, app):
    _client_writes(client)
    browser = _staff(app, team["case_manager"])
    response = browser.post(f"{team['tab']}/handled", data={"handled": "1"})
    assert response.status_code == 303
    thread = db.session.get(MessageThread, team["person"].id)
    assert thread.is_handled and thread.handled_by_id == team["case_manager"].id
    assert "Handled</span> by Sam Case" in browser.get(team["tab"]).get_data(as_text=True)
    again = browser.post(f"{team['tab']}/handled", data={"handled": "1"})
    assert again.status_code == 409 and "already marked handled" in again.get_data(as_text=True)
    assert browser.post(f"{team['tab']}/handled", data={"handled": "maybe"}).status_code == 400
    _client_writes(client, "One more thing.")
    db.session.expire_all()
    assert not db.session.get(MessageThread, team["person"].id).is_handled
    assert [e.action for e in _events("message_thread.handle")] == ["message_thread.handle"]


def test_messages_can_be_neither_edited_nor_deleted(app):
    rules = [
        (rule.rule, sorted(rule.methods - {"HEAD", "OPTIONS"}))
        for rule in app.url_map.iter_rules()
        if "messages" in rule.rule
    ]
    assert sorted(rules) == [
        ("/clients/<int:client_id>/messages", ["GET"]),
        ("/clients/<int:client_id>/messages", ["POST"]),
        ("/clients/<int:client_id>/messages/handled", ["POST"]),
        ("/me/messages", ["GET", "POST"]),
    ]


# Who may see the thread ------------------------------------------------------------------------------


def test_a_revoked_or_expired_link_can_neither_read_nor_write(team, client, app):
    send_staff_message(team["person"], "A reply the client cannot read now.", team["clinician"], _key())
    revoke_link(team["link"], team["clinician"])
    db.session.commit()
    for response in (client.get("/me/messages"), _client_writes(client)):
        assert response.status_code == 302 and response.headers["Location"] == "/me/ended"
    expired = make_enrollment(team["cohort"]).client
    link, _ = make_client_link(expired, team["clinician"])
    browser = app.test_client()
    sign_in_client(browser, link)
    link.created_at = clock.now() - timedelta(days=31)
    link.expires_at = clock.now() - timedelta(days=1)
    db.session.commit()
    assert _client_writes(browser).headers["Location"] == "/me/ended"
    assert len(_messages()) == 1 and _messages()[0].read_at is None


def test_another_clients_link_does_not_see_this_thread(team, client, app):
    _client_writes(client)
    send_staff_message(team["person"], "For Rosa only.", team["clinician"], _key())
    db.session.commit()
    other = make_enrollment(team["cohort"], first_name="Ash").client
    link, _ = make_client_link(other, team["clinician"])
    browser = app.test_client()
    sign_in_client(browser, link)
    page = browser.get("/me/messages").get_data(as_text=True)
    assert SECRET not in page and "For Rosa only." not in page and "No messages yet." in page
    assert "new message" not in browser.get("/me/").get_data(as_text=True)
    assert all(m.read_at is None for m in _messages() if m.author_kind == "staff")


def test_staff_outside_the_care_team_and_family_are_refused(team, client, app):
    _client_writes(client)
    for user, status in ((team["admin"], 403), (team["outsider"], 404), (make_family_user(), 403)):
        browser = _staff(app, user)
        response = browser.get(team["tab"])
        assert response.status_code == status and SECRET not in response.get_data(as_text=True)
        assert _staff_replies(browser, team).status_code == status
    assert len(_messages()) == 1 and _messages()[0].read_at is None
    # The program admin reads the rest of the record, but is not shown a tab that is not theirs.
    overview = _staff(app, team["admin"]).get(f"/clients/{team['person'].id}").get_data(as_text=True)
    assert team["tab"] not in overview and "/self-reports" in overview


def test_every_post_needs_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        program = make_program()
        person = make_enrollment(make_cohort(program)).client
        clinician = make_user("clinician", programs=[program])
        link, _ = make_client_link(person, clinician)
        staff, own = app.test_client(), app.test_client()
        sign_in(staff, clinician)
        sign_in_client(own, link)
        data = {"submission_key": _key(), "body": "Hello"}
        # The client's browser holds no account: a refused token is answered like the other client pages.
        refused = own.post("/me/messages", data=data)
        assert refused.status_code == 400 and "This page has expired" in refused.get_data(as_text=True)
        assert staff.post(f"/clients/{person.id}/messages", data=data).status_code == 400
        assert staff.post(f"/clients/{person.id}/messages/handled", data={"handled": "1"}).status_code == 400
        assert staff.post("/notifications/read").status_code == 400
        assert db.session.scalar(select(func.count(SecureMessage.id))) == 0
        # With the page's token the same post goes through.
        page = own.get("/me/messages").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        assert own.post("/me/messages", data={**data, "csrf_token": token}).status_code == 303


def test_mark_all_read_clears_the_home_pages_notifications(team, client, app):
    _client_writes(client)
    browser = _staff(app, team["clinician"])
    assert "Notifications" in browser.get("/").get_data(as_text=True)
    response = browser.post("/notifications/read")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert all(notice.read_at for notice in _notices(team["clinician"]))
    assert "new secure message" not in browser.get("/").get_data(as_text=True)
