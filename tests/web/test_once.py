"""The once-only store every client and family form shares (iop.services.once): a key stored first wins,
a racing insert with the same key is undone without undoing the rest of the request's transaction."""

from sqlalchemy import func, select

from iop.extensions import db
from iop.models import JournalEntry, SecureMessage
from iop.services.once import insert_once, stored_with_key
from tests.factories import make_client_link, make_cohort, make_enrollment, make_program, make_user


def _person_and_link():
    program = make_program("Once program")
    person = make_enrollment(make_cohort(program), first_name="Ivo").client
    link, _ = make_client_link(person, make_user("clinician", programs=[program]))
    return person, link


def _entry(person, link, key, body):
    return JournalEntry(client_id=person.id, link_id=link.id, body=body, shared=False, submission_key=key)


def test_a_new_key_is_stored_and_found_again(app):
    person, link = _person_and_link()
    entry, created = insert_once(_entry(person, link, "once-key-000000000001", "first"))
    assert created is True and entry.id is not None
    assert stored_with_key(JournalEntry, "once-key-000000000001") is entry
    assert stored_with_key(JournalEntry, "once-key-000000000002") is None


def test_a_second_insert_with_the_key_gives_back_the_first_and_keeps_the_transaction(app):
    person, link = _person_and_link()
    first, _ = insert_once(_entry(person, link, "once-key-000000000003", "first"))
    # What the same request wrote before the racing insert must survive its undoing.
    other, _ = insert_once(_entry(person, link, "once-key-000000000004", "kept"))
    stored, created = insert_once(_entry(person, link, "once-key-000000000003", "second"))
    db.session.commit()
    assert created is False and stored.id == first.id and stored.body == "first"
    bodies = db.session.scalars(select(JournalEntry.body).order_by(JournalEntry.id)).all()
    assert bodies == ["first", "kept"]


def test_keys_are_per_kind_of_row(app):
    person, link = _person_and_link()
    insert_once(_entry(person, link, "once-key-000000000005", "journal"))
    assert stored_with_key(SecureMessage, "once-key-000000000005") is None
    assert db.session.scalar(select(func.count()).select_from(JournalEntry)) == 1
