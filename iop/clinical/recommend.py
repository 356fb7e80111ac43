"""The weekly recommendation of DESIGN.md §5.5: one enrollment's evidence up to a week's end, with reasons.

The recommendation advises; the case manager decides. Every reason carries its numbers and dates, and
missing data is a reason of its own, never read as good news.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from iop.clinical import review_reasons as wording
from iop.clinical.attendance import review_weeks
from iop.clinical.change import Change, classify
from iop.clinical.evidence import FAMILY_CONCERNS, RULE_INSTRUMENTS, SUICIDE_RISK, Evidence, ScoreEntry
from iop.clinical.instruments import PHQ9, Instrument
from iop.clinical.thresholds import DEFAULT_THRESHOLDS, Thresholds, ThresholdsError

__all__ = [
    "CONTINUE",
    "DEFAULT_THRESHOLDS",
    "DISENGAGEMENT_REVIEW",
    "FAMILY_CONCERNS",
    "KINDS",
    "STEP_DOWN_CANDIDATE",
    "SUICIDE_RISK",
    "URGENT_REVIEW",
    "Evidence",
    "Recommendation",
    "ScoreEntry",
    "Thresholds",
    "ThresholdsError",
    "recommend",
]

URGENT_REVIEW = "urgent_review"
DISENGAGEMENT_REVIEW = "disengagement_review"
STEP_DOWN_CANDIDATE = "step_down_candidate"
CONTINUE = "continue"
KINDS = (URGENT_REVIEW, DISENGAGEMENT_REVIEW, STEP_DOWN_CANDIDATE, CONTINUE)  # most pressing first


@dataclass(frozen=True)
class Recommendation:
    """One of KINDS with its reasons, each a plain sentence with its numbers and dates."""

    kind: str
    reasons: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown recommendation {self.kind!r}")
        object.__setattr__(self, "reasons", tuple(self.reasons))
        if not self.reasons:
            raise ValueError("a recommendation needs at least one reason")


def recommend(evidence: Evidence, thresholds: Thresholds | Mapping[str, Any] | None = None) -> Recommendation:
    """Urgent review, disengagement review, step-down candidate or continue, in that precedence."""
    if not isinstance(evidence, Evidence):
        raise ValueError(f"recommend needs an Evidence, got {type(evidence).__name__}")
    if thresholds is None:
        thresholds = DEFAULT_THRESHOLDS
    elif not isinstance(thresholds, Thresholds):
        thresholds = Thresholds.from_mapping(thresholds)
    week = _Week(evidence, thresholds)
    # Other family concerns do not change the kind, but the reader should see them whatever it is.
    family_notes = [
        wording.family_concern(concern, day, week.end)
        for day, concern in sorted(set(week.recent(evidence.family_concerns)))
        if concern != "safety"
    ]

    urgent = _urgent_reasons(week)
    if urgent:
        return _recommendation(URGENT_REVIEW, urgent + family_notes)
    disengaged = _disengagement_reason(week)
    if disengaged:
        return _recommendation(DISENGAGEMENT_REVIEW, [disengaged, *family_notes])
    checks = _step_down_checks(week)
    unmet = [reason for met, reason in checks if not met]
    if unmet:
        return _recommendation(CONTINUE, unmet + family_notes)
    return _recommendation(STEP_DOWN_CANDIDATE, [reason for _met, reason in checks] + family_notes)


@dataclass(frozen=True)
class _Course:
    """One instrument's course in the enrollment up to week_end: baseline, latest and their change."""

    instrument: Instrument
    reading: wording.Reading
    change: Change


class _Week:
    """The evidence as seen from week_end: the window of recent days and each instrument's course."""

    def __init__(self, evidence: Evidence, thresholds: Thresholds) -> None:
        self.evidence = evidence
        self.thresholds = thresholds
        self.end = evidence.week_end
        self.window_start = self.end - timedelta(days=thresholds.window_days - 1)
        self.scores = [entry for entry in evidence.scores if entry.day <= self.end]
        self.courses = [
            course for definition in RULE_INSTRUMENTS if (course := self._course(definition)) is not None
        ]

    def is_recent(self, day: date) -> bool:
        return self.window_start <= day <= self.end

    def recent(self, pairs: Iterable[tuple[date, Any]]) -> list[tuple[date, Any]]:
        return [(day, value) for day, value in pairs if self.is_recent(day)]

    def _course(self, definition: Instrument) -> _Course | None:
        # Several responses on one day count as the worst of them, so the result never depends on the
        # order the evidence was listed in and a same-day pair cannot hide the worse score.
        by_day: dict[date, int] = {}
        for entry in self.scores:
            if entry.instrument == definition.key:
                by_day[entry.day] = max(entry.total, by_day.get(entry.day, entry.total))
        if not by_day:
            return None
        first, last = min(by_day), max(by_day)
        reading = wording.Reading(definition.short_name, by_day[first], first, by_day[last], last, self.end)
        return _Course(definition, reading, classify(definition, by_day[first], by_day[last]))


def _urgent_reasons(week: _Week) -> list[str]:
    """One reason for every urgent trigger present."""
    end, urgent_total = week.end, week.thresholds.urgent_phq9_total
    reasons: list[str] = []
    if week.evidence.open_safety_alert:
        reasons.append(wording.open_safety_alert(end))
    for entry in sorted(week.scores, key=lambda entry: (entry.day, entry.instrument)):
        if SUICIDE_RISK in entry.flags and week.is_recent(entry.day):
            reasons.append(wording.suicide_risk(entry.instrument, entry.day, end))
    safety_days = sorted(
        day for day, concern in week.recent(week.evidence.family_concerns) if concern == "safety"
    )
    reasons.extend(wording.family_concern("safety", day, end) for day in safety_days)
    recent = [course for course in week.courses if week.is_recent(course.reading.latest_day)]
    reasons.extend(_deterioration(course) for course in recent if course.change.reliable_deterioration)
    reasons.extend(
        wording.severe_phq9(course.reading, urgent_total)
        for course in recent
        if course.instrument is PHQ9 and course.reading.latest >= urgent_total
    )
    return reasons


def _disengagement_reason(week: _Week) -> str | None:
    rates = week.evidence.attendance_rates
    below = week.thresholds.disengagement_attendance_below
    # A week with nothing scheduled has no rate, and no rate is not disengagement.
    if all(rate is not None and rate < below for rate in rates):
        return wording.attendance(
            rates, review_weeks(week.end), week.end, f"below {wording.percent(below)} both weeks"
        )
    return None


def _step_down_checks(week: _Week) -> list[tuple[bool, str]]:
    """Every step-down condition as (met, reason); the symptom condition can give several reasons."""
    evidence, thresholds, end = week.evidence, week.thresholds, week.end
    window = thresholds.window_days

    days_enrolled = (end - evidence.enrolled_on).days + 1
    enough_days = days_enrolled >= thresholds.min_days_enrolled
    checks = [(enough_days, wording.days_enrolled(days_enrolled, thresholds.min_days_enrolled, enough_days))]
    checks.extend(_symptom_checks(week))

    rates = evidence.attendance_rates
    attended = all(rate is not None and rate >= thresholds.step_down_attendance for rate in rates)
    needed = wording.needs(f"{wording.percent(thresholds.step_down_attendance)} or more both weeks", attended)
    checks.append((attended, wording.attendance(rates, review_weeks(end), end, needed)))

    if evidence.medication_active:
        adherence = evidence.adherence
        adherent = adherence is not None and adherence >= thresholds.step_down_adherence
        checks.append(
            (adherent, wording.adherence(adherence, thresholds.step_down_adherence, window, adherent))
        )

    participation = evidence.mean_participation
    engaged = participation is not None and participation >= thresholds.step_down_participation
    checks.append(
        (engaged, wording.participation(participation, thresholds.step_down_participation, window, engaged))
    )

    # A goal rating up to week_end shows that the client has goals, even if goals_exist was left unset.
    if evidence.goals_exist or any(day <= end for day, _rating in evidence.goal_ratings):
        # The best recent rating; of equal ones, the latest.
        best = max(week.recent(evidence.goal_ratings), key=lambda pair: (pair[1], pair[0]), default=None)
        on_track = best is not None and best[1] >= thresholds.step_down_goal_rating
        checks.append(
            (on_track, wording.goals(best, thresholds.step_down_goal_rating, window, end, on_track))
        )
    return checks


def _symptom_checks(week: _Week) -> list[tuple[bool, str]]:
    """PHQ-9 and GAD-7: each one given is recent, below the total and not worse; one shows improvement."""
    below, window = week.thresholds.step_down_total_below, week.thresholds.window_days
    if not week.courses:
        return [(False, wording.no_symptom_measures())]
    checks: list[tuple[bool, str]] = []
    for course in week.courses:
        reading, change = course.reading, course.change
        unmet = []
        if not week.is_recent(reading.latest_day):
            unmet.append(wording.no_recent_score(reading, window))
        if reading.latest >= below:
            unmet.append(wording.total_too_high(reading, below))
        if change.reliable_deterioration:
            unmet.append(_deterioration(course))
        if unmet:
            checks.extend((False, reason) for reason in unmet)
        else:
            reason = wording.total_below(reading, below, response=change.response, remission=change.remission)
            checks.append((True, reason))
    if not any(course.change.response or course.change.remission for course in week.courses):
        checks.append((False, wording.no_response_or_remission([course.reading for course in week.courses])))
    return checks


def _deterioration(course: _Course) -> str:
    return wording.deterioration(course.reading, course.instrument.reliable_change or 0)


def _recommendation(kind: str, reasons: list[str]) -> Recommendation:
    return Recommendation(kind, tuple(dict.fromkeys(reasons)))  # drop repeats, keep order
