"""Read models for the busiest pages, each loaded with a fixed number of queries (no N+1)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from iop import clock
from iop.clinical.attendance import AttendanceSummary, ScheduledSession, summarise
from iop.clinical.checkins import EARLIER_CHECKINS, RECENT_CHECKINS, CheckinDay, worrying_trend
from iop.clinical.instruments import Instrument, get_instrument
from iop.extensions import db
from iop.models import (
    Alert,
    Amendment,
    AssessmentResponse,
    Attendance,
    Client,
    Cohort,
    DailyCheckin,
    Enrollment,
    GroupSession,
    User,
)
from iop.services.adherence import AdherenceSummary, adherence_summaries
from iop.services.audit import record_events

ROSTER_WINDOW_DAYS = 14


def members_on(cohort_id: int, day: date):
    """A select() of the enrollments of a cohort active on a program-local date, with their clients."""
    return (
        select(Enrollment)
        .join(Enrollment.client)
        .options(contains_eager(Enrollment.client))
        .where(
            Enrollment.cohort_id == cohort_id,
            Enrollment.started_on <= day,
            or_(Enrollment.ended_on.is_(None), Enrollment.ended_on > day),
        )
        .order_by(Client.last_name, Client.first_name, Client.id)
    )


@dataclass
class SessionGrid:
    session: GroupSession
    members: list[Enrollment]
    rows: dict[int, Attendance]
    amendments: list[Amendment]

    @property
    def unrecorded(self) -> list[Enrollment]:
        """Members without a status yet (no row, or a row holding only a note)."""
        return [member for member in self.members if not self._recorded(member)]

    @property
    def recorded_count(self) -> int:
        return len(self.members) - len(self.unrecorded)

    def _recorded(self, member: Enrollment) -> bool:
        row = self.rows.get(member.id)
        return row is not None and row.status is not None

    @property
    def client_ids(self) -> list[int]:
        return [member.client_id for member in self.members]


def session_grid(group_session: GroupSession) -> SessionGrid:
    """Everything the attendance grid shows: members on the session date, their rows, amendments."""
    members = db.session.scalars(members_on(group_session.cohort_id, group_session.session_date)).all()
    rows = db.session.scalars(select(Attendance).where(Attendance.session_id == group_session.id)).all()
    amendments = db.session.scalars(
        select(Amendment)
        .where(Amendment.session_id == group_session.id)
        .options(joinedload(Amendment.enrollment).joinedload(Enrollment.client))
        .order_by(Amendment.amended_at, Amendment.id)
    ).all()
    return SessionGrid(
        group_session, list(members), {row.enrollment_id: row for row in rows}, list(amendments)
    )


def view_session(group_session: GroupSession, viewer: User) -> SessionGrid:
    """The grid of a session opened by a staff member, who is recorded as viewing each member's data."""
    grid = session_grid(group_session)
    record_events("session.view", "group_session", group_session.id, grid.client_ids, actor_id=viewer.id)
    return grid


@dataclass
class RosterEntry:
    enrollment: Enrollment
    week_in_program: int
    attendance: AttendanceSummary
    open_alerts: int = 0
    # Latest PHQ-9 / GAD-7 by instrument key; corrections count, what they superseded does not.
    latest_scores: dict[str, LatestScore] = field(default_factory=dict)
    adherence: AdherenceSummary | None = None
    # The day of the client's latest daily check-in (None: never), and why its trend is worrying.
    last_checkin: date | None = None
    checkin_trend: tuple[str, ...] = ()


@dataclass(frozen=True)
class LatestScore:
    instrument: Instrument
    total: int
    severity: str | None
    administered_on: date


@dataclass
class CohortOverview:
    cohort: Cohort
    today: date
    roster: list[RosterEntry]
    past_sessions: list[GroupSession] = field(default_factory=list)
    upcoming_sessions: list[GroupSession] = field(default_factory=list)


def cohort_overview(cohort: Cohort, today: date, past_days: int = 28, ahead_days: int = 14) -> CohortOverview:
    """The cohort page: roster with week in program and two-week attendance, and its sessions."""
    rows, checkins = _members_with_checkins(cohort, today)
    members = [row[0] for row in rows]
    sessions = db.session.scalars(
        select(GroupSession)
        .where(
            GroupSession.cohort_id == cohort.id,
            GroupSession.session_date >= today - timedelta(days=past_days),
            GroupSession.session_date <= today + timedelta(days=ahead_days),
        )
        .order_by(GroupSession.starts_at)
    ).all()
    window_start = today - timedelta(days=ROSTER_WINDOW_DAYS - 1)
    now = clock.now()
    window_sessions = [
        # A session counts once it has started: today's later group is not yet missed.
        s
        for s in sessions
        if window_start <= s.session_date and s.starts_at <= now and s.status != "cancelled"
    ]
    minutes = _attended_minutes([s.id for s in window_sessions])
    client_ids = [m.client_id for m in members]
    scores = latest_scores(client_ids)
    adherence = adherence_summaries(client_ids, window_start, today)
    roster = []
    for member, started, open_alerts in rows:
        scheduled = [
            ScheduledSession(s.session_date, s.duration_minutes, minutes.get((s.id, member.id)))
            for s in window_sessions
            if member.is_active_on(s.session_date)
        ]
        started = started or member.started_on
        roster.append(
            RosterEntry(
                member,
                week_in_program=max(1, (today - started).days // 7 + 1),
                attendance=summarise(scheduled, window_start, today),
                open_alerts=open_alerts,
                latest_scores=scores.get(member.client_id, {}),
                adherence=adherence.get(member.client_id),
                last_checkin=checkins[member.client_id][0].day if checkins.get(member.client_id) else None,
                checkin_trend=worrying_trend(checkins.get(member.client_id, ()), today),
            )
        )
    return CohortOverview(
        cohort,
        today,
        roster,
        past_sessions=[s for s in sessions if s.starts_at <= now][::-1],
        upcoming_sessions=[s for s in sessions if s.starts_at > now],
    )


def _attended_minutes(session_ids: list[int]) -> dict[tuple[int, int], int]:
    if not session_ids:
        return {}
    rows = db.session.execute(
        select(Attendance.session_id, Attendance.enrollment_id, Attendance.minutes_attended).where(
            Attendance.session_id.in_(session_ids)
        )
    )
    return {(session_id, enrollment_id): minutes for session_id, enrollment_id, minutes in rows}


def _first_admission(program_id: int):
    """Week in program counts from the first admission to the program, across transfers."""
    earlier = aliased(Enrollment)
    return (
        select(func.min(earlier.started_on))
        .join(Cohort, Cohort.id == earlier.cohort_id)
        .where(earlier.client_id == Enrollment.client_id, Cohort.program_id == program_id)
        .scalar_subquery()
    )


def _open_alert_count():
    return (
        select(func.count(Alert.id))
        .where(Alert.client_id == Enrollment.client_id, Alert.acknowledged_at.is_(None))
        .scalar_subquery()
    )


def latest_scores(client_ids: list[int], instruments=("phq9", "gad7")) -> dict[int, dict[str, LatestScore]]:
    """Each client's latest standing response per instrument, in one query."""
    if not client_ids:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=(AssessmentResponse.client_id, AssessmentResponse.instrument),
            order_by=(AssessmentResponse.administered_on.desc(), AssessmentResponse.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(
            AssessmentResponse.client_id,
            AssessmentResponse.instrument,
            AssessmentResponse.total,
            AssessmentResponse.severity,
            AssessmentResponse.administered_on,
            rank,
        )
        .where(
            AssessmentResponse.client_id.in_(client_ids),
            AssessmentResponse.instrument.in_(instruments),
            AssessmentResponse.superseded_by_id.is_(None),
        )
        .subquery()
    )
    result: dict[int, dict[str, LatestScore]] = defaultdict(dict)
    for client_id, key, total, severity, administered_on, _ in db.session.execute(
        select(ranked).where(ranked.c.rank == 1)
    ):
        result[client_id][key] = LatestScore(get_instrument(key), total, severity, administered_on)
    return result


def _members_with_checkins(cohort: Cohort, today: date) -> tuple[list, dict[int, list[CheckinDay]]]:
    """The roster's members (with first admission and open alerts) and each one's latest daily check-ins
    (enough for the trend rule, newest first), in one query: the check-ins ride along by an outer join,
    so a member has up to that many result rows, and one without check-ins has one."""
    rank = (
        func.row_number()
        .over(partition_by=DailyCheckin.client_id, order_by=(DailyCheckin.day.desc(), DailyCheckin.id.desc()))
        .label("rank")
    )
    cohort_clients = select(Enrollment.client_id).where(Enrollment.cohort_id == cohort.id)
    ranked = (
        select(DailyCheckin.client_id, DailyCheckin.day, DailyCheckin.mood, DailyCheckin.anxiety)
        .add_columns(DailyCheckin.cravings, DailyCheckin.stress, rank)
        .where(DailyCheckin.client_id.in_(cohort_clients))
        .subquery()
    )
    query = (
        members_on(cohort.id, today)
        .add_columns(_first_admission(cohort.program_id), _open_alert_count())
        .add_columns(ranked.c.day, ranked.c.mood, ranked.c.anxiety, ranked.c.cravings, ranked.c.stress)
        .outerjoin(
            ranked,
            and_(
                ranked.c.client_id == Enrollment.client_id,
                ranked.c.rank <= RECENT_CHECKINS + EARLIER_CHECKINS,
            ),
        )
        .order_by(ranked.c.rank)
    )
    members: dict[int, tuple] = {}
    checkins: dict[int, list[CheckinDay]] = defaultdict(list)
    for member, started, open_alerts, day, *scales in db.session.execute(query):
        members.setdefault(member.id, (member, started, open_alerts))
        if day is not None:
            checkins[member.client_id].append(CheckinDay(day, *scales))
    return list(members.values()), checkins


@dataclass
class TodaysSession:
    session: GroupSession
    members: int
    recorded: int
    facilitated_by_me: bool


def todays_sessions(user: User) -> list[TodaysSession]:
    """Today's groups (each program's own today) where the user is on the care team, their own first."""
    programs = user.programs_with("clinician", "case_manager")
    if not programs:
        return []
    today_by_program = {program.id: program.today() for program in programs}
    sessions = db.session.scalars(
        select(GroupSession)
        .join(GroupSession.cohort)
        .where(
            or_(
                *(
                    and_(Cohort.program_id == program_id, GroupSession.session_date == today)
                    for program_id, today in today_by_program.items()
                )
            )
        )
        .options(joinedload(GroupSession.cohort).selectinload(Cohort.facilitators))
        .order_by(GroupSession.starts_at)
    ).all()
    if not sessions:
        return []
    counts = _member_and_recorded_counts(sessions)
    result = [
        TodaysSession(
            s,
            *counts.get(s.id, (0, 0)),
            facilitated_by_me=s.facilitator_id == user.id or user in s.cohort.facilitators,
        )
        for s in sessions
    ]
    return sorted(result, key=lambda item: (not item.facilitated_by_me, item.session.starts_at))


def _member_and_recorded_counts(sessions: list[GroupSession]) -> dict[int, tuple[int, int]]:
    session_ids = [s.id for s in sessions]
    member_counts = db.session.execute(
        select(GroupSession.id, func.count(Enrollment.id))
        .join(Enrollment, Enrollment.cohort_id == GroupSession.cohort_id)
        .where(
            GroupSession.id.in_(session_ids),
            Enrollment.started_on <= GroupSession.session_date,
            or_(Enrollment.ended_on.is_(None), Enrollment.ended_on > GroupSession.session_date),
        )
        .group_by(GroupSession.id)
    ).all()
    recorded_counts = dict(
        db.session.execute(
            select(Attendance.session_id, func.count(Attendance.id))
            .where(Attendance.session_id.in_(session_ids))
            .group_by(Attendance.session_id)
        ).all()
    )
    return {sid: (count, recorded_counts.get(sid, 0)) for sid, count in member_counts}
