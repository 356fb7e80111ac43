"""The client's journal: private by default; each entry can be shared with the care team and unshared."""

from __future__ import annotations

from sqlalchemy import Select, select

from iop import clock
from iop.extensions import db
from iop.models import Client, ClientLink, JournalEntry
from iop.services.audit import record_event
from iop.services.once import ALREADY_USED, insert_once, stored_with_key

JOURNAL_MAX_LENGTH = 5000


class JournalRefused(ValueError):
    """The entry cannot be stored as sent; the message is shown to the client."""


def write_entry(link: ClientLink, body: str, shared: bool, submission_key: str) -> tuple[JournalEntry, bool]:
    """Store an entry (private unless `shared`); the same form posted twice stores one."""
    existing = stored_with_key(JournalEntry, submission_key)
    if existing is not None:
        if existing.client_id != link.client_id:
            raise JournalRefused(ALREADY_USED)
        return existing, False
    body = body.strip()
    if not body:
        raise JournalRefused("Write something first.")
    if len(body) > JOURNAL_MAX_LENGTH:
        raise JournalRefused(f"Keep an entry under {JOURNAL_MAX_LENGTH} characters.")
    entry = JournalEntry(
        client_id=link.client_id,
        link_id=link.id,
        body=body,
        shared=shared,
        shared_changed_at=clock.now() if shared else None,
        submission_key=submission_key,
    )
    stored, created = insert_once(entry)
    if not created:
        return stored, False
    record_event(
        "journal.write",
        "journal_entry",
        entry.id,
        link.client_id,
        details={"link_id": link.id, "shared": shared, "length": len(body)},
    )
    return entry, True


def set_shared(entry: JournalEntry, link: ClientLink, shared: bool) -> JournalEntry:
    """Share an entry with the care team, or take it back; only the client's own entries."""
    if entry.client_id != link.client_id:
        raise JournalRefused("That entry is not yours.")
    if entry.shared != shared:
        entry.shared = shared
        entry.shared_changed_at = clock.now()
        record_event(
            "journal.share" if shared else "journal.unshare",
            "journal_entry",
            entry.id,
            link.client_id,
            details={"link_id": link.id},
        )
    return entry


def own_entries(client: Client) -> list[JournalEntry]:
    """All of the client's entries, newest first (for the client only)."""
    return list(
        db.session.scalars(
            select(JournalEntry)
            .where(JournalEntry.client_id == client.id)
            .order_by(JournalEntry.written_at.desc(), JournalEntry.id.desc())
        )
    )


def shared_entries_query(client: Client, limit: int = 20) -> Select:
    """What the client chose to share with the care team, newest first; private entries never."""
    return (
        select(JournalEntry)
        .where(JournalEntry.client_id == client.id, JournalEntry.shared.is_(True))
        .order_by(JournalEntry.written_at.desc(), JournalEntry.id.desc())
        .limit(limit)
    )


def newest_entries_first(entries) -> list[JournalEntry]:
    """Entries in shared_entries_query's order."""
    return sorted(entries, key=lambda entry: (entry.written_at, entry.id), reverse=True)
