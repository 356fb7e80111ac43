"""The shared group note of a session: drafts, signing, and amendments after signing."""

from __future__ import annotations

from dataclasses import dataclass, field

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


class AmendmentReasonMissing(ValueError):
    """A signed note changes only with a reason, kept on each amendment."""

    def __init__(self):
        super().__init__("Say why the signed note is changed; the reason is kept with the amendment.")


@dataclass(frozen=True)
class NoteInput:
    topic: str
    interventions: str
    observations: str


@dataclass(frozen=True)
class NoteSaved:
    """What the note block needs after a save: whether anything changed, and the amendments it made."""

    changed: bool
    amendments: list[Amendment] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.changed


def _check_open(group_session: GroupSession) -> None:
    if group_session.is_cancelled:
        raise ValueError("A cancelled session has no group note.")
    not_started = not_started_message(group_session, "its note can be written")
    if not_started:
        raise ValueError(not_started)


def _changes(group_session: GroupSession, data: NoteInput) -> dict[str, tuple[str, str]]:
    """Each field whose text differs from what is stored: (before, after)."""
    changes = {}
    for name in NOTE_FIELDS:
        before, after = getattr(group_session, name), getattr(data, name).strip()
        if before != after:
            changes[name] = (before, after)
    return changes


def save_note(
    group_session: GroupSession,
    data: NoteInput,
    *,
    expected_version: int,
    actor: User,
    client_ids: list[int],
    reason: str = "",
) -> NoteSaved:
    """Save the note (a draft until signed); after signing each changed field becomes an amendment that
    keeps the original and the reason given."""
    _check_open(group_session)
    if group_session.note_version != expected_version:
        raise NoteConflict()
    changes = _changes(group_session, data)
    if not changes:
        return NoteSaved(False)
    if group_session.is_signed and not reason.strip():
        raise AmendmentReasonMissing()
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
    amendments = []
    for name, (before, after) in changes.items():
        setattr(group_session, name, after)
        if group_session.is_signed:
            amendments.append(
                Amendment(
                    session_id=group_session.id,
                    field=name,
                    before=before,
                    after=after,
                    reason=reason.strip(),
                    amended_by_id=actor.id,
                )
            )
    db.session.add_all(amendments)
    group_session.note_updated_at = clock.now()
    group_session.note_updated_by_id = actor.id
    db.session.flush()
    details = {"fields": sorted(changes)}
    if amendments:
        details["amendment_ids"] = [amendment.id for amendment in amendments]
    action = "note.amend" if group_session.is_signed else "note.save"
    record_events(
        action, "group_session", group_session.id, client_ids or [None], actor_id=actor.id, details=details
    )
    return NoteSaved(True, amendments)


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
    for name, label in NOTE_FIELDS.items():
        if not getattr(group_session, name).strip():
            problems.append(f"{label} is empty.")
    if unrecorded_names:
        problems.append("Attendance is not recorded for " + ", ".join(unrecorded_names) + ".")
    return problems


def sign_note(
    group_session: GroupSession,
    *,
    actor: User,
    unrecorded_names: list[str],
    client_ids: list[int],
    draft: NoteInput | None = None,
    expected_version: int | None = None,
) -> None:
    """Sign the note; from now on every change is kept as an amendment.

    With a draft (the text on the clinician's screen), the draft is saved first, so signing never depends on
    a separate save; when signing is then refused, the saved draft stays for the caller to commit."""
    # A note closed to writing (signed, cancelled, still to come) is not saved; the problems below say why.
    open_for_writing = not (group_session.is_signed or group_session.is_cancelled)
    if draft is not None and open_for_writing and not not_started_message(group_session, ""):
        save_note(group_session, draft, expected_version=expected_version, actor=actor, client_ids=client_ids)
    problems = sign_problems(group_session, unrecorded_names)
    if problems:
        raise NoteNotReady(problems)
    group_session.signed_at = clock.now()
    group_session.signed_by_id = actor.id
    if group_session.status == "scheduled":
        group_session.status = "held"
    db.session.flush()
    record_events("note.sign", "group_session", group_session.id, client_ids or [None], actor_id=actor.id)
