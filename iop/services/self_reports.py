"""What the client reported by personal link, as the care team reads it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from iop.clinical.checkins import SELF_REPORT_INSTRUMENTS, QuestionnaireWindow, questionnaire_window
from iop.clinical.instruments import STANDARD_INSTRUMENTS, Instrument
from iop.extensions import db
from iop.models import AssessmentResponse, AuditEvent, Client

# What a client does by link, and what the schedule does for them, audited with no staff actor.
CLIENT_ACTIONS = (
    "client_link.open",
    "client_link.refused",
    "client_link.second_factor_failed",
    "client_link.throttled",
    "client_link.sign_out",
    "client_link.renew",
    "client.self_view",
    "checkin.submit",
    "assessment.record",
)


def client_activity_log(client: Client, limit: int = 50) -> list[tuple[AuditEvent, dict]]:
    """What was done through the client's personal links (opened, viewed, sent, refused), newest first."""
    rows = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.client_id == client.id,
            AuditEvent.action.in_(CLIENT_ACTIONS),
            AuditEvent.actor_id.is_(None),
        )
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return [(event, json.loads(event.details or "{}")) for event in rows]


@dataclass(frozen=True)
class DueQuestionnaire:
    """A self-report questionnaire of the client's: its window (due date, last day) and latest answer."""

    instrument: Instrument
    window: QuestionnaireWindow
    latest_on: date | None

    def is_open(self, today: date) -> bool:
        return self.window.is_open(today)


def client_questionnaires(client: Client) -> list[DueQuestionnaire]:
    """PHQ-9 and GAD-7 on the program's weekly cadence for a client enrolled today (none otherwise)."""
    today = client.program.today()
    enrollment = next((e for e in client.enrollments if e.is_active_on(today)), None)
    if enrollment is None:
        return []
    latest = {
        instrument: day
        for instrument, day in db.session.execute(
            select(AssessmentResponse.instrument, func.max(AssessmentResponse.administered_on))
            .where(
                AssessmentResponse.client_id == client.id,
                AssessmentResponse.instrument.in_(SELF_REPORT_INSTRUMENTS),
                AssessmentResponse.superseded_by_id.is_(None),
            )
            .group_by(AssessmentResponse.instrument)
        )
    }
    return [
        DueQuestionnaire(
            STANDARD_INSTRUMENTS[key],
            questionnaire_window(latest.get(key), enrollment.started_on, today),
            latest.get(key),
        )
        for key in SELF_REPORT_INSTRUMENTS
    ]
