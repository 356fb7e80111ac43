"""The demo clinic's measures as plain data: questionnaires, goals, medications, symptoms, exposures.

A pure function of the seed and the already planned clients, with its own random stream so the
attendance part of the plan stays exactly as it was.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from iop.demo.content import (
    ADOLESCENT_MEDICATIONS,
    AS_NEEDED_MEDICATION,
    BASELINES,
    CASE_MANAGER_EMAIL,
    CLINICIAN_EMAIL,
    COHORTS,
    DROPPED_NOTE,
    EXPOSURE_SITUATIONS,
    FILL_DAYS,
    FOCUS_WEIGHTS,
    GAD7_ITEM_WEIGHTS,
    GOAL_NOTES,
    GOALS,
    MEDICATIONS,
    PHQ9_ITEM_WEIGHTS,
    PRESCRIBERS,
    PROGRAMS,
    RESILIENCE_ITEMS,
    RESILIENCE_KEY,
    SAFETY_ACK_NOTE,
    SIDE_EFFECTS,
    SLEEP_MEDICATION,
)

if TYPE_CHECKING:
    from iop.demo.plan import ClientPlan

# improving: most; flat: no real change; slipping: a little worse; deteriorating: reliably worse.
TRAJECTORIES = ("improving", "flat", "slipping", "deteriorating")
WEEKS_TO_TARGET = 6
MEDICATED_SHARE = 2 / 3


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
class _Course:
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


def plan_measures(
    seed: int, clients: Sequence[ClientPlan], today_by_program: Mapping[str, date]
) -> MeasuresPlan:
    """Decide every measure of the planned clients; the same arguments always give the same plan."""
    rng = random.Random(f"{seed}:measures")
    population = {spec.name: spec.population for spec in PROGRAMS}
    courses = [_course(rng, client, population[client.program], today_by_program) for client in clients]
    trajectories = _trajectories(rng, courses)
    assessments: list[AssessmentPlan] = []
    for course in courses:
        assessments += _questionnaires(rng, course, trajectories[course.client.key])
    assessments = _safety_flags(rng, courses, trajectories, assessments)
    assessments += _resilience(rng, courses, trajectories)
    goals = _goals(rng, courses, trajectories)
    medications = _medications(rng, courses)
    symptoms, exposures = _symptoms_and_exposures(rng, courses, trajectories)
    return MeasuresPlan(
        trajectories,
        tuple(sorted(assessments, key=lambda a: (a.administered_on, a.client_key, a.instrument))),
        tuple(goals),
        tuple(medications),
        tuple(symptoms),
        tuple(exposures),
    )


def _course(rng: random.Random, client: ClientPlan, population: str, todays: Mapping[str, date]) -> _Course:
    weights = FOCUS_WEIGHTS[population]
    focus = rng.choices(list(weights), weights=list(weights.values()))[0]
    end = client.stints[-1].ended_on
    last = todays[client.program] if end is None else end - timedelta(days=1)
    return _Course(client, population, focus, client.stints[0].started_on, last, end is None)


def _trajectories(rng: random.Random, courses: list[_Course]) -> dict[int, str]:
    """Most improve, some stay flat; one reliably deteriorates and one slips, both still enrolled."""
    kinds: dict[int, str] = {}
    for course in courses:
        persona = course.client.persona
        if persona == "struggling":
            kinds[course.client.key] = "flat"
        elif persona == "steady":
            kinds[course.client.key] = "improving"
        else:
            kinds[course.client.key] = "improving" if rng.random() < 0.8 else "flat"
    enrolled = [c for c in courses if c.enrolled_now]
    for kind, min_weeks in (("deteriorating", 3), ("slipping", 2)):
        pool = [c for c in enrolled if len(c.weeks) >= min_weeks and kinds[c.client.key] != "deteriorating"]
        preferred = [c for c in pool if c.client.persona == "struggling"] or pool
        preferred = [c for c in preferred if kind != "slipping" or c.client.persona != "steady"] or preferred
        if preferred:
            kinds[rng.choice(preferred).client.key] = kind
    return kinds


def _targets(rng: random.Random, kind: str, baseline: int, top: int) -> int:
    """Where the total would be after WEEKS_TO_TARGET weeks."""
    if kind == "improving":
        return rng.randint(2, 8) if top == 27 else rng.randint(2, 6)
    if kind == "flat":
        return min(top, max(0, baseline + rng.choice((-2, -1, 0, 1, 1))))
    if kind == "slipping":
        return min(top, baseline + 3)
    return min(top, baseline + 7)


def _totals(rng: random.Random, course: _Course, kind: str, baseline: int, top: int) -> list[int]:
    """Weekly totals from baseline towards the target: quicker change early, a little week-to-week noise."""
    target = _targets(rng, kind, baseline, top)
    count = len(course.weeks)
    totals = [baseline]
    for week in range(1, count):
        progress = min(1.0, week / (WEEKS_TO_TARGET if kind == "improving" else max(count - 1, 1)))
        progress = 1 - (1 - progress) ** 1.4
        expected = baseline + (target - baseline) * progress
        noise = 0 if week == count - 1 else rng.choice((-1, 0, 0, 1))
        totals.append(max(0, min(top, round(expected) + noise)))
    return totals


def _items(rng: random.Random, total: int, weights: Sequence[float]) -> list[int]:
    """Item answers 0–3 that add up to total, the heavier items filling first."""
    answers = [0] * len(weights)
    for _ in range(total):
        open_items = [i for i, value in enumerate(answers) if value < 3]
        index = rng.choices(open_items, weights=[weights[i] for i in open_items])[0]
        answers[index] += 1
    return answers


def _staff_for(course: _Course, day: date) -> str:
    """The clinician who usually enters measures: the first facilitator of the cohort that day."""
    stint = next((s for s in course.client.stints if s.covers(day)), course.client.stints[-1])
    return next(spec.facilitators[0] for spec in COHORTS if spec.name == stint.cohort)


def _questionnaires(rng: random.Random, course: _Course, kind: str) -> list[AssessmentPlan]:
    """Weekly PHQ-9 and GAD-7: intake by the clinician, then mostly self-report."""
    (phq_low, phq_high), (gad_low, gad_high) = BASELINES[course.focus]
    plans = []
    series = (
        ("phq9", 24, rng.randint(phq_low, phq_high), PHQ9_ITEM_WEIGHTS),
        ("gad7", 21, rng.randint(gad_low, gad_high), GAD7_ITEM_WEIGHTS),
    )
    if kind == "deteriorating":  # starts moderate, so the rise has room
        series = (("phq9", 24, rng.randint(10, 13), PHQ9_ITEM_WEIGHTS), series[1])
    for key, top, baseline, weights in series:
        totals = _totals(rng, course, kind, baseline, top)
        for index, (day, total) in enumerate(zip(course.weeks, totals, strict=True)):
            answers = _items(rng, total, weights)
            if key == "phq9":
                answers.append(0)
            source = "clinician" if index == 0 or rng.random() < 0.15 else "self_report"
            plans.append(
                AssessmentPlan(course.client.key, key, day, tuple(answers), source, _staff_for(course, day))
            )
    return plans


def _with_item9(rng: random.Random, plan: AssessmentPlan, note: str | None) -> AssessmentPlan:
    """The same total with item 9 answered 1 ("several days"), taken from another item."""
    answers = list(plan.answers)
    donors = [i for i in range(8) if answers[i] > 0]
    if donors:
        answers[rng.choice(donors)] -= 1
    answers[8] = 1
    return AssessmentPlan(
        plan.client_key,
        plan.instrument,
        plan.administered_on,
        tuple(answers),
        "clinician",
        plan.entered_by,
        note,
    )


def _safety_flags(
    rng: random.Random,
    courses: list[_Course],
    trajectories: dict[int, str],
    assessments: list[AssessmentPlan],
) -> list[AssessmentPlan]:
    """Item 9 above 0 exactly twice: the deteriorating client's latest PHQ-9 (left open) and one
    improving client's intake PHQ-9 (acknowledged by the clinician)."""
    phq = {}
    for plan in assessments:
        if plan.instrument == "phq9":
            phq.setdefault(plan.client_key, []).append(plan)
    changed: dict[AssessmentPlan, AssessmentPlan] = {}
    worse = [key for key, kind in trajectories.items() if kind == "deteriorating"]
    if worse:
        latest = phq[worse[0]][-1]
        changed[latest] = _with_item9(rng, latest, None)
    older = [
        c.client.key
        for c in courses
        if trajectories[c.client.key] == "improving" and len(c.weeks) >= 3 and c.client.key not in worse
    ]
    if older:
        intake = phq[rng.choice(older)][0]
        changed[intake] = _with_item9(rng, intake, SAFETY_ACK_NOTE)
    return [changed.get(plan, plan) for plan in assessments]


def _resilience(
    rng: random.Random, courses: list[_Course], trajectories: dict[int, str]
) -> list[AssessmentPlan]:
    """The adult program's resilience check, weekly from the second week, for a handful of clients."""
    adults = [c for c in courses if c.population == "adult" and len(c.weeks) >= 3]
    chosen = rng.sample(adults, min(5, len(adults)))
    plans = []
    for course in sorted(chosen, key=lambda c: c.client.key):
        kind = trajectories[course.client.key]
        start = rng.randint(11, 15)
        step = {"improving": 2, "flat": 0, "slipping": -1, "deteriorating": -1}[kind]
        for week, day in enumerate(course.weeks[1:]):
            total = max(6, min(30, start + step * week + (rng.choice((-1, 0, 1)) if week else 0)))
            answers = [1] * len(RESILIENCE_ITEMS)
            for _ in range(total - len(answers)):
                index = rng.choice([i for i, value in enumerate(answers) if value < 5])
                answers[index] += 1
            plans.append(
                AssessmentPlan(
                    course.client.key,
                    RESILIENCE_KEY,
                    day,
                    tuple(answers),
                    "self_report",
                    _staff_for(course, day),
                )
            )
    return plans


def _goals(rng: random.Random, courses: list[_Course], trajectories: dict[int, str]) -> list[GoalPlan]:
    """1–3 goals for most clients, rated on admission and then every week or two; one achieved, one
    dropped."""
    plans = []
    achieved_done = dropped_done = False
    for course in courses:
        if rng.random() < 0.15:
            continue
        kind = trajectories[course.client.key]
        pool = list(GOALS[course.focus])
        if course.population == "adolescent":
            pool = [g for g in pool if g[0] != "Return to part-time work"]
        picks = rng.sample(pool, min(len(pool), rng.choice((1, 2, 2, 3))))
        for title, domain in picks:
            ratings = _ratings(rng, course, kind)
            state = "active"
            long_enough = len(ratings) >= 3
            if not achieved_done and kind == "improving" and long_enough:
                ratings[-1] = RatingPlan(ratings[-1].rated_on, 2, GOAL_NOTES[2])
                state, achieved_done = "achieved", True
            elif not dropped_done and kind == "flat" and long_enough:
                ratings[-1] = RatingPlan(ratings[-1].rated_on, -1, DROPPED_NOTE)
                state, dropped_done = "dropped", True
            plans.append(
                GoalPlan(
                    course.client.key,
                    title,
                    domain,
                    course.first + timedelta(weeks=8),
                    tuple(ratings),
                    state,
                    _staff_for(course, course.first),
                )
            )
    return plans


def _ratings(rng: random.Random, course: _Course, kind: str) -> list[RatingPlan]:
    level = rng.choice((-2, -1, -1))
    ratings = [RatingPlan(course.first, level, GOAL_NOTES[level])]
    day = course.first + timedelta(days=rng.choice((7, 14)))
    while day <= course.last:
        if kind == "improving":
            level = min(2, level + rng.choice((0, 1, 1)))
        elif kind == "flat":
            level = max(-2, min(0, level + rng.choice((-1, 0, 0, 1))))
        else:
            level = max(-2, level - rng.choice((0, 0, 1)))
        ratings.append(RatingPlan(day, level, GOAL_NOTES[level]))
        day += timedelta(days=rng.choice((7, 7, 14)))
    return ratings


def _medications(rng: random.Random, courses: list[_Course]) -> list[MedicationPlan]:
    """About two thirds take something; dose logs over the enrollment, fills every 30 days."""
    chosen_keys = {c.client.key for c in rng.sample(courses, round(len(courses) * MEDICATED_SHARE))}
    medicated = [c for c in courses if c.client.key in chosen_keys]
    plans = []
    overlap_done = gap_done = False
    # A few poor adherers: one in a small clinic, two from about sixteen medicated clients.
    poor = {c.client.key for c in rng.sample(medicated, min(1 + len(medicated) // 16, len(medicated)))}
    side_effects_left = 2
    for course in medicated:
        regimens = list(
            ADOLESCENT_MEDICATIONS if course.population == "adolescent" else MEDICATIONS[course.focus]
        )
        chosen = [rng.choice(regimens)]
        if course.population == "adult" and course.focus in ("depression", "eating") and rng.random() < 0.3:
            chosen.append(SLEEP_MEDICATION)
        if course.population == "adult" and course.focus in ("panic", "anxiety") and rng.random() < 0.4:
            chosen.append(AS_NEEDED_MEDICATION)
        adherence = rng.uniform(0.4, 0.6) if course.client.key in poor else rng.uniform(0.82, 0.98)
        coverage = rng.uniform(0.7, 1.0)
        for name, dose, per_day in chosen:
            already = rng.random() < 0.6
            started = course.first - timedelta(days=rng.randint(20, 120)) if already else course.first
            if not already:
                started += timedelta(days=rng.randint(0, min(7, (course.last - course.first).days)))
            as_needed = "as needed" in dose
            doses = _doses(rng, course, started, adherence, coverage, as_needed)
            fills = _fills(rng, course, started, overlap=not overlap_done, gap=not gap_done)
            if any(b - a < timedelta(days=FILL_DAYS) for a, b in zip(fills, fills[1:], strict=False)):
                overlap_done = True
            if any(b - a > timedelta(days=FILL_DAYS) for a, b in zip(fills, fills[1:], strict=False)):
                gap_done = True
            side_effects = ()
            if side_effects_left and name in SIDE_EFFECTS and not already:
                description, severity = SIDE_EFFECTS[name]
                reported = min(course.last, started + timedelta(days=rng.randint(3, 8)))
                side_effects = ((reported, description, severity),)
                side_effects_left -= 1
            plans.append(
                MedicationPlan(
                    course.client.key,
                    name,
                    dose,
                    per_day,
                    rng.choice(PRESCRIBERS),
                    started,
                    doses,
                    tuple((day, FILL_DAYS) for day in fills),
                    side_effects,
                    CASE_MANAGER_EMAIL if course.population == "adult" else CLINICIAN_EMAIL,
                )
            )
    return plans


def _doses(
    rng: random.Random,
    course: _Course,
    started: date,
    adherence: float,
    coverage: float,
    as_needed: bool,
) -> tuple[tuple[date, str], ...]:
    """Daily statuses from the later of admission and the start; some days are never logged."""
    doses = []
    for day in course.days:
        if day < started:
            continue
        if as_needed:
            if rng.random() < 0.25:
                doses.append((day, rng.choice(("taken", "partial"))))
            continue
        if rng.random() > coverage:
            continue
        if rng.random() < adherence:
            status = "taken"
        else:
            status = rng.choices(("partial", "missed", "refused"), weights=(3, 6, 1))[0]
        doses.append((day, status))
    return tuple(doses)


def _fills(rng: random.Random, course: _Course, started: date, overlap: bool, gap: bool) -> list[date]:
    """A fill at the start and every 30 days up to the last enrolled day; one early, one late."""
    fills = [started]
    while True:
        step = FILL_DAYS
        if overlap and len(fills) >= 1 and fills[-1] + timedelta(days=FILL_DAYS) > course.first:
            step, overlap = FILL_DAYS - rng.randint(4, 6), False
        elif gap and len(fills) >= 1 and fills[-1] + timedelta(days=FILL_DAYS) > course.first:
            step, gap = FILL_DAYS + rng.randint(6, 9), False
        following = fills[-1] + timedelta(days=step)
        if following > course.last:
            return fills
        fills.append(following)


def _symptoms_and_exposures(
    rng: random.Random, courses: list[_Course], trajectories: dict[int, str]
) -> tuple[list[SymptomPlan], list[ExposurePlan]]:
    """Weekly panic counts (and binge episodes) falling for improvers; exposures for one or two clients."""
    symptoms = []
    exposures = []
    long = sorted(
        (c for c in courses if len(c.weeks) >= 4 and trajectories[c.client.key] == "improving"),
        key=lambda c: (-len(c.weeks), c.client.key),
    )
    # Panic counts for a panic-disorder client (else the most anxious improver); binges for an eating one.
    panic = next((c for c in long if c.focus == "panic"), None) or next(
        (c for c in long if c.focus != "depression"), None
    )
    eating = next((c for c in long if c.focus == "eating" and c is not panic), None)
    for course, symptom, start in ((panic, "Panic attacks", 6), (eating, "Binge episodes", 4)):
        if course is None:
            continue
        count = start + rng.randint(0, 2)
        severity = rng.randint(7, 9)
        for week, day in enumerate(course.weeks[1:], start=1):
            count = max(0, count - rng.choice((0, 1, 1, 2)))
            severity = max(3, severity - rng.choice((0, 1)))
            note = "Counted over the past week." if week == 1 else ""
            symptoms.append(SymptomPlan(course.client.key, symptom, day, count, severity, note))
    exposed = [c for c in long if c.focus in EXPOSURE_SITUATIONS][:2] or long[:1]
    for course in exposed:
        situation = EXPOSURE_SITUATIONS.get(course.focus, "Speaking up in a team meeting")
        weeks = course.weeks[1:]
        before_start, before_end = rng.randint(78, 85), rng.randint(42, 48)
        days = [
            day
            for monday in weeks
            for offset in sorted(rng.sample(range(1, 6), 2))
            if (day := monday + timedelta(days=offset)) <= course.last
        ]
        # Progress runs from the first exercise to the last one done so far, whatever day the demo is seeded.
        for number, day in enumerate(days):
            progress = number / max(len(days) - 1, 1)
            before = round(before_start + (before_end - before_start) * progress) + rng.randint(-2, 2)
            after = max(10, before - rng.randint(15, 30))
            exposures.append(ExposurePlan(course.client.key, situation, day, min(100, before), after, ""))
    return symptoms, exposures
