"""The outcome report: per program and cohort over a period, the aggregate measures the Joint
Commission's measurement-based-care standard asks programs to look at. Four bulk queries.

- response and remission (PHQ-9, GAD-7): of the enrollments open during the period with a baseline and
  a later response by its end, the share whose latest shows response (or remission), §5.2;
- mean attendance: attended ÷ scheduled hours of the period's held sessions while enrolled (§5.4);
- step-down rate: of the enrollments that ended in the period, the share that stepped down;
- median length of stay: days from admission to end of the enrollments that ended in the period;
- urgent reviews: reviews of weeks starting in the period whose latest revision is urgent_review.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, or_, select

from iop.clinical.change import classify
from iop.clinical.evidence import RULE_INSTRUMENTS
from iop.extensions import db
from iop.models import (
    AssessmentResponse,
    Attendance,
    Cohort,
    Enrollment,
    GroupSession,
    Program,
    ReviewRevision,
    WeeklyReview,
)

COLUMNS = (
    ("program", "Program"),
    ("cohort", "Cohort"),
    ("enrollments", "Enrollments"),
    ("phq9_measured", "PHQ-9 measured"),
    ("phq9_response", "PHQ-9 response rate"),
    ("phq9_remission", "PHQ-9 remission rate"),
    ("gad7_measured", "GAD-7 measured"),
    ("gad7_response", "GAD-7 response rate"),
    ("gad7_remission", "GAD-7 remission rate"),
    ("attendance", "Mean attendance"),
    ("ended", "Enrollments ended"),
    ("step_down_rate", "Step-down rate"),
    ("median_stay_days", "Median length of stay (days)"),
    ("urgent_reviews", "Urgent reviews"),
)


@dataclass
class _Tally:
    enrollments: int = 0
    measured: dict = field(default_factory=lambda: defaultdict(int))
    responded: dict = field(default_factory=lambda: defaultdict(int))
    remitted: dict = field(default_factory=lambda: defaultdict(int))
    scheduled_minutes: int = 0
    attended_minutes: int = 0
    stays: list[int] = field(default_factory=list)
    stepped_down: int = 0
    urgent_reviews: int = 0

    def row(self, program: str, cohort: str) -> dict:
        values: dict = {"program": program, "cohort": cohort, "enrollments": self.enrollments}
        for definition in RULE_INSTRUMENTS:
            key, measured = definition.key, self.measured[definition.key]
            values[f"{key}_measured"] = measured
            values[f"{key}_response"] = _share(self.responded[key], measured)
            values[f"{key}_remission"] = _share(self.remitted[key], measured)
        values["attendance"] = _share(self.attended_minutes, self.scheduled_minutes)
        values["ended"] = len(self.stays)
        values["step_down_rate"] = _share(self.stepped_down, len(self.stays))
        values["median_stay_days"] = statistics.median(self.stays) if self.stays else None
        values["urgent_reviews"] = self.urgent_reviews
        return values


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class OutcomeReport:
    start: date
    end: date
    rows: list[dict]  # per cohort, then the program's total (cohort "All cohorts")


def outcome_report(programs: list[Program], start: date, end: date) -> OutcomeReport:
    """Per cohort and per program over start..end (both included)."""
    program_ids = [program.id for program in programs]
    if not program_ids:
        return OutcomeReport(start, end, [])
    cohorts = {
        cohort.id: cohort
        for cohort in db.session.scalars(select(Cohort).where(Cohort.program_id.in_(program_ids)))
    }
    enrollments = db.session.scalars(
        select(Enrollment).where(
            Enrollment.cohort_id.in_(list(cohorts)),
            Enrollment.started_on <= end,
            or_(Enrollment.ended_on.is_(None), Enrollment.ended_on >= start),
        )
    ).all()
    tallies: dict[int, _Tally] = defaultdict(_Tally)
    scores = _scores([e.client_id for e in enrollments], end)
    for enrollment in enrollments:
        tally = tallies[enrollment.cohort_id]
        tally.enrollments += 1
        for definition in RULE_INSTRUMENTS:
            course = [
                (day, total)
                for day, total in scores.get((enrollment.client_id, definition.key), [])
                if day >= enrollment.started_on
                and (enrollment.ended_on is None or day <= enrollment.ended_on)
            ]
            if len(course) < 2:
                continue
            change = classify(definition, course[0][1], course[-1][1])
            tally.measured[definition.key] += 1
            tally.responded[definition.key] += change.response
            tally.remitted[definition.key] += change.remission
        if enrollment.ended_on is not None and start <= enrollment.ended_on <= end:
            tally.stays.append((enrollment.ended_on - enrollment.started_on).days)
            tally.stepped_down += enrollment.end_reason == "stepped_down"
    for cohort_id, scheduled, attended in _attendance([e.id for e in enrollments], start, end):
        tallies[cohort_id].scheduled_minutes += scheduled or 0
        tallies[cohort_id].attended_minutes += attended or 0
    for cohort_id, count in _urgent_reviews(list(cohorts), start, end):
        tallies[cohort_id].urgent_reviews += count

    rows = []
    for program in programs:
        total = _Tally()
        program_cohorts = sorted(
            (c for c in cohorts.values() if c.program_id == program.id), key=lambda c: c.name
        )
        for cohort in program_cohorts:
            tally = tallies.get(cohort.id, _Tally())
            rows.append(tally.row(program.name, cohort.name))
            _add(total, tally)
        rows.append(total.row(program.name, "All cohorts"))
    return OutcomeReport(start, end, rows)


def _add(total: _Tally, tally: _Tally) -> None:
    total.enrollments += tally.enrollments
    for key in (d.key for d in RULE_INSTRUMENTS):
        total.measured[key] += tally.measured[key]
        total.responded[key] += tally.responded[key]
        total.remitted[key] += tally.remitted[key]
    total.scheduled_minutes += tally.scheduled_minutes
    total.attended_minutes += tally.attended_minutes
    total.stays.extend(tally.stays)
    total.stepped_down += tally.stepped_down
    total.urgent_reviews += tally.urgent_reviews


def _scores(client_ids: list[int], end: date) -> dict[tuple[int, str], list[tuple[date, int]]]:
    if not client_ids:
        return {}
    rows = db.session.execute(
        select(
            AssessmentResponse.client_id,
            AssessmentResponse.instrument,
            AssessmentResponse.administered_on,
            AssessmentResponse.total,
        )
        .where(
            AssessmentResponse.client_id.in_(client_ids),
            AssessmentResponse.superseded_by_id.is_(None),
            AssessmentResponse.instrument.in_([d.key for d in RULE_INSTRUMENTS]),
            AssessmentResponse.administered_on <= end,
        )
        .order_by(AssessmentResponse.administered_on, AssessmentResponse.id)
    )
    by_client: dict[tuple[int, str], list[tuple[date, int]]] = defaultdict(list)
    for client_id, instrument, day, total in rows:
        by_client[(client_id, instrument)].append((day, total))
    return by_client


def _attendance(enrollment_ids: list[int], start: date, end: date):
    """(cohort, scheduled minutes, attended minutes) of the period's held sessions while enrolled."""
    if not enrollment_ids:
        return []
    return db.session.execute(
        select(
            Enrollment.cohort_id,
            func.sum(GroupSession.duration_minutes),
            func.sum(Attendance.minutes_attended),
        )
        .join(GroupSession, GroupSession.cohort_id == Enrollment.cohort_id)
        .outerjoin(
            Attendance,
            and_(Attendance.session_id == GroupSession.id, Attendance.enrollment_id == Enrollment.id),
        )
        .where(
            Enrollment.id.in_(enrollment_ids),
            GroupSession.status == "held",
            GroupSession.session_date.between(start, end),
            GroupSession.session_date >= Enrollment.started_on,
            or_(Enrollment.ended_on.is_(None), GroupSession.session_date < Enrollment.ended_on),
        )
        .group_by(Enrollment.cohort_id)
    ).all()


def _urgent_reviews(cohort_ids: list[int], start: date, end: date):
    return db.session.execute(
        select(WeeklyReview.cohort_id, func.count(WeeklyReview.id))
        .join(ReviewRevision, ReviewRevision.id == WeeklyReview.latest_revision_id)
        .where(
            WeeklyReview.cohort_id.in_(cohort_ids),
            WeeklyReview.week_start.between(start, end),
            ReviewRevision.recommendation == "urgent_review",
        )
        .group_by(WeeklyReview.cohort_id)
    ).all()
