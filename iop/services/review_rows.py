"""The rows a week's reviews read: the members open at the week's end and their evidence, in a fixed
number of bulk statements whatever the number of members, as plain rows (no ORM objects).

Each statement is built once per process (iop.services.reads) and takes lists of ids, so the same
`week_statements` read one cohort's week for a review job and every cohort's week at once for the
benchmark's bulk read (tests/bench/run.py): the floor a review run is measured against reads exactly
what the reviews read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import Select, and_, bindparam, exists, or_, select

from iop.clinical.attendance import review_weeks
from iop.clinical.checkins import FEEDBACK_KEYS, CheckinDay, HomeworkCount, homework_completion, homework_week
from iop.clinical.evidence import RULE_INSTRUMENTS
from iop.clinical.recommend import ScoreEntry
from iop.models import (
    Alert,
    AssessmentResponse,
    Attendance,
    Enrollment,
    Goal,
    GoalRating,
    GroupSession,
    HomeworkAssignment,
    HomeworkCompletion,
    SessionFeedback,
)
from iop.services.adherence import AdherenceSummary, adherence_statements, adherence_summaries_from
from iop.services.checkins import checkin_days_from, checkin_days_statement
from iop.services.family import family_concerns_from, family_concerns_statement
from iop.services.reads import Read

_RULE_KEYS = frozenset(definition.key for definition in RULE_INSTRUMENTS)


@dataclass(frozen=True)
class Member:
    """One enrollment open at the end of the reviewed week, as the review reads it."""

    id: int
    client_id: int
    cohort_id: int
    started_on: date
    ended_on: date | None
    open_alert: bool = False  # a safety alert raised before the week was over, unacknowledged by then


@dataclass(frozen=True)
class Session:
    id: int
    session_date: date
    duration_minutes: int


@dataclass
class Goals:
    count: int = 0
    ratings: list[tuple[date, int]] | None = None


@dataclass
class WeekRows:
    """Every row the reviews of one week read for the members asked about, by client or enrollment."""

    window_start: date
    scores: dict[int, list[ScoreEntry]]
    sessions: dict[int, list[Session]]  # by cohort
    attendance: dict[tuple[int, int], tuple[int, int | None]]  # (session, enrollment) → minutes, rating
    adherence: dict[int, AdherenceSummary]
    goals: dict[int, Goals]
    concerns: dict[int, list[tuple[date, str]]]
    checkins: dict[int, list[CheckinDay]]
    homework: dict[int, HomeworkCount]
    feedback: dict[int, list[tuple[int, ...]]]


def review_week_end(week_start: date) -> date:
    return week_start + timedelta(days=6)


def members_statement(cohort_ids: list[int], week_start: date, week_over: datetime) -> Read:
    """The cohorts' enrollments open at the end of the week (each of them gets a review), with whether
    the client had a safety alert still open when the week was over (`week_over`)."""
    return Read(
        _members_sql(),
        {"cohort_ids": list(cohort_ids), "week_end": review_week_end(week_start), "week_over": week_over},
    )


@cache
def _members_sql() -> Select:
    week_end, week_over = bindparam("week_end"), bindparam("week_over")
    open_alert = (
        exists()
        .where(
            Alert.client_id == Enrollment.client_id,
            Alert.created_at < week_over,
            or_(Alert.acknowledged_at.is_(None), Alert.acknowledged_at >= week_over),
        )
        .label("open_alert")
    )
    return (
        select(
            Enrollment.id,
            Enrollment.client_id,
            Enrollment.cohort_id,
            Enrollment.started_on,
            Enrollment.ended_on,
            open_alert,
        )
        .where(
            Enrollment.cohort_id.in_(bindparam("cohort_ids", expanding=True)),
            Enrollment.started_on <= week_end,
            or_(Enrollment.ended_on.is_(None), Enrollment.ended_on > week_end),
        )
        .order_by(Enrollment.id)
    )


def members_at_week_end(cohort_ids: list[int], week_start: date, week_over: datetime) -> list[Member]:
    """The rows of members_statement, as Members."""
    return [
        Member(id_, client_id, cohort_id, started, ended, bool(alert))
        for id_, client_id, cohort_id, started, ended, alert in members_statement(
            cohort_ids, week_start, week_over
        ).run()
    ]


def week_statements(
    members: list[Member], week_start: date, window_days: int, week_over: datetime
) -> dict[str, Read]:
    """Each statement the week's reviews of these members run, by what it reads."""
    week_end = review_week_end(week_start)
    window_start = week_end - timedelta(days=window_days - 1)
    (before_start, _), _ = review_weeks(week_end)
    client_ids = sorted({member.client_id for member in members})
    courses, fills = adherence_statements(client_ids, window_start, week_end)
    return {
        "scores": _scores(client_ids, min(member.started_on for member in members), week_end),
        "sessions with attendance": _sessions_with_attendance(
            sorted({member.cohort_id for member in members}),
            [member.id for member in members],
            min(before_start, window_start),
            week_end,
        ),
        "medications with dose logs": courses,
        "fills": fills,
        "goals with ratings": _goals(client_ids, week_end, week_over),
        "family concerns": family_concerns_statement(client_ids, window_start, week_end),
        "check-ins": checkin_days_statement(client_ids, window_start, week_end),
        "homework with completions": _homework(client_ids, week_end),
        "feedback": _feedback(client_ids, week_start, week_end, week_over),
    }


def load_week_rows(
    members: list[Member], week_start: date, window_days: int, week_over: datetime
) -> WeekRows:
    """The week's evidence of these members (at least one), whatever their cohorts: week_statements run."""
    week_end = review_week_end(week_start)
    window_start = week_end - timedelta(days=window_days - 1)
    client_ids = sorted({member.client_id for member in members})
    rows = {
        name: read.run()
        for name, read in week_statements(members, week_start, window_days, week_over).items()
    }
    sessions, attendance = _sessions_from(rows["sessions with attendance"])
    return WeekRows(
        window_start=window_start,
        scores=_scores_from(rows["scores"]),
        sessions=sessions,
        attendance=attendance,
        adherence=adherence_summaries_from(
            client_ids, rows["medications with dose logs"], rows["fills"], window_start, week_end
        ),
        goals=_goals_from(rows["goals with ratings"]),
        concerns=family_concerns_from(client_ids, rows["family concerns"]),
        checkins=checkin_days_from(client_ids, rows["check-ins"]),
        homework=_homework_from(rows["homework with completions"], week_start, week_end),
        feedback=_feedback_from(rows["feedback"]),
    )


# --- each statement and what is made of its rows ----------------------------------------------------


def _scores(client_ids: list[int], start: date, end: date) -> Read:
    return Read(_scores_sql(), {"client_ids": client_ids, "start": start, "end": end})


@cache
def _scores_sql() -> Select:
    return select(
        AssessmentResponse.client_id,
        AssessmentResponse.instrument,
        AssessmentResponse.administered_on,
        AssessmentResponse.total,
        AssessmentResponse.flags_text,
    ).where(
        AssessmentResponse.client_id.in_(bindparam("client_ids", expanding=True)),
        AssessmentResponse.superseded_by_id.is_(None),
        AssessmentResponse.administered_on.between(bindparam("start"), bindparam("end")),
    )


def _scores_from(rows) -> dict[int, list[ScoreEntry]]:
    by_client: dict[int, list[ScoreEntry]] = defaultdict(list)
    for client_id, instrument, day, total, flags in rows:
        flag_set = frozenset(flags.split())
        # Other instruments matter only for their safety flag; their totals follow their own scales.
        if instrument in _RULE_KEYS or flag_set:
            by_client[client_id].append(ScoreEntry(instrument, day, total, flag_set))
    return by_client


def _sessions_with_attendance(
    cohort_ids: list[int], enrollment_ids: list[int], start: date, end: date
) -> Read:
    """The cohorts' groups of start…end that were not cancelled, each with the members' attendance."""
    return Read(
        _sessions_sql(),
        {"cohort_ids": cohort_ids, "enrollment_ids": enrollment_ids, "start": start, "end": end},
    )


@cache
def _sessions_sql() -> Select:
    return (
        select(
            GroupSession.id,
            GroupSession.cohort_id,
            GroupSession.session_date,
            GroupSession.duration_minutes,
            Attendance.enrollment_id,
            Attendance.minutes_attended,
            Attendance.participation,
        )
        .outerjoin(
            Attendance,
            and_(
                Attendance.session_id == GroupSession.id,
                Attendance.enrollment_id.in_(bindparam("enrollment_ids", expanding=True)),
            ),
        )
        .where(
            GroupSession.cohort_id.in_(bindparam("cohort_ids", expanding=True)),
            GroupSession.status != "cancelled",
            GroupSession.session_date.between(bindparam("start"), bindparam("end")),
        )
        .order_by(GroupSession.id)
    )


def _sessions_from(rows) -> tuple[dict[int, list[Session]], dict[tuple[int, int], tuple[int, int | None]]]:
    sessions: dict[int, list[Session]] = defaultdict(list)
    attendance: dict[tuple[int, int], tuple[int, int | None]] = {}
    last_id = None
    for session_id, cohort_id, day, duration, enrollment_id, minutes, rating in rows:
        if session_id != last_id:
            sessions[cohort_id].append(Session(session_id, day, duration))
            last_id = session_id
        if enrollment_id is not None:
            attendance[(session_id, enrollment_id)] = (minutes, rating)
    return sessions, attendance


def _goals(client_ids: list[int], week_end: date, week_over: datetime) -> Read:
    """Goals set up by the week's end (dropped ones aside) and their ratings up to then."""
    return Read(_goals_sql(), {"client_ids": client_ids, "week_end": week_end, "week_over": week_over})


@cache
def _goals_sql() -> Select:
    return (
        select(Goal.client_id, Goal.id, GoalRating.rated_on, GoalRating.level)
        .outerjoin(
            GoalRating, and_(GoalRating.goal_id == Goal.id, GoalRating.rated_on <= bindparam("week_end"))
        )
        .where(
            Goal.client_id.in_(bindparam("client_ids", expanding=True)),
            Goal.state != "dropped",
            Goal.created_at < bindparam("week_over"),
        )
    )


def _goals_from(rows) -> dict[int, Goals]:
    seen: dict[int, set[int]] = defaultdict(set)
    goals: dict[int, Goals] = {}
    for client_id, goal_id, rated_on, level in rows:
        entry = goals.setdefault(client_id, Goals(ratings=[]))
        seen[client_id].add(goal_id)
        entry.count = len(seen[client_id])
        if rated_on is not None:
            entry.ratings.append((rated_on, level))
    return goals


def _homework(client_ids: list[int], week_end: date) -> Read:
    """Every assignment given by the week's end with its completions up to then."""
    return Read(_homework_sql(), {"client_ids": client_ids, "week_end": week_end})


@cache
def _homework_sql() -> Select:
    week_end = bindparam("week_end")
    return (
        select(
            HomeworkAssignment.client_id,
            HomeworkAssignment.id,
            HomeworkAssignment.frequency,
            HomeworkAssignment.assigned_on,
            HomeworkAssignment.due_on,
            HomeworkCompletion.day,
        )
        .outerjoin(
            HomeworkCompletion,
            and_(
                HomeworkCompletion.assignment_id == HomeworkAssignment.id, HomeworkCompletion.day <= week_end
            ),
        )
        .where(
            HomeworkAssignment.client_id.in_(bindparam("client_ids", expanding=True)),
            HomeworkAssignment.assigned_on <= week_end,
        )
    )


def _homework_from(rows, week_start: date, week_end: date) -> dict[int, HomeworkCount]:
    """Each client's homework of the week: completions against what was due."""
    assignments: dict[int, tuple[int, str, date, date | None, list[date]]] = {}
    for client_id, assignment_id, frequency, assigned_on, due_on, day in rows:
        entry = assignments.setdefault(assignment_id, (client_id, frequency, assigned_on, due_on, []))
        if day is not None:
            entry[4].append(day)
    by_client: dict[int, list[HomeworkCount | None]] = defaultdict(list)
    for client_id, frequency, assigned_on, due_on, days in assignments.values():
        by_client[client_id].append(homework_week(frequency, assigned_on, due_on, days, week_start, week_end))
    return {client_id: homework_completion(counts) for client_id, counts in by_client.items()}


def _feedback(client_ids: list[int], week_start: date, week_end: date, week_over: datetime) -> Read:
    """The clients' ratings of the week's groups given before the week was over (nothing after the week
    is its evidence)."""
    return Read(
        _feedback_sql(),
        {"client_ids": client_ids, "week_start": week_start, "week_end": week_end, "week_over": week_over},
    )


@cache
def _feedback_sql() -> Select:
    columns = [getattr(SessionFeedback, key) for key in FEEDBACK_KEYS]
    return (
        select(SessionFeedback.client_id, *columns)
        .join(GroupSession, GroupSession.id == SessionFeedback.session_id)
        .where(
            SessionFeedback.client_id.in_(bindparam("client_ids", expanding=True)),
            GroupSession.session_date.between(bindparam("week_start"), bindparam("week_end")),
            SessionFeedback.submitted_at < bindparam("week_over"),
        )
    )


def _feedback_from(rows) -> dict[int, list[tuple[int, ...]]]:
    """One tuple of the items per group rated, by client."""
    by_client: dict[int, list[tuple[int, ...]]] = defaultdict(list)
    for client_id, *ratings in rows:
        by_client[client_id].append(tuple(ratings))
    return by_client
