"""Recording questionnaire responses: scored by iop.clinical, immutable, corrected by superseding."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from iop.clinical.instruments import score
from iop.extensions import db
from iop.models import ASSESSMENT_SOURCES, AssessmentResponse, Client, User
from iop.services.alerts import raise_alert
from iop.services.audit import record_event
from iop.services.custom_instruments import instrument_for


class AssessmentRefused(ValueError):
    """The response cannot be recorded as asked (bad source, future date, wrong correction)."""


def record_assessment(
    client: Client,
    instrument_key: str,
    answers: Sequence[int | None],
    administered_on: date,
    source: str,
    actor: User,
    supersedes: AssessmentResponse | None = None,
) -> AssessmentResponse:
    """Score and store one response; a suicide_risk flag raises an alert in the same transaction
    (its id is in the response's raised_alert_ids, for the caller to schedule its escalation check).

    AnswerError (a ValueError) names every missing or bad item; nothing is stored then.
    """
    if source not in ASSESSMENT_SOURCES:
        raise AssessmentRefused(f"unknown source {source!r}")
    if administered_on > client.program.today():
        raise AssessmentRefused("The date cannot be in the future.")
    if supersedes is not None:
        _check_correction(client, instrument_key, supersedes)
    result = score(instrument_for(client.program_id, instrument_key), answers)
    enrollment = next((e for e in client.enrollments if e.is_active_on(administered_on)), None)
    response = AssessmentResponse(
        client_id=client.id,
        enrollment_id=enrollment.id if enrollment else None,
        instrument=result.instrument,
        administered_on=administered_on,
        answers_json=json.dumps(list(answers)),
        total=result.total,
        severity=result.severity,
        flags_text=" ".join(sorted(result.flags)),
        source=source,
        entered_by_id=actor.id,
    )
    db.session.add(response)
    db.session.flush()
    if supersedes is not None:
        # The one change a response ever takes: a pointer to its correction.
        supersedes.superseded_by_id = response.id
    record_event(
        "assessment.record",
        "assessment_response",
        response.id,
        client.id,
        actor_id=actor.id,
        details={
            "instrument": response.instrument,
            "total": response.total,
            "severity": response.severity,
            "flags": sorted(result.flags),
            "supersedes": supersedes.id if supersedes else None,
        },
    )
    if "suicide_risk" in result.flags:
        response.raised_alert_ids = (raise_alert(response, "suicide_risk", actor).id,)
    db.session.flush()
    return response


def _check_correction(client: Client, instrument_key: str, old: AssessmentResponse) -> None:
    if old.client_id != client.id or old.instrument != instrument_key:
        raise AssessmentRefused("A correction must be of the same client and questionnaire.")
    if old.superseded_by_id is not None:
        raise AssessmentRefused("That response was already corrected; correct the newest one.")


def client_responses(client: Client) -> list[AssessmentResponse]:
    """Every response of a client, newest first, corrections and superseded ones alike."""
    return list(
        db.session.scalars(
            select(AssessmentResponse)
            .where(AssessmentResponse.client_id == client.id)
            .order_by(AssessmentResponse.administered_on.desc(), AssessmentResponse.id.desc())
        )
    )
