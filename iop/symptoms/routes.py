"""The client's symptoms & exposures tab: quick logs saved in place, weekly counts, exposure progress."""

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user

from iop.clients.tabs import render_client_tab
from iop.extensions import db, htmx
from iop.models import Client
from iop.permissions import care_team_required, get_client_or_404, staff_required
from iop.services.symptoms import EventRefused, client_symptom_log, log_exposure, log_symptom
from iop.symptoms.forms import ExposureForm, SymptomForm

bp = Blueprint("symptoms", __name__, url_prefix="/clients")
TEMPLATE = "symptoms/index.html"
FRAGMENTS = ("record", "symptoms", "exposures")


def _day(value) -> str:
    return f"{value:%b} {value.day}"


def _forms(client: Client, **given) -> dict:
    """The two forms, fresh (dated today) unless one is given back with what was typed."""
    today = client.program.today()
    return {
        "symptom_form": given.get("symptom_form")
        or SymptomForm(formdata=None, today=today, recorded_on=today),
        "exposure_form": given.get("exposure_form")
        or ExposureForm(formdata=None, today=today, done_on=today),
    }


def _respond(client: Client, section: str, *, saved: str | None = None, status: int = 200, **forms):
    """After a post: the targeted section for htmx; a redirect (success) or the whole page otherwise."""
    if saved and not htmx:
        flash(saved, "success")
        return redirect(url_for("symptoms.index", client_id=client.id), 303)
    return render_client_tab(
        client,
        "symptoms",
        TEMPLATE,
        fragments=FRAGMENTS,
        audit_view=False,  # the log itself was audited by the service
        status=status,
        trigger="symptoms-updated" if saved else None,
        log=client_symptom_log(client),
        saved=saved,
        saved_in=section,
        **_forms(client, **forms),
    )


@bp.get("/<int:client_id>/symptoms")
@staff_required
def index(client_id: int):
    """Counted symptoms by week and exposure exercises with their progress."""
    client = get_client_or_404(client_id)
    return render_client_tab(client, "symptoms", TEMPLATE, log=client_symptom_log(client), **_forms(client))


@bp.post("/<int:client_id>/symptoms/events")
@care_team_required
def log_symptom_event(client_id: int):
    """Log how often a symptom happened, with its worst severity."""
    client = get_client_or_404(client_id)
    form = SymptomForm(today=client.program.today())
    if not form.validate():
        return _respond(client, "symptoms", status=422, symptom_form=form)
    try:
        event = log_symptom(
            client,
            symptom=form.symptom.data,
            recorded_on=form.recorded_on.data,
            occurrences=form.occurrences.data,
            severity=form.severity.data,
            note=form.symptom_note.data or "",
            actor=current_user,
        )
    except EventRefused as refused:
        form.recorded_on.errors.append(str(refused))
        return _respond(client, "symptoms", status=422, symptom_form=form)
    db.session.commit()
    return _respond(
        client,
        "symptoms",
        saved=f"Logged: {event.symptom}, {event.occurrences} on {_day(event.recorded_on)}.",
    )


@bp.post("/<int:client_id>/symptoms/exposures")
@care_team_required
def log_exposure_event(client_id: int):
    """Log an exposure exercise with anxiety rated before and after."""
    client = get_client_or_404(client_id)
    form = ExposureForm(today=client.program.today())
    if not form.validate():
        return _respond(client, "exposures", status=422, exposure_form=form)
    try:
        event = log_exposure(
            client,
            situation=form.situation.data,
            done_on=form.done_on.data,
            anxiety_before=form.anxiety_before.data,
            anxiety_after=form.anxiety_after.data,
            note=form.exposure_note.data or "",
            actor=current_user,
        )
    except EventRefused as refused:
        form.done_on.errors.append(str(refused))
        return _respond(client, "exposures", status=422, exposure_form=form)
    db.session.commit()
    return _respond(
        client,
        "exposures",
        saved=f"Logged: {event.situation} on {_day(event.done_on)}, "
        f"anxiety {event.anxiety_before} → {event.anxiety_after}.",
    )
