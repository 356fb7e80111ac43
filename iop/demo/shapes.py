"""The demo plan's shapes: plain frozen data that the planners return and the writers read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Stint:
    """One enrollment: a cohort from started_on up to (not including) ended_on."""

    cohort: str
    started_on: date
    ended_on: date | None = None
    end_reason: str | None = None

    def covers(self, day: date) -> bool:
        """True when the client belongs to the cohort on that day."""
        return self.started_on <= day and (self.ended_on is None or day < self.ended_on)


@dataclass(frozen=True)
class ClientPlan:
    key: int
    program: str
    first_name: str
    last_name: str
    date_of_birth: date
    persona: str  # steady, typical, struggling, technical or disengaged
    stints: tuple[Stint, ...]


@dataclass(frozen=True)
class RowPlan:
    client_key: int
    status: str
    minutes_attended: int | None  # None: the status's default applies
    participation: int | None
    note: str


@dataclass(frozen=True)
class NotePlan:
    topic: str
    interventions: str
    observations: str
    signed: bool


@dataclass(frozen=True)
class SessionPlan:
    """A past session that was held: its attendance rows and group note."""

    cohort: str
    session_date: date
    rows: tuple[RowPlan, ...]
    note: NotePlan


@dataclass(frozen=True)
class Cancellation:
    cohort: str
    session_date: date
    reason: str


@dataclass(frozen=True)
class AssessmentPlan:
    client_key: int
    instrument: str
    administered_on: date
    answers: tuple[int, ...]
    source: str
    entered_by: str  # staff email
    acknowledge_note: str | None = None  # acknowledge the safety alert this response raises


@dataclass(frozen=True)
class RatingPlan:
    rated_on: date
    level: int
    note: str


@dataclass(frozen=True)
class GoalPlan:
    client_key: int
    title: str
    domain: str
    target_date: date
    ratings: tuple[RatingPlan, ...]
    state: str  # active, achieved or dropped after the last rating
    actor: str


@dataclass(frozen=True)
class MedicationPlan:
    client_key: int
    name: str
    dose: str
    doses_per_day: int
    prescriber: str
    started_on: date
    doses: tuple[tuple[date, str], ...]  # (day, status); days not listed stay unlogged
    fills: tuple[tuple[date, int], ...]  # (filled on, days' supply)
    side_effects: tuple[tuple[date, str, int], ...]  # (reported on, description, severity)
    actor: str


@dataclass(frozen=True)
class SymptomPlan:
    client_key: int
    symptom: str
    recorded_on: date
    occurrences: int
    severity: int
    note: str


@dataclass(frozen=True)
class ExposurePlan:
    client_key: int
    situation: str
    done_on: date
    anxiety_before: int
    anxiety_after: int
    note: str


@dataclass(frozen=True)
class MeasuresPlan:
    trajectories: dict[int, str]  # client key -> one of TRAJECTORIES
    assessments: tuple[AssessmentPlan, ...]
    goals: tuple[GoalPlan, ...]
    medications: tuple[MedicationPlan, ...]
    symptoms: tuple[SymptomPlan, ...]
    exposures: tuple[ExposurePlan, ...]


@dataclass(frozen=True)
class Course:
    """A client's time in the program as the measures see it."""

    client: ClientPlan
    population: str
    focus: str
    first: date
    last: date  # the last day enrolled, or today
    enrolled_now: bool

    @property
    def weeks(self) -> list[date]:
        """The weekly check-in days, from admission."""
        days = []
        day = self.first
        while day <= self.last:
            days.append(day)
            day += timedelta(days=7)
        return days

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]
