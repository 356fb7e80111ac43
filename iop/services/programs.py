"""Programs, cohorts and their generated group sessions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from iop.clinical.checkins import coping_skills
from iop.extensions import db
from iop.models import Attendance, Cohort, GroupSession, Program, ProgramRole, User
from iop.services.audit import record_event

PATTERN_CHANGED = "Meeting pattern changed"


def cohorts_of_programs(program_ids) -> list[Cohort]:
    """The cohorts of these programs, by program name then cohort name."""
    return list(
        db.session.scalars(
            select(Cohort)
            .join(Cohort.program)
            .where(Cohort.program_id.in_(program_ids))
            .order_by(Program.name, Cohort.name)
        )
    )


def create_program(
    *,
    name: str,
    timezone: str,
    population: str,
    min_weekly_hours: float,
    actor: User | None,
    break_glass_enabled: bool = False,
    show_clients_scores: bool = False,
    coping_skills_text: str | None = None,
) -> Program:
    """Create a program; its creator (none from the command line) becomes its admin, so they can manage it."""
    program = Program(
        name=name.strip(),
        timezone=timezone,
        population=population,
        min_weekly_hours=min_weekly_hours,
        break_glass_enabled=break_glass_enabled,
        show_clients_scores=show_clients_scores,
        coping_skills_text=coping_skills_text,
    )
    db.session.add(program)
    db.session.flush()
    if actor is not None:
        actor.programs.append(program)
        actor.role_rows.append(ProgramRole(program_id=program.id, role="admin"))
        db.session.flush()
    record_event(
        "program.create",
        "program",
        program.id,
        actor_id=actor.id if actor else None,
        details={"name": program.name},
    )
    return program


def update_program(program: Program, **fields) -> None:
    """Change a program's settings."""
    before = {key: getattr(program, key) for key in fields}
    for key, value in fields.items():
        setattr(program, key, value)
    db.session.flush()
    after = dict(fields)
    if "coping_skills_text" in fields:  # the trail keeps how many skills, not the list's text
        before["coping_skills_text"] = len(coping_skills(before["coping_skills_text"]))
        after["coping_skills_text"] = len(program.coping_skills)
    record_event("program.update", "program", program.id, details={"before": before, "after": after})


def create_cohort(
    program: Program,
    *,
    name: str,
    admission: str,
    meeting_days: str,
    start_time: time,
    duration_minutes: int,
    facilitators: list[User],
    generate_from: date,
    weeks: int,
) -> Cohort:
    """Create a cohort and generate its sessions for the coming weeks."""
    cohort = Cohort(
        program=program,
        name=name.strip(),
        admission=admission,
        meeting_days=meeting_days,
        start_time=start_time,
        duration_minutes=duration_minutes,
        facilitators=list(facilitators),
    )
    db.session.add(cohort)
    db.session.flush()
    record_event("cohort.create", "cohort", cohort.id, details={"pattern": cohort.pattern_label})
    generate_sessions(cohort, generate_from, weeks)
    return cohort


def update_cohort(cohort: Cohort, *, facilitators: list[User], regenerate_from: date, weeks: int, **fields):
    """Change a cohort; when its pattern changes, future unrecorded sessions follow the new pattern."""
    pattern_keys = ("meeting_days", "start_time", "duration_minutes")
    pattern_changed = any(getattr(cohort, key) != fields[key] for key in pattern_keys if key in fields)
    before = {key: str(getattr(cohort, key)) for key in fields}
    for key, value in fields.items():
        setattr(cohort, key, value)
    cohort.facilitators = list(facilitators)
    db.session.flush()
    record_event(
        "cohort.update",
        "cohort",
        cohort.id,
        details={"before": before, "after": {k: str(v) for k, v in fields.items()}},
    )
    if pattern_changed:
        _cancel_off_pattern_sessions(cohort, regenerate_from, weeks)
        generate_sessions(cohort, regenerate_from, weeks)


def _local_start(cohort: Cohort, day: date) -> datetime:
    local = datetime.combine(day, cohort.start_time, tzinfo=cohort.program.zone)
    return local.astimezone(UTC)


def _pattern_starts(cohort: Cohort, start: date, end: date) -> dict[datetime, date]:
    days = [start + timedelta(days=offset) for offset in range((end - start).days)]
    return {_local_start(cohort, day): day for day in days if day.weekday() in cohort.weekdays}


def generate_sessions(cohort: Cohort, start: date, weeks: int) -> list[GroupSession]:
    """Add the pattern's sessions from start for `weeks` weeks; existing sessions are left alone."""
    end = start + timedelta(days=7 * weeks)
    wanted = _pattern_starts(cohort, start, end)
    existing = set(
        db.session.scalars(
            select(GroupSession.starts_at).where(
                GroupSession.cohort_id == cohort.id,
                GroupSession.session_date >= start,
                GroupSession.session_date < end,
            )
        )
    )
    facilitator = cohort.facilitators[0] if cohort.facilitators else None
    created = [
        GroupSession(
            cohort=cohort,
            starts_at=starts_at,
            session_date=day,
            duration_minutes=cohort.duration_minutes,
            facilitator=facilitator,
        )
        for starts_at, day in sorted(wanted.items())
        if starts_at not in existing
    ]
    db.session.add_all(created)
    db.session.flush()
    if created:
        record_event("session.generate", "cohort", cohort.id, details={"count": len(created)})
    return created


def _cancel_off_pattern_sessions(cohort: Cohort, start: date, weeks: int) -> None:
    """Cancel future scheduled sessions that no longer fit the pattern and have no attendance yet."""
    wanted = _pattern_starts(cohort, start, start + timedelta(days=7 * weeks))
    recorded = select(Attendance.session_id)
    sessions = db.session.scalars(
        select(GroupSession).where(
            GroupSession.cohort_id == cohort.id,
            GroupSession.session_date >= start,
            GroupSession.status == "scheduled",
            GroupSession.id.not_in(recorded),
        )
    )
    for group_session in sessions:
        if group_session.starts_at in wanted:
            group_session.duration_minutes = cohort.duration_minutes
            continue
        group_session.status = "cancelled"
        group_session.cancelled_reason = PATTERN_CHANGED


def cancel_session(group_session: GroupSession, reason: str) -> None:
    """Cancel a session; it stays on every list, marked cancelled."""
    if group_session.status == "held":
        raise ValueError("A session that was held cannot be cancelled.")
    group_session.status = "cancelled"
    group_session.cancelled_reason = reason.strip() or "Cancelled"
    db.session.flush()
    record_event(
        "session.cancel", "group_session", group_session.id, details={"fields": ["cancelled_reason"]}
    )


def extend_session_horizon(weeks: int, today: date | None = None) -> int:
    """Keep every active cohort's sessions generated `weeks` ahead; returns how many were added."""
    added = 0
    for cohort in db.session.scalars(select(Cohort).where(Cohort.active.is_(True))):
        start = today or cohort.program.today()
        added += len(generate_sessions(cohort, start, weeks))
    return added
