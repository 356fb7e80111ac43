"""Recording attendance and participation, one row per (session, enrollment)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from iop import clock
from iop.clinical.attendance import default_minutes, takes_participation
from iop.extensions import db
from iop.models import ATTENDANCE_STATUSES, Amendment, Attendance, Enrollment, GroupSession, User
from iop.services.audit import record_event, record_events


class AttendanceConflict(Exception):
    """Someone else saved this row since the editor loaded it; the fresh row is attached."""

    def __init__(self, current: Attendance | None):
        super().__init__("attendance row changed since it was loaded")
        self.current = current


class AttendanceRefused(ValueError):
    """The session cannot take attendance (cancelled, or the client was not a member that day)."""


@dataclass(frozen=True)
class AttendanceInput:
    status: str
    minutes_attended: int | None
    participation: int | None
    note: str
    # True when the user just picked the status, so minutes follow it rather than the old value.
    status_changed: bool = False


def describe(row: Attendance | None) -> str:
    """A one-line human summary of a row, used in amendments."""
    if row is None:
        return "not recorded"
    parts = [ATTENDANCE_STATUSES[row.status], f"{row.minutes_attended} min"]
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


def check_can_record(group_session: GroupSession, enrollment: Enrollment) -> None:
    """Refuse attendance for a cancelled session, one still to come, or a client not enrolled that day."""
    if group_session.is_cancelled:
        raise AttendanceRefused("This session was cancelled; attendance cannot be taken.")
    not_started = not_started_message(group_session, "attendance can be taken")
    if not_started:
        raise AttendanceRefused(not_started)
    if enrollment.cohort_id != group_session.cohort_id or not enrollment.is_active_on(
        group_session.session_date
    ):
        raise AttendanceRefused("This client was not a member of the group on that date.")


def _resolve(group_session: GroupSession, data: AttendanceInput) -> tuple[int, int | None]:
    minutes = data.minutes_attended
    if data.status_changed or minutes is None:
        minutes = default_minutes(data.status, group_session.duration_minutes)
    participation = data.participation if takes_participation(data.status) else None
    return minutes, participation


def record_attendance(
    group_session: GroupSession,
    enrollment: Enrollment,
    data: AttendanceInput,
    *,
    expected_version: int,
    actor: User,
) -> Attendance:
    """Save one row. expected_version is the version the editor saw (0 = not recorded yet)."""
    check_can_record(group_session, enrollment)
    row = db.session.scalar(
        select(Attendance).where(
            Attendance.session_id == group_session.id, Attendance.enrollment_id == enrollment.id
        )
    )
    current_version = row.version if row else 0
    if current_version != expected_version:
        raise AttendanceConflict(row)
    minutes, participation = _resolve(group_session, data)
    values = {
        "status": data.status,
        "minutes_attended": minutes,
        "participation": participation,
        "note": data.note.strip(),
    }
    if row is not None and all(getattr(row, key) == value for key, value in values.items()):
        return row  # nothing changed: no new version, no audit noise
    before = describe(row)
    coded_before = coded(row)
    try:
        # A savepoint, so losing a race undoes only this row, not the caller's other work. It opens before
        # the row changes: begin_nested() first flushes what is pending, and a lost race flushed there
        # would fail outside the savepoint and leave the whole transaction broken (a 500, not a 409).
        with db.session.begin_nested():
            if row is None:
                row = Attendance(session_id=group_session.id, enrollment_id=enrollment.id, **values)
                db.session.add(row)
            else:
                for key, value in values.items():
                    setattr(row, key, value)
            row.updated_by_id = actor.id
            row.updated_at = clock.now()
            if group_session.status == "scheduled":
                group_session.status = "held"
            db.session.flush()
    except (IntegrityError, StaleDataError):
        # Another editor inserted or updated the row between our read and our write.
        db.session.expire_all()
        raise AttendanceConflict(
            db.session.scalar(
                select(Attendance).where(
                    Attendance.session_id == group_session.id, Attendance.enrollment_id == enrollment.id
                )
            )
        ) from None
    if group_session.is_signed:
        db.session.add(
            Amendment(
                session_id=group_session.id,
                enrollment_id=enrollment.id,
                field="attendance",
                before=before,
                after=describe(row),
                amended_by_id=actor.id,
            )
        )
    record_event(
        "attendance.record",
        "attendance",
        row.id,
        enrollment.client_id,
        actor_id=actor.id,
        details={"session_id": group_session.id, "before": coded_before, "after": coded(row)},
    )
    return row


def mark_all_present(group_session: GroupSession, enrollments: list[Enrollment], actor: User) -> int:
    """Record 'present' for every member with no row yet; recorded rows are left alone."""
    if group_session.is_cancelled:
        raise AttendanceRefused("This session was cancelled; attendance cannot be taken.")
    not_started = not_started_message(group_session, "attendance can be taken")
    if not_started:
        raise AttendanceRefused(not_started)
    recorded = set(
        db.session.scalars(select(Attendance.enrollment_id).where(Attendance.session_id == group_session.id))
    )
    missing = [e for e in enrollments if e.id not in recorded and e.is_active_on(group_session.session_date)]
    now = clock.now()
    rows = [
        Attendance(
            session_id=group_session.id,
            enrollment_id=enrollment.id,
            status="present",
            minutes_attended=group_session.duration_minutes,
            updated_by_id=actor.id,
            updated_at=now,
        )
        for enrollment in missing
    ]
    if not rows:
        return 0
    db.session.add_all(rows)
    if group_session.status == "scheduled":
        group_session.status = "held"
    if group_session.is_signed:
        db.session.add_all(
            Amendment(
                session_id=group_session.id,
                enrollment_id=row.enrollment_id,
                field="attendance",
                before=describe(None),
                after=describe(row),
                amended_by_id=actor.id,
            )
            for row in rows
        )
    db.session.flush()
    record_events(
        "attendance.mark_all_present",
        "group_session",
        group_session.id,
        [enrollment.client_id for enrollment in missing],
        actor_id=actor.id,
    )
    return len(rows)
