"""Break-glass access: a clinician opens a client of another program in an emergency.

Off unless the client's program turns it on. The clinician writes why; the grant lasts
BREAK_GLASS_MINUTES, reads only, and the program's admins are told at once. Every event recorded while
it is used carries the grant's id (iop.services.audit); the reason stays on the grant, never in the trail.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from iop import clock
from iop.extensions import db
from iop.models import (
    BREAK_GLASS_MINUTES,
    REASON_MIN_LENGTH,
    BreakGlassGrant,
    Client,
    Program,
    ProgramRole,
    User,
)
from iop.services.audit import record_event
from iop.services.messaging import notify


class BreakGlassError(ValueError):
    """A refused break-glass request; `field` names the form field the message belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def break_glass_programs(user: User) -> list[Program]:
    """Programs that allow break-glass access and where the user holds no role (their own need none)."""
    if not user.has_role("clinician"):
        return []
    programs = db.session.scalars(
        select(Program).where(Program.break_glass_enabled.is_(True)).order_by(Program.name)
    )
    return [program for program in programs if not user.roles_in(program.id)]


def open_break_glass(user: User, program: Program, mrn: str, reason: str) -> BreakGlassGrant:
    """Grant the clinician read access to the client with this record number, audited and announced."""
    reason = reason.strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise BreakGlassError(
            "reason", f"Write at least {REASON_MIN_LENGTH} characters: why you need this record now."
        )
    if program not in break_glass_programs(user):
        raise BreakGlassError("program_id", "Choose a program that allows break-glass access.")
    client = db.session.scalar(
        select(Client).where(Client.program_id == program.id, func.lower(Client.mrn) == mrn.strip().lower())
    )
    if client is None:
        # The attempt is on record too (the program, never what was typed).
        record_event("break_glass.not_found", "program", program.id, details={"program_id": program.id})
        raise BreakGlassError("mrn", "No client of this program has that record number.")
    now = clock.now()
    grant = BreakGlassGrant(
        user_id=user.id,
        client_id=client.id,
        program_id=program.id,
        reason=reason,
        granted_at=now,
        expires_at=now + timedelta(minutes=BREAK_GLASS_MINUTES),
    )
    db.session.add(grant)
    db.session.flush()
    record_event(
        "break_glass.grant",
        "break_glass_grant",
        grant.id,
        client.id,
        actor_id=user.id,
        details={"break_glass_grant_id": grant.id, "program_id": program.id, "minutes": BREAK_GLASS_MINUTES},
    )
    _tell_admins(grant, user)
    return grant


def _tell_admins(grant: BreakGlassGrant, user: User) -> None:
    admins = db.session.scalars(
        select(User.id)
        .join(ProgramRole, ProgramRole.user_id == User.id)
        .where(ProgramRole.program_id == grant.program_id, ProgramRole.role == "admin", User.active.is_(True))
        .order_by(User.id)
    ).all()
    # A name and a link, not the client or the reason: the admin reads those on the page, audited.
    text = f"{user.full_name} used break-glass access to open a client record (grant {grant.id})."
    notify(admins, "break_glass", text, "/admin/break-glass/")


def active_grant(user: User, client: Client) -> BreakGlassGrant | None:
    """The user's unexpired grant for this client whose program still allows break-glass, if any."""
    if not client.program.break_glass_enabled:
        return None
    return db.session.scalar(
        select(BreakGlassGrant)
        .where(
            BreakGlassGrant.user_id == user.id,
            BreakGlassGrant.client_id == client.id,
            BreakGlassGrant.program_id == client.program_id,
            BreakGlassGrant.expires_at > clock.now(),
        )
        .order_by(BreakGlassGrant.expires_at.desc())
        .limit(1)
    )


def grants_of_programs(program_ids, limit: int = 100) -> list[BreakGlassGrant]:
    """The newest grants into these programs, with who and which client, for their admins to review."""
    return list(
        db.session.scalars(
            select(BreakGlassGrant)
            .where(BreakGlassGrant.program_id.in_(list(program_ids)))
            .options(joinedload(BreakGlassGrant.user), joinedload(BreakGlassGrant.client))
            .order_by(BreakGlassGrant.granted_at.desc(), BreakGlassGrant.id.desc())
            .limit(limit)
        )
    )
