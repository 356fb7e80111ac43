"""The evidence of a cohort's weekly reviews: every member's Evidence for one week, in a fixed number of
bulk queries whatever the cohort's size, handed as plain data to iop.clinical.

The queries read plain rows (no ORM objects) and take lists of ids, so the same `load_week_rows` reads
one cohort's week for a review job and every cohort's week at once for the benchmark's bulk read.

Beside each Evidence goes the metrics snapshot a review stores and shows: scores with their change
and a small trend, hours against the minimum, attendance rates, participation, adherence with its
coverage, goals and family concerns.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, exists, or_, select
from sqlalchemy import false as sql_false

from iop.clinical.attendance import ScheduledSession, meets_minimum, review_weeks, summarise
from iop.clinical.change import classify
from iop.clinical.checkins import (
    FEEDBACK_KEYS,
    CheckinDay,
    CheckinSummary,
    HomeworkCount,
    homework_completion,
    homework_week,
    mean,
    summarise_checkins,
)
from iop.clinical.evidence import RULE_INSTRUMENTS
from iop.clinical.instruments import severity_for
from iop.clinical.recommend import Evidence, ScoreEntry
from iop.clinical.thresholds import Thresholds
from iop.extensions import db
from iop.models import (
    Alert,
    AssessmentResponse,
    Attendance,
    Cohort,
    Enrollment,
    Goal,
    GoalRating,
    GroupSession,
    HomeworkAssignment,
    HomeworkCompletion,
    SessionFeedback,
)
from iop.services.adherence import AdherenceSummary, adherence_summaries
from iop.services.checkins import checkin_days
from iop.services.family import family_concerns

TREND_POINTS = 8  # the small trend beside each score: its last few totals


@dataclass(frozen=True)
class Member:
    """One enrollment open at the end of the reviewed week, as the review reads it (a plain row)."""

    id: int
    client_id: int
    cohort_id: int
    started_on: date
    ended_on: date | None
    open_alert: bool = False  # a safety alert raised before the week was over, unacknowledged by then


@dataclass(frozen=True)
class MemberEvidence:
    """One member's evidence for the week and the metrics snapshot that goes with it."""

    enrollment: Member
    evidence: Evidence
    metrics: dict


def review_week_end(week_start: date) -> date:
    return week_start + timedelta(days=6)


def members_at_week_end(
    cohort_ids: list[int], week_start: date, week_over: datetime | None = None
) -> list[Member]:
    """The cohorts' enrollments open at the end of the week (each of them gets a review), with whether
    the client had a safety alert still open when the week was over (`week_over`; not read without it)."""
    week_end = review_week_end(week_start)
    open_alert = (
        exists()
        .where(
            Alert.client_id == Enrollment.client_id,
            Alert.created_at < week_over,
            or_(Alert.acknowledged_at.is_(None), Alert.acknowledged_at >= week_over),
        )
        .label("open_alert")
        if week_over is not None
        else sql_false().label("open_alert")
    )
    rows = db.session.execute(
        select(
            Enrollment.id,
            Enrollment.client_id,
            Enrollment.cohort_id,
            Enrollment.started_on,
            Enrollment.ended_on,
            open_alert,
        )
        .where(
            Enrollment.cohort_id.in_(cohort_ids),
            Enrollment.started_on <= week_end,
            or_(Enrollment.ended_on.is_(None), Enrollment.ended_on > week_end),
        )
        .order_by(Enrollment.id)
    )
    return [Member(*row) for row in rows]


def cohort_evidence(cohort: Cohort, week_start: date, thresholds: Thresholds) -> list[MemberEvidence]:
    """Every member's evidence for the week starting on `week_start` (a Monday), in program time."""
    week_end = review_week_end(week_start)
    week_over = _moment_after(cohort, week_end)
    members = members_at_week_end([cohort.id], week_start, week_over)
    if not members:
        return []
    rows = load_week_rows(members, week_start, thresholds.window_days, week_over)
    context = _Context(cohort.program.min_weekly_hours, week_end, rows.window_start)
    return [context.member(member, rows) for member in members]


@dataclass(frozen=True)
class _Session:
    id: int
    session_date: date
    duration_minutes: int


@dataclass
class _Goals:
    count: int = 0
    ratings: list[tuple[date, int]] | None = None


@dataclass
class WeekRows:
    """Every row the reviews of one week read, for the members asked about, by client or enrollment."""

    window_start: date
    scores: dict[int, list[ScoreEntry]]
    sessions: dict[int, list[_Session]]  # by cohort
    attendance: dict[tuple[int, int], tuple[int, int | None]]  # (session, enrollment) → minutes, rating
    adherence: dict[int, AdherenceSummary]
    goals: dict[int, _Goals]
    concerns: dict[int, list[tuple[date, str]]]
    checkins: dict[int, list[CheckinDay]]
    homework: dict[int, HomeworkCount]
    feedback: dict[int, list[tuple[int, ...]]]

    @property
    def count(self) -> int:
        """How many rows were read (the benchmark's bulk read reports it)."""
        return (
            sum(map(len, self.scores.values()))
            + sum(map(len, self.sessions.values()))
            + len(self.attendance)
            + sum(map(len, self.checkins.values()))
            + sum(map(len, self.concerns.values()))
            + sum(map(len, self.feedback.values()))
        )


def load_week_rows(
    members: list[Member], week_start: date, window_days: int, week_over: datetime
) -> WeekRows:
    """The week's evidence of these members, whatever their cohorts, in a fixed number of queries."""
    week_end = review_week_end(week_start)
    window_start = week_end - timedelta(days=window_days - 1)
    (before_start, _), _ = review_weeks(week_end)
    client_ids = [member.client_id for member in members]
    sessions, attendance = _sessions_with_attendance(
        sorted({member.cohort_id for member in members}),
        [member.id for member in members],
        min(before_start, window_start),
        week_end,
    )
    return WeekRows(
        window_start=window_start,
        scores=_scores(client_ids, min(member.started_on for member in members), week_end),
        sessions=sessions,
        attendance=attendance,
        adherence=adherence_summaries(client_ids, window_start, week_end),
        goals=_goals(client_ids, week_end, week_over),
        concerns=family_concerns(client_ids, window_start, week_end),
        checkins=checkin_days(client_ids, window_start, week_end),
        homework=_homework(client_ids, week_start, week_end),
        feedback=_feedback(client_ids, week_start, week_end, week_over),
    )


_NO_ATTENDANCE = (None, None)


@dataclass(frozen=True)
class _Context:
    min_weekly_hours: float
    week_end: date
    window_start: date

    def member(self, enrollment: Member, rows: WeekRows) -> MemberEvidence:
        week_end = self.week_end
        started_on, ended_on = enrollment.started_on, enrollment.ended_on
        scores = [entry for entry in rows.scores.get(enrollment.client_id, ()) if entry.day >= started_on]
        attendance = rows.attendance
        # (day, minutes, rating) of each group held or scheduled while enrolled
        enrolled = [
            (
                session.session_date,
                session.duration_minutes,
                attendance.get((session.id, enrollment.id), _NO_ATTENDANCE),
            )
            for session in rows.sessions.get(enrollment.cohort_id, ())
            if started_on <= session.session_date and (ended_on is None or session.session_date < ended_on)
        ]
        scheduled = [ScheduledSession(day, duration, recorded[0]) for day, duration, recorded in enrolled]
        minimum = self.min_weekly_hours
        weeks = []
        rates = []
        for first, last in review_weeks(week_end):
            summary = summarise(scheduled, first, last)
            rates.append(summary.rate)
            weeks.append(
                {
                    "week_start": first.isoformat(),
                    "scheduled_hours": round(summary.scheduled_hours, 2),
                    "attended_hours": round(summary.attended_hours, 2),
                    "rate": None if summary.rate is None else round(summary.rate, 4),
                    "meets_minimum": meets_minimum(summary, minimum),
                    "sessions": summary.sessions,
                    "recorded": summary.recorded,
                }
            )
        ratings = [
            recorded[1]
            for day, _duration, recorded in enrolled
            if self.window_start <= day <= week_end and recorded[1] is not None
        ]
        participation = sum(ratings) / len(ratings) if ratings else None
        adherence = rows.adherence[enrollment.client_id]
        adherence_value = _adherence_value(adherence)
        goals = rows.goals.get(enrollment.client_id)
        goal_ratings = tuple(goals.ratings or ()) if goals else ()
        concerns = rows.concerns.get(enrollment.client_id, [])
        open_alert = enrollment.open_alert
        homework = rows.homework.get(enrollment.client_id, HomeworkCount(0, 0))
        evidence = Evidence(
            week_end=week_end,
            enrolled_on=started_on,
            scores=tuple(scores),
            attendance_rates=tuple(rates),
            medication_active=adherence.has_medications,
            adherence=adherence_value,
            mean_participation=participation,
            goals_exist=bool(goals and goals.count),
            goal_ratings=goal_ratings,
            family_concerns=tuple(concerns),
            open_safety_alert=open_alert,
        )
        metrics = {
            "week_start": (week_end - timedelta(days=6)).isoformat(),
            "week_end": week_end.isoformat(),
            "days_enrolled": (week_end - started_on).days + 1,
            "scores": _score_metrics(scores),
            "min_weekly_hours": minimum,
            "attendance": weeks,
            "participation": {
                "mean": None if participation is None else round(participation, 2),
                "ratings": len(ratings),
            },
            "adherence": {
                "active": adherence.has_medications,
                "value": None if adherence_value is None else round(adherence_value, 3),
                "dose_log_rate": _rounded(adherence.dose_log.rate),
                "coverage": _rounded(adherence.dose_log.coverage) if adherence.has_medications else None,
                "pdc": _rounded(adherence.pdc),
            },
            "goals": _goal_metrics(goals, goal_ratings, self.window_start, week_end),
            "family_concerns": [
                {"date": day.isoformat(), "concern": concern}
                for day, concern in sorted(concerns)
                if self.window_start <= day <= week_end
            ],
            "open_safety_alert": open_alert,
            # What the client reported by personal link: evidence to read, not one of the four rules.
            "self_reports": {
                **_self_report_metrics(
                    summarise_checkins(
                        rows.checkins[enrollment.client_id], self.window_start, week_end, started_on
                    )
                ),
                # The reviewed week's homework and the feedback on its groups.
                "homework": {
                    "done": homework.done,
                    "due": homework.target,
                    "rate": _rounded(homework.done / homework.target if homework.target else None),
                },
                "feedback": _feedback_metrics(rows.feedback.get(enrollment.client_id, [])),
            },
        }
        return MemberEvidence(enrollment, evidence, metrics)


def _self_report_metrics(summary: CheckinSummary) -> dict:
    return {
        "checkin_days": summary.adherence.days_checked_in,
        "days": summary.adherence.days,
        "adherence": _rounded(summary.adherence.rate),
        "mean_mood": _rounded(summary.mean_mood, 1),
        "mean_cravings": _rounded(summary.mean_cravings, 1),
    }


def _feedback_metrics(feedback: list[tuple[int, ...]]) -> dict:
    """How many groups were rated, the mean of every item answered, and each item's mean."""
    return {
        "responses": len(feedback),
        "mean": _rounded(mean(rating for row in feedback for rating in row), 2),
        **{key: _rounded(mean(row[index] for row in feedback), 2) for index, key in enumerate(FEEDBACK_KEYS)},
    }


def _rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _adherence_value(summary: AdherenceSummary) -> float | None:
    """The dose-log rate when enough days were logged, else the PDC from fills; None when neither is known."""
    if not summary.has_medications:
        return None
    if summary.dose_log_label != "not enough data":
        return summary.dose_log.rate
    return summary.pdc


def _score_metrics(scores: list[ScoreEntry]) -> list[dict]:
    rows = []
    for definition in RULE_INSTRUMENTS:
        # Same-day responses count as the worst of them, as the recommendation reads them.
        by_day: dict[date, int] = {}
        for entry in scores:
            if entry.instrument == definition.key:
                by_day[entry.day] = max(entry.total, by_day.get(entry.day, entry.total))
        if not by_day:
            continue
        days = sorted(by_day)
        baseline, latest = by_day[days[0]], by_day[days[-1]]
        change = classify(definition, baseline, latest)
        rows.append(
            {
                "instrument": definition.key,
                "name": definition.short_name,
                "baseline": baseline,
                "baseline_on": days[0].isoformat(),
                "latest": latest,
                "latest_on": days[-1].isoformat(),
                "severity": severity_for(definition, latest),
                "delta": change.delta,
                "reliable_improvement": change.reliable_improvement,
                "reliable_deterioration": change.reliable_deterioration,
                "response": change.response,
                "remission": change.remission,
                "trend": [{"date": day.isoformat(), "total": by_day[day]} for day in days[-TREND_POINTS:]],
            }
        )
    return rows


def _goal_metrics(goals: _Goals | None, ratings, window_start: date, week_end: date) -> dict:
    recent = [(day, level) for day, level in ratings if window_start <= day <= week_end]
    best = max(recent, key=lambda pair: (pair[1], pair[0]), default=None)
    return {
        "count": goals.count if goals else 0,
        "recent_ratings": len(recent),
        "best_recent": None if best is None else {"date": best[0].isoformat(), "rating": best[1]},
    }


def _moment_after(cohort: Cohort, week_end: date) -> datetime:
    """Monday 00:00 after the week, in program time, as UTC: the week is over then."""
    return datetime.combine(week_end + timedelta(days=1), time(0), tzinfo=cohort.program.zone).astimezone(UTC)


# --- the bulk queries: each one covers every member at once ------------------------------------------


def _scores(client_ids: list[int], start: date, end: date) -> dict[int, list[ScoreEntry]]:
    rows = db.session.execute(
        select(
            AssessmentResponse.client_id,
            AssessmentResponse.instrument,
            AssessmentResponse.administered_on,
            AssessmentResponse.total,
            AssessmentResponse.flags_text,
        ).where(
            AssessmentResponse.client_id.in_(client_ids),
            AssessmentResponse.superseded_by_id.is_(None),
            AssessmentResponse.administered_on.between(start, end),
        )
    )
    by_client: dict[int, list[ScoreEntry]] = defaultdict(list)
    rule_keys = {definition.key for definition in RULE_INSTRUMENTS}
    for client_id, instrument, day, total, flags in rows:
        flag_set = frozenset(flags.split())
        # Other instruments matter only for their safety flag; their totals follow their own scales.
        if instrument in rule_keys or flag_set:
            by_client[client_id].append(ScoreEntry(instrument, day, total, flag_set))
    return by_client


def _sessions_with_attendance(
    cohort_ids: list[int], enrollment_ids: list[int], start: date, end: date
) -> tuple[dict[int, list[_Session]], dict[tuple[int, int], tuple[int, int | None]]]:
    """The cohorts' groups of start…end that were not cancelled, by cohort, and the members' attendance
    of them by (session, enrollment): one query, the attendance joined to its session."""
    rows = db.session.execute(
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
            and_(Attendance.session_id == GroupSession.id, Attendance.enrollment_id.in_(enrollment_ids)),
        )
        .where(
            GroupSession.cohort_id.in_(cohort_ids),
            GroupSession.status != "cancelled",
            GroupSession.session_date.between(start, end),
        )
        .order_by(GroupSession.id)
    )
    sessions: dict[int, list[_Session]] = defaultdict(list)
    attendance: dict[tuple[int, int], tuple[int, int | None]] = {}
    last_id = None
    for session_id, cohort_id, day, duration, enrollment_id, minutes, rating in rows:
        if session_id != last_id:
            sessions[cohort_id].append(_Session(session_id, day, duration))
            last_id = session_id
        if enrollment_id is not None:
            attendance[(session_id, enrollment_id)] = (minutes, rating)
    return sessions, attendance


def _goals(client_ids: list[int], week_end: date, week_over: datetime) -> dict[int, _Goals]:
    """Goals set up by the week's end (dropped ones aside) and their ratings up to then."""
    rows = db.session.execute(
        select(Goal.client_id, Goal.id, GoalRating.rated_on, GoalRating.level)
        .outerjoin(GoalRating, and_(GoalRating.goal_id == Goal.id, GoalRating.rated_on <= week_end))
        .where(Goal.client_id.in_(client_ids), Goal.state != "dropped", Goal.created_at < week_over)
    )
    seen: dict[int, set[int]] = defaultdict(set)
    goals: dict[int, _Goals] = {}
    for client_id, goal_id, rated_on, level in rows:
        entry = goals.setdefault(client_id, _Goals(ratings=[]))
        seen[client_id].add(goal_id)
        entry.count = len(seen[client_id])
        if rated_on is not None:
            entry.ratings.append((rated_on, level))
    return goals


def _homework(client_ids: list[int], week_start: date, week_end: date) -> dict[int, HomeworkCount]:
    """Each client's homework of the week: completions against what was due, over every assignment
    given by the week's end (one query: assignments with their completions up to then)."""
    rows = db.session.execute(
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
        .where(HomeworkAssignment.client_id.in_(client_ids), HomeworkAssignment.assigned_on <= week_end)
    )
    assignments: dict[int, tuple[int, str, date, date | None, list[date]]] = {}
    for client_id, assignment_id, frequency, assigned_on, due_on, day in rows:
        entry = assignments.setdefault(assignment_id, (client_id, frequency, assigned_on, due_on, []))
        if day is not None:
            entry[4].append(day)
    by_client: dict[int, list[HomeworkCount | None]] = defaultdict(list)
    for client_id, frequency, assigned_on, due_on, days in assignments.values():
        by_client[client_id].append(homework_week(frequency, assigned_on, due_on, days, week_start, week_end))
    return {client_id: homework_completion(counts) for client_id, counts in by_client.items()}


def _feedback(
    client_ids: list[int], week_start: date, week_end: date, week_over: datetime
) -> dict[int, list[tuple[int, ...]]]:
    """The clients' ratings of the week's groups given before the week was over (nothing after the week
    is its evidence), one tuple of the items per group rated."""
    columns = [getattr(SessionFeedback, key) for key in FEEDBACK_KEYS]
    rows = db.session.execute(
        select(SessionFeedback.client_id, *columns)
        .join(GroupSession, GroupSession.id == SessionFeedback.session_id)
        .where(
            SessionFeedback.client_id.in_(client_ids),
            GroupSession.session_date.between(week_start, week_end),
            SessionFeedback.submitted_at < week_over,
        )
    )
    by_client: dict[int, list[tuple[int, ...]]] = defaultdict(list)
    for client_id, *ratings in rows:
        by_client[client_id].append(tuple(ratings))
    return by_client
