"""Recording attendance and participation, one row per (session, enrollment)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from iop import clock
from iop.clinical.attendance import STATUS_LABELS, default_minutes, takes_participation
from iop.extensions import db
from iop.models import Amendment, Attendance, Enrollment, GroupSession, User
from iop.services.audit import record_event, record_events
from iop.services.rosters import SessionGrid, members_on


class AttendanceConflict(Exception):
    """Someone else saved this row since the editor loaded it; the fresh row is attached."""

    def __init__(self, current: Attendance | None):
        super().__init__("attendance row changed since it was loaded")
        self.current = current


class AttendanceRefused(ValueError):
    """The session cannot take attendance (cancelled, or the client was not a member that day)."""

    # The row as stored, when the refusal came after reading it: the grid shows its choices again.
    current: Attendance | None = None


class ReasonRequired(AttendanceRefused):
    """A change to a signed record needs the clinician's reason, kept on the amendment."""

    def __init__(self, current: Attendance | None = None):
        super().__init__(
            "The note is signed: say why you are changing it (the reason is kept with the change)."
        )
        self.current = current


@dataclass(frozen=True)
class AttendanceInput:
    # None while only a note has been typed: a note never waits for a status.
    status: str | None
    minutes_attended: int | None
    participation: int | None
    note: str
    # True when the user just picked the status, so minutes follow it rather than the old value.
    status_changed: bool = False


@dataclass(frozen=True)
class RowSaved:
    """What the grid needs after a row was saved."""

    row: Attendance
    # The server settled minutes or the rating differently from what the browser sent (a status default,
    # an absence clearing the rating), so those controls are redrawn.
    minutes_changed: bool
    rating_changed: bool
    recorded: int
    all_recorded: bool
    amendment: Amendment | None = None


def describe(row: Attendance | None) -> str:
    """A one-line human summary of a row, used in amendments."""
    if row is None:
        return "not recorded"
    parts = [STATUS_LABELS[row.status], f"{row.minutes_attended} min"] if row.status else ["no status"]
    if row.participation:
        parts.append(f"participation {row.participation}")
    if row.note:
        parts.append(f"note: {row.note}")
    return ", ".join(parts)


def not_started_message(group_session: GroupSession, what: str) -> str | None:
    """Why nothing can be recorded yet for a session still to come (None once it has started)."""
    if group_session.starts_at <= clock.now():
        return None
    local = group_session.starts_at.astimezone(group_session.cohort.program.zone)
    when = f"{local:%a, %b} {local.day} at {local:%I:%M %p}".replace(" 0", " ")
    return f"This group starts {when}: {what} once it has started."


def may_record(user: User, group_session: GroupSession) -> bool:
    """Whether the grid is editable for this user now: the care team, a session held or under way."""
    return (
        user.has_role("clinician", "case_manager", program=group_session.cohort.program_id)
        and not group_session.is_cancelled
        and group_session.starts_at <= clock.now()
    )


def coded(row: Attendance | None) -> dict | None:
    """A row as the audit trail keeps it: coded values, and only whether a note exists (never its text)."""
    if row is None:
        return None
    return {
        "status": row.status,
        "minutes_attended": row.minutes_attended,
        "participation": row.participation,
        "has_note": bool(row.note),
    }


def check_session_open(group_session: GroupSession) -> None:
    """Refuse attendance for a cancelled session or one still to come."""
    if group_session.is_cancelled:
        raise AttendanceRefused("This session was cancelled; attendance cannot be taken.")
    not_started = not_started_message(group_session, "attendance can be taken")
    if not_started:
        raise AttendanceRefused(not_started)


def check_can_record(group_session: GroupSession, enrollment: Enrollment) -> None:
    """Refuse attendance for a closed session, or for a client not enrolled that day."""
    check_session_open(group_session)
    if enrollment.cohort_id != group_session.cohort_id or not enrollment.is_active_on(
        group_session.session_date
    ):
        raise AttendanceRefused("This client was not a member of the group on that date.")


def stored_row(group_session: GroupSession, enrollment: Enrollment) -> Attendance | None:
    """The member's attendance row as stored now."""
    return db.session.scalar(
        select(Attendance).where(
            Attendance.session_id == group_session.id, Attendance.enrollment_id == enrollment.id
        )
    )


def current_row(group_session: GroupSession, enrollment: Enrollment, expected_version: int | None):
    """The stored row, when it is the one the editor saw (version 0 = nothing stored); else a conflict."""
    return _as_seen(stored_row(group_session, enrollment), expected_version)


def _as_seen(row: Attendance | None, expected_version: int | None) -> Attendance | None:
    """The row, when it has the version the editor saw (0 = nothing stored); else a conflict."""
    if (row.version if row else 0) != expected_version:
        raise AttendanceConflict(row)
    return row


def _values(group_session: GroupSession, row: Attendance | None, data: AttendanceInput) -> dict:
    """The row as it will be stored: minutes follow a newly chosen status, an absence is not rated."""
    if data.status is None:
        if row is not None and row.status is not None:
            raise AttendanceRefused("A recorded status cannot be cleared; choose the one that applies.")
        return {"status": None, "minutes_attended": None, "participation": None, "note": data.note.strip()}
    minutes = data.minutes_attended
    if data.status_changed or minutes is None:
        minutes = default_minutes(data.status, group_session.duration_minutes)
    return {
        "status": data.status,
        "minutes_attended": minutes,
        "participation": data.participation if takes_participation(data.status) else None,
        "note": data.note.strip(),
    }


def _write(group_session: GroupSession, enrollment: Enrollment, row, values: dict, actor: User) -> Attendance:
    """Insert or update the row so that losing a race to another editor undoes only this row."""
    values = {**values, "updated_by_id": actor.id, "updated_at": clock.now()}
    row = (
        _insert(group_session, enrollment, values)
        if row is None
        else _update(group_session, enrollment, row, values)
    )
    if group_session.status == "scheduled" and row.status is not None:
        group_session.status = "held"
    return row


def _insert(group_session: GroupSession, enrollment: Enrollment, values: dict) -> Attendance:
    """The member's first row, inside a savepoint: a duplicate insert fails in the database, which would
    otherwise break the whole transaction (a 500, not a 409).

    The savepoint opens before the row is added: begin_nested() first flushes what is pending, and a lost
    race flushed there would fail outside the savepoint."""
    try:
        with db.session.begin_nested():
            row = Attendance(session_id=group_session.id, enrollment_id=enrollment.id, **values)
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        # Another editor inserted the row between our read and our write.
        db.session.expire_all()
        raise AttendanceConflict(stored_row(group_session, enrollment)) from None
    return row


_WRITTEN = ("status", "minutes_attended", "participation", "note", "updated_by_id", "updated_at")


@cache
def _versioned_update():
    """The row's UPDATE, only where it still has the version the editor saw."""
    return (
        update(Attendance)
        .where(Attendance.id == bindparam("row_id"), Attendance.version == bindparam("seen_version"))
        .values({name: bindparam(f"new_{name}") for name in (*_WRITTEN, "version")})
        .execution_options(synchronize_session=False)
    )


def _update(group_session: GroupSession, enrollment: Enrollment, row: Attendance, values: dict) -> Attendance:
    """One UPDATE that names the version read (the optimistic check). An UPDATE that matches no row is no
    error, so this needs no savepoint: the toggle is the grid's hot path, and each round trip shows."""
    values = {**values, "version": row.version + 1}
    params = {f"new_{name}": value for name, value in values.items()}
    changed = db.session.execute(
        _versioned_update(), {**params, "row_id": row.id, "seen_version": row.version}
    )
    if changed.rowcount != 1:
        # Another editor saved the row between our read and our write.
        db.session.expire_all()
        raise AttendanceConflict(stored_row(group_session, enrollment))
    for key, value in values.items():
        set_committed_value(row, key, value)
    db.session.expire(row, ["updated_by"])  # names the new editor when next read (from the identity map)
    return row


def _amend(
    group_session: GroupSession, enrollment_id: int, before: str, after: str, actor: User, reason: str
):
    amendment = Amendment(
        session_id=group_session.id,
        enrollment_id=enrollment_id,
        field="attendance",
        before=before,
        after=after,
        reason=reason.strip(),
        amended_by_id=actor.id,
    )
    db.session.add(amendment)
    return amendment


# The toggle's statements are built once, with bound parameters: building a select() and its cache key
# on every save cost more than the bare route's whole request.


@cache
def _progress_counts():
    """How many of a session's members are recorded and how many were enrolled that day, as two scalar
    subqueries of session_id, cohort_id and session_date."""
    recorded = (
        select(func.count(Attendance.id))
        .where(Attendance.session_id == bindparam("session_id"), Attendance.status.is_not(None))
        .scalar_subquery()
    )
    members = (
        select(func.count())
        .select_from(members_on(bindparam("cohort_id"), bindparam("session_date")).subquery())
        .scalar_subquery()
    )
    return recorded, members


@cache
def _progress_statement():
    return select(*_progress_counts())


@cache
def _stored_with_progress_statement():
    return select(Attendance, *_progress_counts()).where(
        Attendance.session_id == bindparam("session_id"),
        Attendance.enrollment_id == bindparam("enrollment_id"),
    )


def _progress_params(group_session: GroupSession) -> dict:
    return {
        "session_id": group_session.id,
        "cohort_id": group_session.cohort_id,
        "session_date": group_session.session_date,
    }


def _progress(group_session: GroupSession) -> tuple[int, bool]:
    """How many members are recorded, and whether everyone enrolled that day is."""
    counts = db.session.execute(_progress_statement(), _progress_params(group_session)).one()
    recorded_count, member_count = counts
    return recorded_count, recorded_count >= member_count


def _stored_with_progress(group_session: GroupSession, enrollment: Enrollment):
    """The member's stored row with the session's two counts as they stand before this save, in one
    statement: the toggle is the grid's hot path, every round trip shows. (None, None) without a row."""
    found = db.session.execute(
        _stored_with_progress_statement(), {**_progress_params(group_session), "enrollment_id": enrollment.id}
    ).first()
    return (found[0], (found[1], found[2])) if found else (None, None)


def record_attendance(
    group_session: GroupSession,
    enrollment: Enrollment,
    data: AttendanceInput,
    *,
    expected_version: int,
    actor: User,
    reason: str = "",
) -> RowSaved:
    """Save one row. expected_version is the version the editor saw (0 = not recorded yet); a change to a
    signed session is an amendment and needs a reason."""
    check_can_record(group_session, enrollment)
    row, counts_before = _stored_with_progress(group_session, enrollment)
    row = _as_seen(row, expected_version)
    was_recorded = row is not None and row.is_recorded
    values = _values(group_session, row, data)
    amendment = None
    # An unchanged row gets no new version and no audit noise.
    if row is None or any(getattr(row, key) != value for key, value in values.items()):
        if group_session.is_signed and not reason.strip():
            raise ReasonRequired(row)
        before, coded_before = describe(row), coded(row)
        row = _write(group_session, enrollment, row, values, actor)
        if group_session.is_signed:
            amendment = _amend(group_session, enrollment.id, before, describe(row), actor, reason)
            db.session.flush()
        record_event(
            "attendance.amend" if amendment else "attendance.record",
            "attendance",
            row.id,
            enrollment.client_id,
            actor_id=actor.id,
            details={
                "session_id": group_session.id,
                "before": coded_before,
                "after": coded(row),
                **({"amendment_id": amendment.id} if amendment else {}),
            },
        )
    if counts_before is None:  # the member's first row: counted now it is written
        recorded, all_recorded = _progress(group_session)
    else:  # this save is the only change this transaction made to the counts read with the row
        recorded = counts_before[0] - was_recorded + row.is_recorded
        all_recorded = recorded >= counts_before[1]
    return RowSaved(
        row=row,
        minutes_changed=data.minutes_attended != row.minutes_attended,
        rating_changed=data.participation != row.participation or data.status_changed,
        recorded=recorded,
        all_recorded=all_recorded,
        amendment=amendment,
    )


def mark_all_present(grid: SessionGrid, actor: User, reason: str = "") -> SessionGrid:
    """Record 'present' for every member still unrecorded (no row, or only a note); recorded rows are left
    alone. Returns the grid as it now stands."""
    group_session = grid.session
    check_session_open(group_session)
    missing = [e for e in grid.unrecorded if e.is_active_on(group_session.session_date)]
    if not missing:
        return grid
    if group_session.is_signed and not reason.strip():
        raise ReasonRequired()
    now = clock.now()
    rows, amendments = dict(grid.rows), list(grid.amendments)
    for enrollment in missing:
        row = rows.get(enrollment.id)
        before = describe(row)
        if row is None:
            row = rows[enrollment.id] = Attendance(session_id=group_session.id, enrollment_id=enrollment.id)
            db.session.add(row)
        row.status, row.minutes_attended = "present", group_session.duration_minutes
        row.updated_by_id, row.updated_at = actor.id, now
        if group_session.is_signed:
            amendments.append(_amend(group_session, enrollment.id, before, describe(row), actor, reason))
    if group_session.status == "scheduled":
        group_session.status = "held"
    db.session.flush()
    record_events(
        "attendance.mark_all_present",
        "group_session",
        group_session.id,
        [enrollment.client_id for enrollment in missing],
        actor_id=actor.id,
        details={"amendment_ids": [a.id for a in amendments[len(grid.amendments) :]]}
        if group_session.is_signed
        else None,
    )
    return SessionGrid(group_session, grid.members, rows, amendments)
