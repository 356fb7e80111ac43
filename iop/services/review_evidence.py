"""The evidence of a cohort's weekly reviews: every member's Evidence for one week, in a fixed number of
bulk queries whatever the cohort's size, handed as plain data to iop.clinical.

The rows come from iop.services.review_rows (the same statements the benchmark's bulk read runs).

Beside each Evidence goes the metrics snapshot a review stores and shows: scores with their change
and a small trend, hours against the minimum, attendance rates, participation, adherence with its
coverage, goals and family concerns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from iop.clinical.attendance import ScheduledSession, meets_minimum, review_weeks, summarise
from iop.clinical.change import classify
from iop.clinical.checkins import FEEDBACK_KEYS, CheckinSummary, HomeworkCount, mean, summarise_checkins
from iop.clinical.evidence import RULE_INSTRUMENTS
from iop.clinical.instruments import severity_for
from iop.clinical.recommend import Evidence, ScoreEntry
from iop.clinical.thresholds import Thresholds
from iop.models import Cohort
from iop.services.adherence import AdherenceSummary
from iop.services.review_rows import (
    Goals,
    Member,
    WeekRows,
    load_week_rows,
    members_at_week_end,
    review_week_end,
)

__all__ = ["MemberEvidence", "cohort_evidence", "members_at_week_end", "moment_after", "review_week_end"]

TREND_POINTS = 8  # the small trend beside each score: its last few totals


@dataclass(frozen=True)
class MemberEvidence:
    """One member's evidence for the week and the metrics snapshot that goes with it."""

    enrollment: Member
    evidence: Evidence
    metrics: dict


def cohort_evidence(cohort: Cohort, week_start: date, thresholds: Thresholds) -> list[MemberEvidence]:
    """Every member's evidence for the week starting on `week_start` (a Monday), in program time."""
    week_end = review_week_end(week_start)
    week_over = moment_after(cohort, week_end)
    members = members_at_week_end([cohort.id], week_start, week_over)
    if not members:
        return []
    rows = load_week_rows(members, week_start, thresholds.window_days, week_over)
    context = _Context(cohort.program.min_weekly_hours, week_end, rows.window_start)
    return [context.member(member, rows) for member in members]


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


def _goal_metrics(goals: Goals | None, ratings, window_start: date, week_end: date) -> dict:
    recent = [(day, level) for day, level in ratings if window_start <= day <= week_end]
    best = max(recent, key=lambda pair: (pair[1], pair[0]), default=None)
    return {
        "count": goals.count if goals else 0,
        "recent_ratings": len(recent),
        "best_recent": None if best is None else {"date": best[0].isoformat(), "rating": best[1]},
    }


def moment_after(cohort: Cohort, week_end: date) -> datetime:
    """Monday 00:00 after the week, in program time, as UTC: the week is over then."""
    return datetime.combine(week_end + timedelta(days=1), time(0), tzinfo=cohort.program.zone).astimezone(UTC)
