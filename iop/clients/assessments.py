"""Entering a questionnaire (PHQ-9, GAD-7 or the program's own); correcting one by superseding it."""

from datetime import timedelta

from flask import abort, redirect, request, url_for
from flask_login import current_user

from iop.clients.assessment_forms import AssessmentForm, assessment_form
from iop.clients.routes import bp
from iop.clinical.instruments import Instrument
from iop.extensions import db
from iop.htmx import changed, invalid, render_page
from iop.jobs import enqueue, escalate_alert
from iop.models import ESCALATION_MINUTES, AssessmentResponse, Client
from iop.permissions import care_team_required, get_client_or_404, get_response_or_404
from iop.services.assessments import AssessmentRefused, record_assessment
from iop.services.audit import record_event
from iop.services.custom_instruments import instruments_for_program
from iop.templating import severity_label


def _render_form(client: Client, instrument: Instrument, form: AssessmentForm, supersedes=None):
    return render_page(
        "clients/assessment_form.html",
        ("questionnaire",),
        client=client,
        instrument=instrument,
        instruments=program_instruments(client),
        form=form,
        answers=form.answers(),
        item_errors=form.item_errors(),
        supersedes=supersedes,
    )


def _blank_form(client: Client, instrument: Instrument, supersedes: AssessmentResponse | None):
    """A new entry dated today; a correction starts from the earlier answers (a read, so audited)."""
    if supersedes is not None:
        record_event(
            "assessment.view", "assessment_response", supersedes.id, client.id, details={"for": "correction"}
        )
        db.session.commit()
    form = assessment_form(
        instrument,
        formdata=None,
        administered_on=client.program.today(),
        source="self_report",
        item=supersedes.answers if supersedes else None,
    )
    return _render_form(client, instrument, form, supersedes)


@bp.route("/<int:client_id>/assessments/new", methods=["GET", "POST"])
@care_team_required
def new_assessment(client_id: int):
    """Enter a questionnaire; an incomplete one comes back with its answers and a message per item."""
    client = get_client_or_404(client_id)
    instrument = program_instruments(client).get(request.values.get("instrument", "phq9")) or abort(404)
    raw_supersedes = request.values.get("supersedes")
    supersedes = get_response_or_404(client, raw_supersedes) if raw_supersedes else None
    if request.method == "GET":
        return _blank_form(client, instrument, supersedes)
    form = assessment_form(instrument)
    if form.validate():
        try:
            response = record_assessment(
                client, instrument.key, form.answers(), form.administered_on.data, form.source.data,
                current_user, supersedes,
            )  # fmt: skip
        except AssessmentRefused as error:
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            enqueue_escalation_checks(response)
            location = url_for("clients.assessments", client_id=client.id)
            return changed(
                lambda: redirect(location, 303), message=_recorded(instrument, response), location=location
            )
    return invalid(lambda: _render_form(client, instrument, form, supersedes))


def _recorded(instrument: Instrument, response: AssessmentResponse) -> str:
    severity = severity_label(instrument, response.severity)
    return f"{instrument.short_name} recorded: total {response.total}{', ' + severity if severity else ''}."


def program_instruments(client: Client) -> dict[str, Instrument]:
    """The instruments a clinician can enter for this client: PHQ-9, GAD-7 and the program's own."""
    return {instrument.key: instrument for instrument in instruments_for_program(client.program_id)}


def enqueue_escalation_checks(response: AssessmentResponse) -> None:
    """After the commit: the escalation check of each alert the response raised (staff entry and the
    client's own questionnaire alike)."""
    # After the commit, so the job sees the alert; it escalates only once the window has passed.
    for alert_id in response.raised_alert_ids:
        enqueue(
            escalate_alert,
            alert_id,
            job_id=f"escalate-alert-{alert_id}",
            delay=timedelta(minutes=ESCALATION_MINUTES, seconds=30),
        )
