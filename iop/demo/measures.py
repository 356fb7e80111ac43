"""The demo clinic's measures as plain data: questionnaires, goals, medications, symptoms, exposures.

A pure function of the seed and the already planned clients, with its own random stream so the
attendance part of the plan stays exactly as it was.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from iop.demo.content import PROGRAMS
from iop.demo.measure_content import FOCUS_WEIGHTS
from iop.demo.scores import plan_questionnaires, plan_resilience, plan_safety_flags, plan_trajectories
from iop.demo.shapes import AssessmentPlan, ClientPlan, Course, MeasuresPlan
from iop.demo.treatment import plan_goals, plan_medications, plan_symptoms_and_exposures


def plan_measures(
    seed: int, clients: Sequence[ClientPlan], today_by_program: Mapping[str, date]
) -> MeasuresPlan:
    """Decide every measure of the planned clients; the same arguments always give the same plan."""
    rng = random.Random(f"{seed}:measures")
    population = {spec.name: spec.population for spec in PROGRAMS}
    courses = [_course(rng, client, population[client.program], today_by_program) for client in clients]
    trajectories = plan_trajectories(rng, courses)
    assessments: list[AssessmentPlan] = []
    for course in courses:
        assessments += plan_questionnaires(rng, course, trajectories[course.client.key])
    assessments = plan_safety_flags(rng, courses, trajectories, assessments)
    assessments += plan_resilience(rng, courses, trajectories)
    goals = plan_goals(rng, courses, trajectories)
    medications = plan_medications(rng, courses)
    symptoms, exposures = plan_symptoms_and_exposures(rng, courses, trajectories)
    return MeasuresPlan(
        trajectories,
        tuple(sorted(assessments, key=lambda a: (a.administered_on, a.client_key, a.instrument))),
        tuple(goals),
        tuple(medications),
        tuple(symptoms),
        tuple(exposures),
    )


def _course(rng: random.Random, client: ClientPlan, population: str, todays: Mapping[str, date]) -> Course:
    weights = FOCUS_WEIGHTS[population]
    focus = rng.choices(list(weights), weights=list(weights.values()))[0]
    end = client.stints[-1].ended_on
    last = todays[client.program] if end is None else end - timedelta(days=1)
    return Course(client, population, focus, client.stints[0].started_on, last, end is None)
