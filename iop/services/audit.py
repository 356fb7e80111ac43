"""Append-only, hash-chained audit events, anchored by a key the database does not hold.

Each event's hash is an HMAC (keyed by `iop.keys`) of its own fields and the previous event's hash,
so changing or deleting a row breaks the chain from that row on, and nobody without the key can
re-hash a rewritten chain. Signed checkpoints of the head (`write_checkpoint`, run by the clock)
vouch for the newest events, so cutting them off is detected as well; `verify_chain` checks both.
Appends are serialized: one writer extends the chain at a time, on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import insert, select, text

from iop import clock
from iop.extensions import db
from iop.keys import purpose_key
from iop.models import AuditCheckpoint, AuditEvent

log = logging.getLogger(__name__)

GENESIS = "0" * 64
# Any fixed number: PostgreSQL serialises appends to the chain with this transaction-scoped lock.
_CHAIN_LOCK_KEY = 7_040_301


def _material(prev_hash: str, row: dict) -> bytes:
    return "|".join(
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
    ).encode()


def _digest(prev_hash: str, row: dict, key: bytes | None = None) -> str:
    key = key or purpose_key("audit-chain")
    return hmac.new(key, _material(prev_hash, row), hashlib.sha256).hexdigest()


def _unkeyed_digest(prev_hash: str, row: dict) -> str:
    """The plain SHA-256 used before migration 0008: a row that matches it was hashed without the key."""
    return hashlib.sha256(_material(prev_hash, row)).hexdigest()


def _lock_chain() -> None:
    """Make this transaction the chain's only writer until it ends, before the head is read."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
        return
    # SQLite runs a SELECT outside any transaction, so two requests could read the same head and
    # fork the chain. A write that matches no row opens the transaction and takes SQLite's write
    # lock first: a second writer waits here until this one commits.
    db.session.execute(text("UPDATE audit_events SET id = id WHERE 0 = 1"))


def _chain_head() -> str:
    """The hash of the chain's last event, read once this transaction is the chain's only writer."""
    if db.session.get_bind().dialect.name == "postgresql":
        # The lock and the read in one round trip (migration 0020): each query of the function sees
        # what committed before it ran, so a head appended while we waited for the lock is seen.
        last = db.session.scalar(text("SELECT audit_chain_head(:key)"), {"key": _CHAIN_LOCK_KEY})
        return last or GENESIS
    _lock_chain()
    last = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return last or GENESIS


def _context(actor_id: int | None) -> dict:
    # On the client's own pages the actor is the client (no account): a staff sign-in in the same
    # browser must not be named as the actor of what the client did.
    as_client = has_request_context() and g.get("audit_as_client", False)
    if actor_id is None and has_request_context() and not as_client and current_user.is_authenticated:
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
    grant_id = g.get("break_glass_grant_id") if has_request_context() else None
    if grant_id is not None:
        # Whatever is read or done under break-glass names the grant (its reason stays on the grant).
        details = {**(details or {}), "break_glass_grant_id": grant_id}
    details_json = json.dumps(details or {}, sort_keys=True, default=str)
    key = purpose_key("audit-chain")  # once per append, not once per row (a queue page appends 50)
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
        row["hash"] = prev_hash = _digest(prev_hash, row, key)
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


def _checkpoint_signature(event_id: int, event_hash: str, created_at, prev_signature: str) -> str:
    material = f"{event_id}|{event_hash}|{created_at.isoformat()}|{prev_signature}".encode()
    return hmac.new(purpose_key("audit-checkpoint"), material, hashlib.sha256).hexdigest()


def write_checkpoint() -> AuditCheckpoint | None:
    """Sign the chain's current head (None when nothing was appended since the last checkpoint).

    The signature also goes to the application log, which lives outside the database: a checkpoint
    held there can later be handed to `flask audit verify --checkpoint`.
    """
    _lock_chain()
    head = db.session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    last = db.session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1))
    if head is None or (last is not None and last.event_id == head.id):
        return None
    created_at = clock.now()
    prev_signature = last.signature if last else GENESIS
    checkpoint = AuditCheckpoint(
        created_at=created_at,
        event_id=head.id,
        event_hash=head.hash,
        prev_signature=prev_signature,
        signature=_checkpoint_signature(head.id, head.hash, created_at, prev_signature),
    )
    db.session.add(checkpoint)
    db.session.flush()
    log.info("audit checkpoint at event %s: %s", head.id, checkpoint.signature)
    return checkpoint


@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    reason: str


def verify_chain(batch_size: int = 5000, expected_checkpoint: str | None = None) -> Iterator[ChainProblem]:
    """Walk the whole chain in id order and yield every event or checkpoint that does not fit it."""
    checkpoints = db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).all()
    yield from _verify_checkpoints(checkpoints, expected_checkpoint)
    vouched = {checkpoint.event_id: checkpoint for checkpoint in checkpoints}
    db.session.expunge_all()
    prev_hash = GENESIS
    last_id = 0
    while True:
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch_size)
        ).all()
        if not events:
            break
        for event in events:
            yield from _verify_event(event, prev_hash)
            checkpoint = vouched.pop(event.id, None)
            if checkpoint is not None and checkpoint.event_hash != event.hash:
                yield ChainProblem(event.id, f"differs from what checkpoint {checkpoint.id} signed")
            prev_hash = event.hash
            last_id = event.id
        db.session.expunge_all()
    for event_id, checkpoint in sorted(vouched.items()):
        yield ChainProblem(
            event_id, f"is gone, though checkpoint {checkpoint.id} signed it (the trail was cut short)"
        )


def _verify_event(event: AuditEvent, prev_hash: str) -> Iterator[ChainProblem]:
    row = {column: getattr(event, column) for column in _HASHED_COLUMNS}
    if event.prev_hash != prev_hash:
        yield ChainProblem(event.id, "does not link to the event before it (a row was removed?)")
    elif not hmac.compare_digest(_digest(prev_hash, row), event.hash):
        if _unkeyed_digest(prev_hash, row) == event.hash:
            yield ChainProblem(event.id, "was hashed without the audit key (re-chained, or older than 0008)")
        else:
            yield ChainProblem(event.id, "its contents do not match its hash (the row was changed)")


def _verify_checkpoints(checkpoints, expected: str | None) -> Iterator[ChainProblem]:
    prev_signature = GENESIS
    last_event_id = 0
    for checkpoint in checkpoints:
        signature = _checkpoint_signature(
            checkpoint.event_id, checkpoint.event_hash, checkpoint.created_at, checkpoint.prev_signature
        )
        if checkpoint.prev_signature != prev_signature or checkpoint.event_id < last_event_id:
            yield ChainProblem(
                checkpoint.event_id, f"checkpoint {checkpoint.id} does not follow the one before it"
            )
        elif not hmac.compare_digest(signature, checkpoint.signature):
            yield ChainProblem(
                checkpoint.event_id, f"checkpoint {checkpoint.id} is not signed with the audit key"
            )
        prev_signature = checkpoint.signature
        last_event_id = checkpoint.event_id
    if expected is not None and expected not in {checkpoint.signature for checkpoint in checkpoints}:
        yield ChainProblem(0, "the checkpoint you hold is missing (the trail was cut short or replaced)")


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
