"""The shared group note of a session: drafts, signing, and amendments after signing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from iop import clock
from iop.extensions import db
from iop.models import Amendment, GroupSession, User
from iop.services.attendance import not_started_message
from iop.services.audit import record_events

NOTE_FIELDS = {"topic": "Topic", "interventions": "Interventions", "observations": "Observations"}


class NoteConflict(Exception):
    """The note changed since the editor loaded it."""


class NoteNotReady(ValueError):
    """The note cannot be signed yet; `problems` says why."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class NoteInput:
    topic: str
    interventions: str
    observations: str


def save_note(
    group_session: GroupSession, data: NoteInput, *, expected_version: int, actor: User, client_ids: list[int]
) -> bool:
    """Save the note; after signing each changed field becomes an amendment. Returns True if changed."""
    if group_session.is_cancelled:
        raise ValueError("A cancelled session has no group note.")
    not_started = not_started_message(group_session, "its note can be written")
    if not_started:
        raise ValueError(not_started)
    if group_session.note_version != expected_version:
        raise NoteConflict()
    changes = {
        field: (getattr(group_session, field), getattr(data, field).strip())
        for field in NOTE_FIELDS
        if getattr(group_session, field) != getattr(data, field).strip()
    }
    if not changes:
        return False
    # Claim the next version in one statement: a concurrent save that read the same version now matches
    # no row (on PostgreSQL it waits for ours, then finds the version moved), so it is a conflict, never a
    # silent overwrite. The check above only read the version; two saves could both have passed it.
    claimed = db.session.execute(
        update(GroupSession)
        .where(GroupSession.id == group_session.id, GroupSession.note_version == expected_version)
        .values(note_version=expected_version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise NoteConflict()
    set_committed_value(group_session, "note_version", expected_version + 1)
    for field, (before, after) in changes.items():
        setattr(group_session, field, after)
        if group_session.is_signed:
            db.session.add(
                Amendment(
                    session_id=group_session.id,
                    field=field,
                    before=before,
                    after=after,
                    amended_by_id=actor.id,
                )
            )
    group_session.note_updated_at = clock.now()
    group_session.note_updated_by_id = actor.id
    db.session.flush()
    action = "note.amend" if group_session.is_signed else "note.save"
    record_events(
        action,
        "group_session",
        group_session.id,
        client_ids or [None],
        actor_id=actor.id,
        details={"fields": sorted(changes)},
    )
    return True


def sign_problems(group_session: GroupSession, unrecorded_names: list[str]) -> list[str]:
    """What still stands between this note and a signature."""
    problems = []
    if group_session.is_signed:
        problems.append("This note is already signed.")
    if group_session.is_cancelled:
        problems.append("A cancelled session cannot be signed.")
    not_started = not_started_message(group_session, "its note can be signed")
    if not_started:
        problems.append(not_started)
    for field, label in NOTE_FIELDS.items():
        if not getattr(group_session, field).strip():
            problems.append(f"{label} is empty.")
    if unrecorded_names:
        problems.append("Attendance is not recorded for " + ", ".join(unrecorded_names) + ".")
    return problems


def sign_note(
    group_session: GroupSession, *, actor: User, unrecorded_names: list[str], client_ids: list[int]
):
    """Sign the note; from now on every change is kept as an amendment."""
    problems = sign_problems(group_session, unrecorded_names)
    if problems:
        raise NoteNotReady(problems)
    group_session.signed_at = clock.now()
    group_session.signed_by_id = actor.id
    if group_session.status == "scheduled":
        group_session.status = "held"
    db.session.flush()
    record_events("note.sign", "group_session", group_session.id, client_ids or [None], actor_id=actor.id)
