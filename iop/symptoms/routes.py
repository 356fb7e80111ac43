"""The client's symptoms & exposures tab: quick logs saved in place, weekly counts, exposure progress.

Symptoms and exposures are one mechanism in two configurations (QuickLog): a form, the service verb
that logs it, the page section it answers with, and what the notice says.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, url_for
from flask_login import current_user

from iop.clients.tabs import render_client_tab
from iop.extensions import db
from iop.htmx import changed, invalid
from iop.models import Client
from iop.permissions import care_team_required, get_client_or_404, staff_required
from iop.services.symptoms import EventRefused, client_symptom_log, log_exposure, log_symptom
from iop.symptoms.forms import ExposureForm, QuickLogForm, SymptomForm

# A tab of the client record: its URLs sit under the client, named like the blueprint and its templates.
bp = Blueprint("symptoms", __name__, url_prefix="/clients/<int:client_id>/symptoms")
TEMPLATE = "symptoms/index.html"
FRAGMENTS = ("record", "symptoms", "exposures")
SYMPTOMS_UPDATED = "symptoms-updated"


def _day(value) -> str:
    return f"{value:%b} {value.day}"


@dataclass(frozen=True)
class QuickLog:
    section: str  # the page block the htmx form targets, and the key of its form in the template
    form: type[QuickLogForm]
    log: Callable  # the service verb: log(client, actor=..., **form.values())
    saved: Callable  # the notice for the logged event


SYMPTOMS = QuickLog(
    "symptoms",
    SymptomForm,
    log_symptom,
    lambda event: f"Logged: {event.symptom}, {event.occurrences} on {_day(event.recorded_on)}.",
)
EXPOSURES = QuickLog(
    "exposures",
    ExposureForm,
    log_exposure,
    lambda event: (
        f"Logged: {event.situation} on {_day(event.done_on)}, "
        f"anxiety {event.anxiety_before} → {event.anxiety_after}."
    ),
)
QUICK_LOGS = (SYMPTOMS, EXPOSURES)


def _render(
    client: Client, *, refused: QuickLogForm | None = None, saved=None, saved_in=None, audit_view=True
):
    """The tab; each quick log's form is fresh (dated today) unless it comes back refused as typed."""
    today = client.program.today()
    forms = {
        f"{quick.section}_form": refused
        if isinstance(refused, quick.form)
        else quick.form(formdata=None, today=today, **{quick.form.date_field: today})
        for quick in QUICK_LOGS
    }
    return render_client_tab(
        client,
        "symptoms",
        TEMPLATE,
        fragments=FRAGMENTS,
        audit_view=audit_view,
        log=client_symptom_log(client),
        saved=saved,
        saved_in=saved_in,
        symptom_form=forms["symptoms_form"],
        exposure_form=forms["exposures_form"],
    )


def _log(client_id: int, quick: QuickLog):
    """Validate the quick log, save it, and answer with its section (htmx) or a 303 to the tab."""
    client = get_client_or_404(client_id)
    form = quick.form(today=client.program.today())
    if form.validate():
        try:
            event = quick.log(client, **form.values(), actor=current_user)
        except EventRefused as refused:
            form.dated.errors.append(str(refused))
        else:
            db.session.commit()
            message = quick.saved(event)
            return changed(
                lambda: _render(client, saved=message, saved_in=quick.section, audit_view=False),
                message=message,
                location=url_for("symptoms.index", client_id=client.id),
                trigger=SYMPTOMS_UPDATED,
            )
    # The log itself is audited by the service; showing the refused form again is no new view.
    return invalid(lambda: _render(client, refused=form, audit_view=False))


@bp.get("")
@staff_required
def index(client_id: int):
    """Counted symptoms by week and exposure exercises with their progress."""
    return _render(get_client_or_404(client_id))


@bp.post("/events")
@care_team_required
def log_symptom_event(client_id: int):
    """Log how often a symptom happened, with its worst severity."""
    return _log(client_id, SYMPTOMS)


@bp.post("/exposures")
@care_team_required
def log_exposure_event(client_id: int):
    """Log an exposure exercise with anxiety rated before and after."""
    return _log(client_id, EXPOSURES)
