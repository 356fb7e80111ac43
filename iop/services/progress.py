"""A client's progress over time, one read model shared by the overview charts and the JSON API.

Scores per instrument with severity and change from baseline, and per program week the hours
scheduled and attended, mean participation and medication adherence. A fixed number of queries,
whatever the length of the history.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlalchemy import and_, or_, select

from iop import clock
from iop.clinical.adherence import ADHERENT_THRESHOLD
from iop.clinical.attendance import ScheduledSession, meets_minimum, summarise, week_start
from iop.clinical.change import Change, classify
from iop.clinical.instruments import Instrument
from iop.extensions import db
from iop.models import AssessmentResponse, Attendance, Client, Enrollment, GroupSession


@dataclass(frozen=True)
class ScorePoint:
    administered_on: date
    total: int
    severity: str | None
    change: Change | None  # against the baseline; None for the baseline itself

    @property
    def reliable_change(self) -> str | None:
        if self.change is None:
            return None
        if self.change.reliable_improvement:
            return "improvement"
        if self.change.reliable_deterioration:
            return "deterioration"
        return None


@dataclass(frozen=True)
class InstrumentSeries:
    instrument: Instrument
    points: list[ScorePoint]

    @property
    def latest(self) -> ScorePoint:
        return self.points[-1]

    @property
    def change(self) -> Change | None:
        return self.latest.change


@dataclass(frozen=True)
class WeekPoint:
    week_start: date
    scheduled_hours: float
    attended_hours: float
    meets_minimum: bool
    mean_participation: float | None
    adherence: float | None = None
    adherence_coverage: float | None = None
    # The week still running: its hours so far are not a missed minimum.
    in_progress: bool = False


@dataclass(frozen=True)
class ClientProgress:
    client_id: int
    min_weekly_hours: float
    series: list[InstrumentSeries]
    weeks: list[WeekPoint] = field(default_factory=list)

    def to_json(self) -> dict:
        """Plain data for the charts' JSON block and the API."""
        return {
            "client_id": self.client_id,
            "min_weekly_hours": self.min_weekly_hours,
            # The charts draw the clinical threshold from here rather than keeping a copy of it.
            "adherent_threshold": ADHERENT_THRESHOLD,
            "instruments": [
                {
                    "key": s.instrument.key,
                    "name": s.instrument.short_name,
                    "min_total": s.instrument.min_total,
                    "max_total": s.instrument.max_total,
                    "higher_is_better": s.instrument.higher_is_better,
                    "bands": [{"key": b.key, "label": b.label, "low": b.low, "high": b.high} for b in bands],
                    "scores": [
                        {
                            "date": p.administered_on.isoformat(),
                            "total": p.total,
                            "severity": p.severity,
                            "reliable_change": p.reliable_change,
                        }
                        for p in s.points
                    ],
                    "change": _change_json(s.change),
                }
                for s in self.series
                for bands in [s.instrument.bands]
            ],
            "weeks": [
                {
                    "week_start": w.week_start.isoformat(),
                    "scheduled_hours": round(w.scheduled_hours, 2),
                    "attended_hours": round(w.attended_hours, 2),
                    "meets_minimum": w.meets_minimum,
                    "in_progress": w.in_progress,
                    "mean_participation": _rounded(w.mean_participation, 2),
                    "adherence": _rounded(w.adherence, 3),
                    "adherence_coverage": _rounded(w.adherence_coverage, 3),
                }
                for w in self.weeks
            ],
        }


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _change_json(change: Change | None) -> dict | None:
    if change is None:
        return None
    return {
        "baseline": change.baseline,
        "current": change.current,
        "delta": change.delta,
        "reliable_improvement": change.reliable_improvement,
        "reliable_deterioration": change.reliable_deterioration,
        "response": change.response,
        "remission": change.remission,
    }


def score_series(client: Client, instrument_for) -> list[InstrumentSeries]:
    """Every instrument the client answered, oldest first; corrections replace what they supersede."""
    responses = db.session.scalars(
        select(AssessmentResponse)
        .where(AssessmentResponse.client_id == client.id, AssessmentResponse.superseded_by_id.is_(None))
        .order_by(AssessmentResponse.administered_on, AssessmentResponse.id)
    ).all()
    by_instrument: dict[str, list[AssessmentResponse]] = defaultdict(list)
    for response in responses:
        by_instrument[response.instrument].append(response)
    series = []
    for key, rows in by_instrument.items():
        instrument = instrument_for(client.program_id, key)
        baseline = rows[0].total
        points = [
            ScorePoint(
                row.administered_on,
                row.total,
                row.severity,
                None if index == 0 else classify(instrument, baseline, row.total),
            )
            for index, row in enumerate(rows)
        ]
        series.append(InstrumentSeries(instrument, points))
    order = {"phq9": 0, "gad7": 1}
    return sorted(series, key=lambda s: (order.get(s.instrument.key, 2), s.instrument.name))


def weekly_attendance(client: Client) -> list[WeekPoint]:
    """Hours scheduled and attended and mean participation per program week, while enrolled, until now."""
    rows = db.session.execute(
        select(
            GroupSession.session_date,
            GroupSession.duration_minutes,
            Attendance.minutes_attended,
            Attendance.participation,
        )
        .join(Enrollment, Enrollment.cohort_id == GroupSession.cohort_id)
        .outerjoin(
            Attendance,
            and_(Attendance.session_id == GroupSession.id, Attendance.enrollment_id == Enrollment.id),
        )
        .where(
            Enrollment.client_id == client.id,
            GroupSession.status != "cancelled",
            GroupSession.session_date >= Enrollment.started_on,
            or_(Enrollment.ended_on.is_(None), GroupSession.session_date < Enrollment.ended_on),
            # Sessions count once started, so today's later group is not counted as missed.
            GroupSession.starts_at <= clock.now(),
        )
    ).all()
    sessions_by_week: dict[date, list[ScheduledSession]] = defaultdict(list)
    ratings_by_week: dict[date, list[int]] = defaultdict(list)
    for session_date, duration, minutes, participation in rows:
        monday = week_start(session_date)
        sessions_by_week[monday].append(ScheduledSession(session_date, duration, minutes))
        if participation is not None:
            ratings_by_week[monday].append(participation)
    minimum = client.program.min_weekly_hours
    today = client.program.today()
    weeks = []
    for monday in sorted(sessions_by_week):
        summary = summarise(sessions_by_week[monday], monday, monday + timedelta(days=6))
        ratings = ratings_by_week.get(monday)
        weeks.append(
            WeekPoint(
                week_start=monday,
                scheduled_hours=summary.scheduled_hours,
                attended_hours=summary.attended_hours,
                meets_minimum=meets_minimum(summary, minimum),
                mean_participation=sum(ratings) / len(ratings) if ratings else None,
                in_progress=monday + timedelta(days=6) >= today,
            )
        )
    return weeks


def client_progress(client: Client) -> ClientProgress:
    """Everything the overview charts and the progress API show for one client."""
    from iop.services.adherence import weekly_adherence
    from iop.services.custom_instruments import instrument_for

    today = client.program.today()
    weeks = weekly_attendance(client)
    adherence = weekly_adherence([client.id], [w.week_start for w in weeks], today=today)[client.id]
    by_week = {week.week_start: week.summary for week in adherence}
    weeks = [_with_adherence(week, by_week.get(week.week_start)) for week in weeks]
    series = score_series(client, instrument_for)
    return ClientProgress(client.id, client.program.min_weekly_hours, series, weeks)


def _with_adherence(week: WeekPoint, summary) -> WeekPoint:
    if summary is None or not summary.has_medications:
        return week
    return replace(week, adherence=summary.dose_log.rate, adherence_coverage=summary.dose_log.coverage)
