"""The client's journal: private by default, shared and unshared entry by entry; the care team sees only
what is shared, and every step is audited without the text."""

import json

import pytest
from sqlalchemy import func, select

from iop.extensions import db
from iop.models import AuditEvent, JournalEntry
from tests.factories import (
    make_client_link,
    make_cohort,
    make_enrollment,
    make_program,
    make_user,
    sign_in,
    sign_in_client,
)


@pytest.fixture
def writer(app, client):
    program = make_program("Journal program")
    cohort = make_cohort(program)
    person = make_enrollment(cohort, first_name="Noor").client
    clinician = make_user("clinician", programs=[program])
    link, _ = make_client_link(person, clinician)
    sign_in_client(client, link)
    return {"person": person, "clinician": clinician, "cohort": cohort}


def _entries():
    return list(db.session.scalars(select(JournalEntry).order_by(JournalEntry.id)))


def _staff_page(app, writer):
    staff = app.test_client()
    sign_in(staff, writer["clinician"])
    return staff.get(f"/clients/{writer['person'].id}/self-reports").get_data(as_text=True)


def test_an_entry_is_private_by_default_and_the_care_team_does_not_see_it(writer, client, app):
    response = client.post(
        "/me/journal", data={"submission_key": "journal-key-000000001", "body": "Felt the urge, rode it out."}
    )
    assert response.status_code == 303
    (entry,) = _entries()
    assert entry.shared is False and entry.body == "Felt the urge, rode it out."
    assert "Felt the urge" in client.get("/me/journal").get_data(as_text=True)
    assert "Felt the urge" not in _staff_page(app, writer)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "journal.write"))
    assert (
        event.actor_id is None
        and "urge" not in event.details
        and json.loads(event.details)["shared"] is False
    )


def test_sharing_shows_it_to_the_care_team_and_unsharing_takes_it_back(writer, client, app):
    client.post("/me/journal", data={"submission_key": "journal-key-000000002", "body": "Proud of today."})
    (entry,) = _entries()
    assert client.post(f"/me/journal/{entry.id}/share", data={"shared": "1"}).status_code == 303
    assert "Proud of today." in _staff_page(app, writer)
    client.post(f"/me/journal/{entry.id}/share", data={"shared": "0"})
    assert "Proud of today." not in _staff_page(app, writer)
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("journal.%")).order_by(AuditEvent.id)
    )
    assert list(actions) == ["journal.write", "journal.share", "journal.unshare"]


def test_an_entry_can_be_shared_as_it_is_written(writer, client, app):
    client.post(
        "/me/journal",
        data={"submission_key": "journal-key-000000003", "body": "For my counselor.", "shared": "y"},
    )
    assert _entries()[0].shared is True and "For my counselor." in _staff_page(app, writer)


def test_a_double_submit_stores_one_entry(writer, client):
    data = {"submission_key": "journal-key-000000004", "body": "Once."}
    client.post("/me/journal", data=data)
    client.post("/me/journal", data=data)
    assert db.session.scalar(select(func.count(JournalEntry.id))) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write something first."),
        ("   ", "Write something first."),
        ("x" * 5001, "Keep an entry under 5000"),
    ],
)
def test_an_empty_or_overlong_entry_comes_back_with_a_message(writer, client, body, message):
    response = client.post(
        "/me/journal", data={"submission_key": "journal-key-000000005", "body": body, "shared": "y"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page and "checked" in page
    assert _entries() == []


def test_another_clients_entry_cannot_be_shared(writer, client, app):
    client.post("/me/journal", data={"submission_key": "journal-key-000000006", "body": "Mine."})
    (entry,) = _entries()
    other = make_enrollment(writer["cohort"], first_name="Ash").client
    link, _ = make_client_link(other, writer["clinician"])
    browser = app.test_client()
    sign_in_client(browser, link)
    assert browser.post(f"/me/journal/{entry.id}/share", data={"shared": "1"}).status_code == 404
    assert "Mine." not in browser.get("/me/journal").get_data(as_text=True)
    db.session.refresh(entry)
    assert entry.shared is False
