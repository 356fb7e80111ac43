"""The demo's questionnaire scores: each client's trajectory, PHQ-9/GAD-7 totals and items, safety flags."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date

from iop.demo.content import COHORTS
from iop.demo.measure_content import (
    BASELINES,
    GAD7_ITEM_WEIGHTS,
    PHQ9_ITEM_WEIGHTS,
    RESILIENCE_ITEMS,
    RESILIENCE_KEY,
    SAFETY_ACK_NOTE,
)
from iop.demo.shapes import AssessmentPlan, Course

# improving: most; flat: no real change; slipping: a little worse; deteriorating: reliably worse.
TRAJECTORIES = ("improving", "flat", "slipping", "deteriorating")
WEEKS_TO_TARGET = 6


def plan_trajectories(rng: random.Random, courses: list[Course]) -> dict[int, str]:
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


def _totals(rng: random.Random, course: Course, kind: str, baseline: int, top: int) -> list[int]:
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


def staff_for(course: Course, day: date) -> str:
    """The clinician who usually enters measures: the first facilitator of the cohort that day."""
    stint = next((s for s in course.client.stints if s.covers(day)), course.client.stints[-1])
    return next(spec.facilitators[0] for spec in COHORTS if spec.name == stint.cohort)


def plan_questionnaires(rng: random.Random, course: Course, kind: str) -> list[AssessmentPlan]:
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
                AssessmentPlan(course.client.key, key, day, tuple(answers), source, staff_for(course, day))
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


def plan_safety_flags(
    rng: random.Random,
    courses: list[Course],
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


def plan_resilience(
    rng: random.Random, courses: list[Course], trajectories: dict[int, str]
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
                    staff_for(course, day),
                )
            )
    return plans
