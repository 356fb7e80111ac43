"""Append-only, hash-chained audit events.

Each event's hash covers its own fields and the previous event's hash, so changing or deleting a
row breaks the chain from that row on; `verify_chain` finds the first broken link.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import insert, select, text

from iop import clock
from iop.extensions import db
from iop.models import AuditEvent

GENESIS = "0" * 64
# Any fixed number: PostgreSQL serialises appends to the chain with this transaction-scoped lock.
_CHAIN_LOCK_KEY = 7_040_301


def _digest(prev_hash: str, row: dict) -> str:
    material = "|".join(
        [
            prev_hash,
            row["occurred_at"].isoformat(),
            str(row["actor_id"]),
            row["action"],
            row["object_type"],
            str(row["object_id"]),
            str(row["client_id"]),
            str(row["ip"]),
            str(row["request_id"]),
            row["details"],
        ]
    )
    return hashlib.sha256(material.encode()).hexdigest()


def _chain_head() -> str:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    last = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return last or GENESIS


def _context(actor_id: int | None) -> dict:
    if actor_id is None and has_request_context() and current_user.is_authenticated:
        actor_id = current_user.id
    return {
        "actor_id": actor_id,
        "ip": request.remote_addr if has_request_context() else None,
        "request_id": g.get("request_id") if has_request_context() else None,
    }


def record_events(
    action: str,
    object_type: str,
    object_id: object | None = None,
    client_ids: Iterable[int | None] = (None,),
    *,
    actor_id: int | None = None,
    details: dict | None = None,
) -> None:
    """Append one event per client id (one INSERT for all of them)."""
    context = _context(actor_id)
    prev_hash = _chain_head()
    occurred_at = clock.now()
    details_json = json.dumps(details or {}, sort_keys=True, default=str)
    rows = []
    for client_id in client_ids:
        row = {
            "occurred_at": occurred_at,
            "action": action,
            "object_type": object_type,
            "object_id": None if object_id is None else str(object_id),
            "client_id": client_id,
            "details": details_json,
            **context,
        }
        row["prev_hash"] = prev_hash
        row["hash"] = prev_hash = _digest(prev_hash, row)
        rows.append(row)
    if rows:
        db.session.execute(insert(AuditEvent), rows)


def record_event(
    action: str,
    object_type: str,
    object_id: object | None = None,
    client_id: int | None = None,
    *,
    actor_id: int | None = None,
    details: dict | None = None,
) -> None:
    """Append one audit event; the caller's transaction commits it."""
    record_events(action, object_type, object_id, [client_id], actor_id=actor_id, details=details)


@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    reason: str


def verify_chain(batch_size: int = 5000) -> Iterator[ChainProblem]:
    """Walk the whole chain in id order and yield every event that does not fit it."""
    prev_hash = GENESIS
    last_id = 0
    while True:
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch_size)
        ).all()
        if not events:
            return
        for event in events:
            row = {column: getattr(event, column) for column in _HASHED_COLUMNS}
            if event.prev_hash != prev_hash:
                yield ChainProblem(event.id, "does not link to the event before it (a row was removed?)")
            elif _digest(prev_hash, row) != event.hash:
                yield ChainProblem(event.id, "its contents do not match its hash (the row was changed)")
            prev_hash = event.hash
            last_id = event.id
        db.session.expunge_all()


_HASHED_COLUMNS = (
    "occurred_at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "client_id",
    "ip",
    "request_id",
    "details",
)
