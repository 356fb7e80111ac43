"""The demo's treatment record: goals with ratings, medications with doses and fills, symptoms, exposures."""

from __future__ import annotations

import random
from datetime import date, timedelta

from iop.demo.content import CASE_MANAGER_EMAIL, CLINICIAN_EMAIL
from iop.demo.measure_content import (
    ADOLESCENT_MEDICATIONS,
    AS_NEEDED_MEDICATION,
    DROPPED_NOTE,
    EXPOSURE_SITUATIONS,
    FILL_DAYS,
    GOAL_NOTES,
    GOALS,
    MEDICATIONS,
    PRESCRIBERS,
    SIDE_EFFECTS,
    SLEEP_MEDICATION,
)
from iop.demo.scores import staff_for
from iop.demo.shapes import Course, ExposurePlan, GoalPlan, MedicationPlan, RatingPlan, SymptomPlan

MEDICATED_SHARE = 2 / 3  # of the clients take a scheduled medication


def plan_goals(rng: random.Random, courses: list[Course], trajectories: dict[int, str]) -> list[GoalPlan]:
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
                    staff_for(course, course.first),
                )
            )
    return plans


def _ratings(rng: random.Random, course: Course, kind: str) -> list[RatingPlan]:
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


def plan_medications(rng: random.Random, courses: list[Course]) -> list[MedicationPlan]:
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
    course: Course,
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


def _fills(rng: random.Random, course: Course, started: date, overlap: bool, gap: bool) -> list[date]:
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


def plan_symptoms_and_exposures(
    rng: random.Random, courses: list[Course], trajectories: dict[int, str]
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
