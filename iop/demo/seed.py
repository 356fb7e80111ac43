"""Write the planned demo clinic through the real services, so it is audited like real use."""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import func, select

from iop.demo.content import (
    ADMIN_EMAIL,
    CASE_MANAGER_EMAIL,
    CLINICIAN_EMAIL,
    COHORTS,
    PASSWORD,
    PROGRAMS,
    STAFF,
)
from iop.demo.family import seed_family
from iop.demo.messages import seed_messages
from iop.demo.plan import ClinicPlan, SessionPlan, plan_clinic
from iop.demo.reviews import write_reviews
from iop.demo.self_reports import seed_self_reports
from iop.demo.write_measures import write_measures
from iop.extensions import db
from iop.models import (
    ROLE_LABELS,
    Alert,
    AssessmentResponse,
    Attendance,
    Client,
    ClientLink,
    Cohort,
    Consent,
    CustomInstrument,
    DailyCheckin,
    DoseLog,
    Enrollment,
    ExposureEvent,
    FamilyObservation,
    Fill,
    Goal,
    GoalRating,
    GroupSession,
    LevelOfCareDecision,
    Medication,
    Program,
    SideEffect,
    SymptomEvent,
    User,
    WeeklyReview,
)
from iop.services.accounts import create_staff_user
from iop.services.attendance import AttendanceInput, record_attendance
from iop.services.enrollment import admit_client, end_enrollment, transfer_client
from iop.services.notes import NoteInput, save_note, sign_note
from iop.services.programs import cancel_session, create_cohort, create_program
from iop.services.rosters import session_grid

REFUSED = "Demo data is only created in demo mode (IOP_DEMO=1); nothing was written."


def seed_demo_clinic(clients: int = 30, weeks: int = 6, seed: int = 2026) -> str:
    """Build the demo clinic (the caller commits) and return a printable summary."""
    if not (current_app.config.get("IOP_DEMO") or current_app.testing):
        return REFUSED
    staff = _create_admin()
    programs = _create_programs(staff[ADMIN_EMAIL])
    staff |= _create_staff(programs, staff[ADMIN_EMAIL])
    plan = plan_clinic(seed, clients, weeks, {name: program.today() for name, program in programs.items()})
    cohorts = _create_cohorts(plan, programs, staff)
    enrollments = _enroll_clients(plan, cohorts, staff[CASE_MANAGER_EMAIL])
    sessions = _sessions_by_day(cohorts)
    for cancellation in plan.cancellations:
        cancel_session(sessions[cancellation.cohort, cancellation.session_date], cancellation.reason)
    staff_by_id = {user.id: user for user in staff.values()}
    for session_plan in plan.sessions:
        group_session = sessions[session_plan.cohort, session_plan.session_date]
        actor = staff_by_id[group_session.facilitator_id]
        _record_rows(group_session, session_plan, enrollments, actor)
        _write_note(group_session, session_plan, actor)
    clients_by_key = {key: rows[0].client for key, rows in enrollments.items()}
    write_measures(plan.measures, clients_by_key, programs, staff)
    seed_family([e for rows in enrollments.values() for e in rows], staff[CLINICIAN_EMAIL])
    seed_self_reports([e for rows in enrollments.values() for e in rows], staff, seed)
    seed_messages(staff)
    write_reviews(programs, staff[CASE_MANAGER_EMAIL])
    return summary(seed)


def _create_admin() -> dict[str, User]:
    spec = STAFF[0]
    # No program yet: creating both programs makes the admin the admin of each.
    return {spec.email: create_staff_user(spec.email, spec.full_name, PASSWORD, {})}


def _create_programs(admin: User) -> dict[str, Program]:
    """Both programs, created by the admin (who is thereby assigned to them)."""
    return {
        spec.name: create_program(
            name=spec.name,
            timezone=spec.timezone,
            population=spec.population,
            min_weekly_hours=spec.min_weekly_hours,
            actor=admin,
        )
        for spec in PROGRAMS
    }


def _create_staff(programs: dict[str, Program], admin: User) -> dict[str, User]:
    """The other staff accounts, created by the admin."""
    return {
        spec.email: create_staff_user(
            spec.email,
            spec.full_name,
            PASSWORD,
            {programs[name]: spec.roles for name in spec.programs},
            actor_id=admin.id,
        )
        for spec in STAFF[1:]
    }


def _create_cohorts(
    plan: ClinicPlan, programs: dict[str, Program], staff: dict[str, User]
) -> dict[str, Cohort]:
    """The cohorts with their facilitators, each generating its sessions from the plan's first Monday."""
    return {
        spec.name: create_cohort(
            programs[spec.program],
            name=spec.name,
            admission="open",
            meeting_days=spec.meeting_days,
            start_time=spec.start_time,
            duration_minutes=spec.duration_minutes,
            facilitators=[staff[email] for email in spec.facilitators],
            generate_from=plan.generate_from[spec.program],
            weeks=plan.generate_weeks,
        )
        for spec in COHORTS
    }


def _enroll_clients(plan: ClinicPlan, cohorts: dict[str, Cohort], actor: User) -> dict[int, list[Enrollment]]:
    """Admit every client, then transfer or end their enrollments as planned; enrollments by client key."""
    enrollments: dict[int, list[Enrollment]] = {}
    for client in plan.clients:
        first = client.stints[0]
        enrollment = admit_client(
            cohorts[first.cohort],
            first_name=client.first_name,
            last_name=client.last_name,
            date_of_birth=client.date_of_birth,
            started_on=first.started_on,
            actor=actor,
        )
        enrollments[client.key] = [enrollment]
        for stint in client.stints[1:]:
            enrollment = transfer_client(
                enrollment, cohorts[stint.cohort], effective_on=stint.started_on, actor=actor
            )
            enrollments[client.key].append(enrollment)
        last = client.stints[-1]
        if last.ended_on is not None:
            end_enrollment(enrollment, ended_on=last.ended_on, reason=last.end_reason)
    return enrollments


def _sessions_by_day(cohorts: dict[str, Cohort]) -> dict[tuple[str, date], GroupSession]:
    names = {cohort.id: name for name, cohort in cohorts.items()}
    sessions = db.session.scalars(select(GroupSession).where(GroupSession.cohort_id.in_(names)))
    return {(names[s.cohort_id], s.session_date): s for s in sessions}


def _record_rows(
    group_session: GroupSession,
    session_plan: SessionPlan,
    enrollments: dict[int, list[Enrollment]],
    actor: User,
) -> None:
    """Record each planned row with the attendance service, against the enrollment active that day."""
    for row in session_plan.rows:
        enrollment = next(
            e
            for e in enrollments[row.client_key]
            if e.cohort_id == group_session.cohort_id and e.is_active_on(group_session.session_date)
        )
        record_attendance(
            group_session,
            enrollment,
            AttendanceInput(row.status, row.minutes_attended, row.participation, row.note),
            expected_version=0,
            actor=actor,
        )


def _write_note(group_session: GroupSession, session_plan: SessionPlan, actor: User) -> None:
    """Save the group note and sign it unless it is one of the latest, still being written up."""
    note = session_plan.note
    grid = session_grid(group_session)
    save_note(
        group_session,
        NoteInput(note.topic, note.interventions, note.observations),
        expected_version=group_session.note_version,
        actor=actor,
        client_ids=grid.client_ids,
    )
    if note.signed:
        sign_note(
            group_session,
            actor=actor,
            unrecorded_names=[member.client.full_name for member in grid.unrecorded],
            client_ids=grid.client_ids,
        )


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def summary(seed: int) -> str:
    """What the demo holds, counted from the database, and how to sign in."""
    sessions = dict(
        db.session.execute(select(GroupSession.status, func.count()).group_by(GroupSession.status)).all()
    )
    ended = dict(
        db.session.execute(
            select(Enrollment.end_reason, func.count())
            .where(Enrollment.end_reason.is_not(None))
            .group_by(Enrollment.end_reason)
        ).all()
    )
    lines = [
        f"Demo clinic seeded (seed {seed}):",
        f"  programs    {_count(Program)}",
        f"  cohorts     {_count(Cohort)}",
        f"  clients     {_count(Client)} ({_count(Enrollment, Enrollment.ended_on.is_(None))} enrolled now; "
        + ", ".join(f"{count} {reason.replace('_', ' ')}" for reason, count in sorted(ended.items()))
        + ")",
        f"  sessions    {sum(sessions.values())} ("
        + ", ".join(f"{sessions.get(status, 0)} {status}" for status in ("held", "cancelled", "scheduled"))
        + f"; {_count(GroupSession, GroupSession.signed_at.is_not(None))} signed)",
        f"  attendance  {_count(Attendance)} rows",
        f"  measures    {_count(AssessmentResponse)} questionnaires, {_count(CustomInstrument)} custom "
        f"instrument; safety alerts {_count(Alert, Alert.acknowledged_at.is_(None))} open, "
        f"{_count(Alert, Alert.acknowledged_at.is_not(None))} acknowledged",
        f"  goals       {_count(Goal)} with {_count(GoalRating)} ratings",
        f"  medication  {_count(Medication)} medications, {_count(DoseLog)} dose logs, {_count(Fill)} fills, "
        f"{_count(SideEffect)} side effects",
        f"  symptoms    {_count(SymptomEvent)} symptom counts, {_count(ExposureEvent)} exposure exercises",
        f"  family      {_count(Consent)} consent, {_count(FamilyObservation)} observations",
        f"  self-report {_count(ClientLink)} personal links, {_count(DailyCheckin)} check-ins",
        f"  reviews     {_count(WeeklyReview)} weekly reviews, {_count(LevelOfCareDecision)} decisions",
        f"Demo sign-ins (password {PASSWORD}):",
    ]
    for user in db.session.scalars(select(User).order_by(User.id)):
        roles = ", ".join(ROLE_LABELS[role] for role in sorted(user.roles)) or "Family member"
        programs = ", ".join(program.name for program in user.programs) or "no programs"
        lines.append(f"  {user.email:<26} {roles}; {programs}")
    return "\n".join(lines)
