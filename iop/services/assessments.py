"""Recording questionnaire responses: scored by iop.clinical, immutable, corrected by superseding."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from iop.clinical.instruments import score
from iop.extensions import db
from iop.models import ASSESSMENT_SOURCES, AssessmentResponse, Client, ClientLink, User
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
    actor: User | None,
    supersedes: AssessmentResponse | None = None,
    *,
    client_link: ClientLink | None = None,
) -> AssessmentResponse:
    """Score and store one response; a suicide_risk flag raises an alert in the same transaction
    (its id is in the response's raised_alert_ids, for the caller to schedule its escalation check).

    Staff enter it as `actor`; the client answers it themselves by personal link (`client_link`, no
    actor, always a self-report). AnswerError (a ValueError) names every missing or bad item; nothing
    is stored then.
    """
    if (actor is None) == (client_link is None) or (client_link and client_link.client_id != client.id):
        raise AssessmentRefused("A response is entered by a staff member or by the client's own link.")
    if client_link is not None and (source != "self_report" or supersedes is not None):
        raise AssessmentRefused("By personal link a client sends a new self-report only.")
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
        entered_by_id=actor.id if actor else None,
        client_link_id=client_link.id if client_link else None,
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
        actor_id=actor.id if actor else None,
        details={
            "via_link": client_link.id if client_link else None,
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
