"""Entering a PHQ-9 or GAD-7 for a client, and correcting one by superseding it."""

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from iop.clients.assessment_forms import AssessmentForm, item_answers
from iop.clinical.instruments import STANDARD_INSTRUMENTS, AnswerError, score
from iop.extensions import db
from iop.htmx import render_page
from iop.jobs import enqueue, escalate_alert
from iop.models import Alert, AssessmentResponse, Client
from iop.permissions import care_team_required, get_client_or_404
from iop.services.assessments import AssessmentRefused, record_assessment


def _superseded(client: Client, raw: str | None) -> AssessmentResponse | None:
    """The response being corrected; another client's id answers 404."""
    if not raw:
        return None
    response = db.session.get(AssessmentResponse, int(raw)) if raw.isdigit() else None
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
        instruments=STANDARD_INSTRUMENTS,
        form=form,
        answers=answers,
        item_errors=item_errors or {},
        supersedes=supersedes,
    )


@care_team_required
def new_assessment(client_id: int):
    """Enter a questionnaire; an incomplete one comes back with its answers and a message per item."""
    client = get_client_or_404(client_id)
    instrument = STANDARD_INSTRUMENTS.get(request.values.get("instrument", "phq9")) or abort(404)
    supersedes = _superseded(client, request.values.get("supersedes"))
    if request.method == "GET":
        form = AssessmentForm(formdata=None, administered_on=client.program.today(), source="self_report")
        answers = supersedes.answers if supersedes else [None] * len(instrument.items)
        return _render_form(client, instrument, form, answers, supersedes=supersedes)
    form = AssessmentForm()
    answers = item_answers(request.form, instrument)
    try:
        if not form.validate():
            score_error = _answer_errors(instrument.key, answers)
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
    _enqueue_escalation_checks(response)
    flash(
        f"{response.instrument_name} recorded: total {response.total}, {response.severity_label}.", "success"
    )
    return redirect(url_for("clients.assessments", client_id=client.id), 303)


def _answer_errors(instrument_key: str, answers) -> dict[int, str]:
    try:
        score(instrument_key, answers)
    except AnswerError as error:
        return error.item_errors
    return {}


def _enqueue_escalation_checks(response: AssessmentResponse) -> None:
    # After the commit, so the job sees the alert; it escalates only once the window has passed.
    alert_ids = db.session.scalars(db.select(Alert.id).where(Alert.response_id == response.id))
    for alert_id in alert_ids:
        enqueue(escalate_alert, alert_id, job_id=f"escalate-alert-{alert_id}")
