"""Entering a questionnaire (PHQ-9, GAD-7 or the program's own); correcting one by superseding it."""

from datetime import timedelta

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from iop.clients.assessment_forms import AssessmentForm, item_answers
from iop.clinical.instruments import AnswerError, Instrument, score
from iop.extensions import db
from iop.htmx import render_page
from iop.ids import is_row_id
from iop.jobs import enqueue, escalate_alert
from iop.models import ESCALATION_MINUTES, Alert, AssessmentResponse, Client
from iop.permissions import care_team_required, get_client_or_404
from iop.services.assessments import AssessmentRefused, record_assessment
from iop.services.audit import record_event
from iop.services.custom_instruments import instruments_for_program
from iop.templating import severity_label


def _superseded(client: Client, raw: str | None) -> AssessmentResponse | None:
    """The response being corrected; another client's id answers 404."""
    if not raw:
        return None
    response = db.session.get(AssessmentResponse, int(raw)) if is_row_id(raw) else None
    if response is None or response.client_id != client.id:
        abort(404)
    return response


def _render_form(client, instrument, form, answers, item_errors=None, status=200, supersedes=None):
    return render_page(
        "clients/assessment_form.html",
        ("questionnaire",),
        status=status,
        client=client,
        instrument=instrument,
        instruments=program_instruments(client),
        form=form,
        answers=answers,
        item_errors=item_errors or {},
        supersedes=supersedes,
    )


@care_team_required
def new_assessment(client_id: int):
    """Enter a questionnaire; an incomplete one comes back with its answers and a message per item."""
    client = get_client_or_404(client_id)
    instrument = program_instruments(client).get(request.values.get("instrument", "phq9")) or abort(404)
    supersedes = _superseded(client, request.values.get("supersedes"))
    if request.method == "GET":
        form = AssessmentForm(formdata=None, administered_on=client.program.today(), source="self_report")
        answers = supersedes.answers if supersedes else [None] * len(instrument.items)
        if supersedes is not None:
            # Pre-filling the form shows the earlier answers: a read of client data like any other.
            record_event(
                "assessment.view",
                "assessment_response",
                supersedes.id,
                client.id,
                details={"for": "correction"},
            )
            db.session.commit()
        return _render_form(client, instrument, form, answers, supersedes=supersedes)
    form = AssessmentForm()
    answers = item_answers(request.form, instrument)
    try:
        if not form.validate():
            score_error = _answer_errors(instrument, answers)
            return _render_form(client, instrument, form, answers, score_error, 422, supersedes)
        response = record_assessment(
            client,
            instrument.key,
            answers,
            form.administered_on.data,
            form.source.data,
            current_user,
            supersedes,
        )
    except AnswerError as error:
        return _render_form(client, instrument, form, answers, error.item_errors, 422, supersedes)
    except AssessmentRefused as error:
        form.form_errors.append(str(error))
        return _render_form(client, instrument, form, answers, {}, 422, supersedes)
    db.session.commit()
    enqueue_escalation_checks(response)
    severity = severity_label(instrument, response.severity)
    flash(
        f"{instrument.short_name} recorded: total {response.total}{', ' + severity if severity else ''}.",
        "success",
    )
    return redirect(url_for("clients.assessments", client_id=client.id), 303)


def program_instruments(client: Client) -> dict[str, Instrument]:
    """The instruments a clinician can enter for this client: PHQ-9, GAD-7 and the program's own."""
    return {instrument.key: instrument for instrument in instruments_for_program(client.program_id)}


def _answer_errors(instrument: Instrument, answers) -> dict[int, str]:
    try:
        score(instrument, answers)
    except AnswerError as error:
        return error.item_errors
    return {}


def enqueue_escalation_checks(response: AssessmentResponse) -> None:
    """After the commit: the escalation check of each alert the response raised."""
    # After the commit, so the job sees the alert; it escalates only once the window has passed.
    alert_ids = db.session.scalars(db.select(Alert.id).where(Alert.response_id == response.id))
    for alert_id in alert_ids:
        enqueue(
            escalate_alert,
            alert_id,
            job_id=f"escalate-alert-{alert_id}",
            delay=timedelta(minutes=ESCALATION_MINUTES, seconds=30),
        )
