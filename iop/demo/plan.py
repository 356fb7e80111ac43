"""The demo clinic as plain data: a pure function of the seed, the sizes and each program's today."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from iop.clinical.attendance import ABSENT
from iop.clinical.weeks import week_start
from iop.demo.content import (
    ADOLESCENT,
    ADOLESCENT_SHARE,
    AGE_RANGE,
    COHORTS,
    FIRST_GROUP_NOTE,
    FIRST_NAMES,
    LAST_NAMES,
    MINUTES_MISSED,
    OBSERVATIONS,
    PARTICIPATION_WEIGHTS,
    PAST_CANCELLATIONS,
    PERSONA_WEIGHTS,
    ROW_NOTES,
    STATUS_WEIGHTS,
    TOPICS,
    UPCOMING_CANCELLATIONS,
    CohortSpec,
)
from iop.demo.measures import plan_measures
from iop.demo.shapes import Cancellation, ClientPlan, MeasuresPlan, NotePlan, RowPlan, SessionPlan, Stint

UPCOMING_WEEKS = 4
STEP_DOWN_DAYS = 35
DISCHARGE_DAYS = 21


@dataclass(frozen=True)
class ClinicPlan:
    generate_from: dict[str, date]  # program name -> Monday the sessions start
    generate_weeks: int
    clients: tuple[ClientPlan, ...]
    cancellations: tuple[Cancellation, ...]
    sessions: tuple[SessionPlan, ...]
    measures: MeasuresPlan


def plan_clinic(seed: int, clients: int, weeks: int, today_by_program: Mapping[str, date]) -> ClinicPlan:
    """Decide everything about the demo clinic; the same arguments always give the same plan."""
    if clients < len(COHORTS) or weeks < 1:
        raise ValueError(
            f"The demo needs at least {len(COHORTS)} clients (one per cohort) and one week of history."
        )
    rng = random.Random(seed)
    generate_from = {
        name: week_start(today) - timedelta(weeks=weeks) for name, today in today_by_program.items()
    }
    generate_weeks = weeks + UPCOMING_WEEKS
    calendars = {
        spec.name: meeting_dates(spec, generate_from[spec.program], generate_weeks) for spec in COHORTS
    }
    client_plans = _plan_endings(
        rng, _plan_admissions(rng, clients, weeks, today_by_program, calendars), today_by_program
    )
    cancellations = _plan_cancellations(rng, calendars, today_by_program)
    sessions = _plan_sessions(rng, client_plans, calendars, cancellations, today_by_program)
    measures = plan_measures(seed, client_plans, today_by_program)
    return ClinicPlan(
        generate_from, generate_weeks, tuple(client_plans), tuple(cancellations), tuple(sessions), measures
    )


def meeting_dates(spec: CohortSpec, start: date, weeks: int) -> list[date]:
    """The dates the cohort meets on, from start for that many weeks."""
    days = (start + timedelta(days=offset) for offset in range(7 * weeks))
    return [day for day in days if str(day.weekday()) in spec.meeting_days]


def members_on(client_plans: list[ClientPlan], cohort: str, day: date) -> list[ClientPlan]:
    """The clients who belong to the cohort on that day."""
    return [c for c in client_plans if any(s.cohort == cohort and s.covers(day) for s in c.stints)]


def _weighted(rng: random.Random, weights: Mapping) -> object:
    """One key of the mapping, drawn with its value as weight."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _cohort_sizes(clients: int) -> dict[str, int]:
    """How many clients each cohort admits: a third adolescents, the adults split by share."""
    adolescents = round(clients * ADOLESCENT_SHARE)
    adults = clients - adolescents
    morning = round(adults * COHORTS[0].share)
    return {COHORTS[0].name: morning, COHORTS[1].name: adults - morning, COHORTS[2].name: adolescents}


def _names(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """Distinct full names; first and last names repeat as little as the lists allow."""
    firsts = rng.sample(FIRST_NAMES, len(FIRST_NAMES))
    lasts = rng.sample(LAST_NAMES, len(LAST_NAMES))
    spread = [
        (firsts[i % len(firsts)], lasts[i % len(lasts)]) for i in range(math.lcm(len(firsts), len(lasts)))
    ]
    used = set(spread)
    pairs = spread + [pair for pair in itertools.product(firsts, lasts) if pair not in used]
    if count > len(pairs):
        raise ValueError(f"The demo has names for at most {len(pairs)} clients.")
    return pairs[:count]


def _personas(rng: random.Random, count: int) -> list[str]:
    """Mostly typical clients; one each of steady, struggling, technical and disengaged when there is room."""
    fixed = ["steady", "struggling", "technical", "disengaged"][:count]
    personas = fixed + [_weighted(rng, PERSONA_WEIGHTS) for _ in range(count - len(fixed))]
    rng.shuffle(personas)
    return personas


def _admission_weeks(rng: random.Random, count: int, weeks: int) -> list[int]:
    """Rolling admission: about a third in week 0, one in the current week (index weeks), the rest between."""
    opening = max(1, round(count * 0.35))
    this_week = 1 if count - opening >= 3 else 0
    between = [rng.randrange(1, weeks) if weeks > 1 else 0 for _ in range(count - opening - this_week)]
    return [0] * opening + sorted(between) + [weeks] * this_week


def _admission_day(
    rng: random.Random, meeting_days: list[date], monday: date, today: date, first: bool
) -> date:
    """A meeting day early in that week (never after today); the cohort's first client starts on day one."""
    days = [day for day in meeting_days if monday <= day < monday + timedelta(days=7) and day <= today]
    if first or len(days) == 1:
        return days[0]
    return rng.choice(days[:2])


def _date_of_birth(rng: random.Random, population: str, admitted: date) -> date:
    youngest, oldest = AGE_RANGE[population]
    return admitted - timedelta(days=rng.randint(youngest, oldest) * 365 + rng.randrange(365))


def _plan_admissions(
    rng: random.Random, clients: int, weeks: int, todays: Mapping[str, date], calendars: dict[str, list[date]]
) -> list[ClientPlan]:
    """Every client with a name, a date of birth, a persona and a staggered admission to one cohort."""
    names = iter(_names(rng, clients))
    personas = iter(_personas(rng, clients))
    plans: list[ClientPlan] = []
    for spec, size in zip(COHORTS, _cohort_sizes(clients).values(), strict=True):
        population = "adolescent" if spec.program == ADOLESCENT else "adult"
        first_monday = week_start(calendars[spec.name][0])
        for index, week in enumerate(_admission_weeks(rng, size, weeks)):
            monday = first_monday + timedelta(weeks=week)
            admitted = _admission_day(
                rng, calendars[spec.name], monday, todays[spec.program], first=index == 0
            )
            first_name, last_name = next(names)
            plans.append(
                ClientPlan(
                    key=len(plans),
                    program=spec.program,
                    first_name=first_name,
                    last_name=last_name,
                    date_of_birth=_date_of_birth(rng, population, admitted),
                    persona=next(personas),
                    stints=(Stint(spec.name, admitted),),
                )
            )
    return plans


def _plan_endings(
    rng: random.Random, plans: list[ClientPlan], todays: Mapping[str, date]
) -> list[ClientPlan]:
    """A few step-downs after about five weeks, one discharge, one move from the morning to the evening."""
    by_key = {plan.key: plan for plan in plans}

    def candidates(cohorts: tuple[str, ...], days: int, personas: tuple[str, ...]) -> list[ClientPlan]:
        """Clients still in their first stint whose admission lies at least `days` before today."""
        return [
            plan
            for plan in by_key.values()
            if len(plan.stints) == 1
            and plan.stints[0].ended_on is None
            and plan.stints[0].cohort in cohorts
            and plan.persona in personas
            and plan.stints[0].started_on + timedelta(days=days) <= todays[plan.program]
        ]

    everyone = tuple(spec.name for spec in COHORTS)
    pool = candidates(everyone, STEP_DOWN_DAYS + 4, ("steady", "typical"))
    for plan in rng.sample(pool, min(max(1, len(plans) // 10), len(pool))):
        by_key[plan.key] = _end(plan, STEP_DOWN_DAYS + rng.randint(0, 4), "stepped_down")
    pool = candidates(everyone, DISCHARGE_DAYS + 6, ("struggling",)) or candidates(
        everyone, DISCHARGE_DAYS + 6, ("typical",)
    )
    if pool:
        plan = rng.choice(pool)
        by_key[plan.key] = _end(plan, DISCHARGE_DAYS + rng.randint(0, 6), "discharged")
    pool = candidates((COHORTS[0].name,), 14, ("typical", "technical", "steady"))
    if pool:
        plan = rng.choice(pool)
        by_key[plan.key] = _transfer(plan, COHORTS[1].name)
    return [by_key[plan.key] for plan in plans]


def _end(plan: ClientPlan, days: int, reason: str) -> ClientPlan:
    stint = plan.stints[0]
    return replace(
        plan, stints=(replace(stint, ended_on=stint.started_on + timedelta(days=days), end_reason=reason),)
    )


def _transfer(plan: ClientPlan, target: str) -> ClientPlan:
    """Move on the Monday two weeks after the admission week (both adult cohorts meet on Mondays)."""
    stint = plan.stints[0]
    effective = week_start(stint.started_on) + timedelta(weeks=2)
    return replace(
        plan, stints=(replace(stint, ended_on=effective, end_reason="transferred"), Stint(target, effective))
    )


def _plan_cancellations(
    rng: random.Random, calendars: dict[str, list[date]], todays: Mapping[str, date]
) -> list[Cancellation]:
    """A past session or two (never the last two, which the team is still writing up) and one upcoming."""
    program_of = {spec.name: spec.program for spec in COHORTS}
    cancellations = []
    for cohort, reason in PAST_CANCELLATIONS:
        past = [day for day in calendars[cohort] if day < todays[program_of[cohort]]]
        if past[1:-2]:
            cancellations.append(Cancellation(cohort, rng.choice(past[1:-2]), reason))
    for cohort, reason in UPCOMING_CANCELLATIONS:
        upcoming = [day for day in calendars[cohort] if day > todays[program_of[cohort]]]
        if upcoming:
            cancellations.append(Cancellation(cohort, rng.choice(upcoming[:6]), reason))
    return cancellations


def _topics(rng: random.Random) -> Iterator[str]:
    """Every topic once in a shuffled order, then again, never the same topic twice in a row."""
    last = None
    while True:
        topics = sorted(TOPICS)
        rng.shuffle(topics)
        if topics[0] == last:
            topics.append(topics.pop(0))
        yield from topics
        last = topics[-1]


def _plan_sessions(
    rng: random.Random,
    plans: list[ClientPlan],
    calendars: dict[str, list[date]],
    cancellations: list[Cancellation],
    todays: Mapping[str, date],
) -> list[SessionPlan]:
    """Attendance and a note for every past session with members; the last one or two stay unsigned."""
    cancelled = {(c.cohort, c.session_date) for c in cancellations}
    sessions = []
    for spec in COHORTS:
        held = [
            (day, members)
            for day in calendars[spec.name]
            if day < todays[spec.program] and (spec.name, day) not in cancelled
            if (members := members_on(plans, spec.name, day))
        ]
        signed_count = len(held) - rng.choice((1, 2))
        topics = _topics(rng)
        seen: set[int] = set()
        for index, (day, members) in enumerate(held):
            rows = []
            for client in members:
                first_group = client.stints[0].cohort == spec.name and client.key not in seen
                seen.add(client.key)
                rows.append(_plan_row(rng, client, spec.duration_minutes, first_group))
            note = _plan_note(rng, next(topics), rows, signed=index < signed_count)
            sessions.append(SessionPlan(spec.name, day, tuple(rows), note))
    return sessions


def _plan_row(rng: random.Random, client: ClientPlan, duration: int, first_group: bool) -> RowPlan:
    status = _weighted(rng, STATUS_WEIGHTS[client.persona])
    participation = None if status in ABSENT else _weighted(rng, PARTICIPATION_WEIGHTS[client.persona])
    minutes = None
    if status in MINUTES_MISSED and rng.random() < 0.35:
        minutes = duration - rng.choice(MINUTES_MISSED[status])
    note = ""
    if first_group and status not in ABSENT:
        note = FIRST_GROUP_NOTE
    elif rng.random() < (0.05 if status == "present" else 0.2):
        note = rng.choice(ROW_NOTES[status])
    return RowPlan(client.key, status, minutes, participation, note)


def _plan_note(rng: random.Random, topic: str, rows: list[RowPlan], signed: bool) -> NotePlan:
    attended = sum(1 for row in rows if row.status not in ABSENT)
    observations = f"{attended} of {len(rows)} members attended. {rng.choice(OBSERVATIONS)}"
    return NotePlan(topic, TOPICS[topic], observations, signed)
