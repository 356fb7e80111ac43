"""What the client reported by personal link, as the care team reads it."""

from __future__ import annotations

import json

from sqlalchemy import select

from iop.extensions import db
from iop.models import AuditEvent, Client


def client_activity_log(client: Client, limit: int = 50) -> list[tuple[AuditEvent, dict]]:
    """What was done through the client's personal links (opened, viewed, sent, refused), newest first."""
    rows = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.client_id == client.id,
            AuditEvent.object_type == "client_link",
            AuditEvent.actor_id.is_(None),
        )
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return [(event, json.loads(event.details or "{}")) for event in rows]
