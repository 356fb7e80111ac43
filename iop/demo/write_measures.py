"""Write the planned measures through the real services (audited, with the staff member as actor)."""

from __future__ import annotations

from sqlalchemy import select

from iop.demo.content import ADMIN_EMAIL, ADULT
from iop.demo.measure_content import (
    RESILIENCE_BANDS,
    RESILIENCE_ITEMS,
    RESILIENCE_KEY,
    RESILIENCE_LABELS,
    RESILIENCE_NAME,
    RESILIENCE_RELIABLE_CHANGE,
)
from iop.demo.shapes import MeasuresPlan
from iop.extensions import db
from iop.models import Alert, Client, Program, User
from iop.services.alerts import acknowledge_alert
from iop.services.assessments import record_assessment
from iop.services.custom_instruments import InstrumentDefinition, create_custom_instrument
from iop.services.goals import add_goal, change_goal_state, rate_goal
from iop.services.medication import add_fill, add_medication, add_side_effect, set_dose
from iop.services.symptoms import log_exposure, log_symptom

RESILIENCE = InstrumentDefinition(
    key=RESILIENCE_KEY,
    name=RESILIENCE_NAME,
    items=list(RESILIENCE_ITEMS),
    scale_min=1,
    scale_max=5,
    option_labels=list(RESILIENCE_LABELS),
    higher_is_better=True,
    reliable_change=RESILIENCE_RELIABLE_CHANGE,
    bands=[tuple(band) for band in RESILIENCE_BANDS],
)


def write_measures(
    plan: MeasuresPlan, clients: dict[int, Client], programs: dict[str, Program], staff: dict[str, User]
) -> None:
    """Questionnaires (with their alerts), goals, medications, symptom counts and exposures."""
    adult = programs[ADULT]
    create_custom_instrument(adult, RESILIENCE, staff[ADMIN_EMAIL])
    for item in plan.assessments:
        actor = staff[item.entered_by]
        response = record_assessment(
            clients[item.client_key],
            item.instrument,
            list(item.answers),
            item.administered_on,
            item.source,
            actor,
        )
        if item.acknowledge_note:
            alert = db.session.scalar(select(Alert).where(Alert.response_id == response.id))
            acknowledge_alert(alert, item.acknowledge_note, actor)
    for goal_plan in plan.goals:
        actor = staff[goal_plan.actor]
        goal = add_goal(
            clients[goal_plan.client_key], goal_plan.title, goal_plan.domain, goal_plan.target_date, actor
        )
        for rating in goal_plan.ratings:
            rate_goal(goal, rating.rated_on, rating.level, rating.note, actor)
        if goal_plan.state != "active":
            change_goal_state(goal, goal_plan.state, actor)
    for med_plan in plan.medications:
        client = clients[med_plan.client_key]
        actor = staff[med_plan.actor]
        today = client.program.today()
        medication = add_medication(
            client,
            name=med_plan.name,
            dose=med_plan.dose,
            doses_per_day=med_plan.doses_per_day,
            prescriber=med_plan.prescriber,
            started_on=med_plan.started_on,
            ended_on=None,
            actor=actor,
        )
        for filled_on, days_supply in med_plan.fills:
            add_fill(medication, filled_on, days_supply, actor, today)
        for day, status in med_plan.doses:
            set_dose(medication, day, status, actor, today)
        for reported_on, description, severity in med_plan.side_effects:
            add_side_effect(medication, reported_on, description, severity, actor, today)
    for symptom in plan.symptoms:
        log_symptom(
            clients[symptom.client_key],
            symptom=symptom.symptom,
            recorded_on=symptom.recorded_on,
            occurrences=symptom.occurrences,
            severity=symptom.severity,
            note=symptom.note,
            actor=_clinician_of(plan, symptom.client_key, staff),
        )
    for exposure in plan.exposures:
        log_exposure(
            clients[exposure.client_key],
            situation=exposure.situation,
            done_on=exposure.done_on,
            anxiety_before=exposure.anxiety_before,
            anxiety_after=exposure.anxiety_after,
            note=exposure.note,
            actor=_clinician_of(plan, exposure.client_key, staff),
        )


def _clinician_of(plan: MeasuresPlan, client_key: int, staff: dict[str, User]) -> User:
    """Whoever entered the client's intake questionnaire."""
    email = next(a.entered_by for a in plan.assessments if a.client_key == client_key)
    return staff[email]
