"""The client's exposure and panic logs by personal link: the care team's quick logs (iop.symptoms), the
same forms' mechanism and service verbs, recorded by the client's link instead of a staff member."""

from collections.abc import Callable
from dataclasses import dataclass

from flask import g, render_template, url_for

from iop.extensions import db
from iop.htmx import changed, invalid
from iop.me.forms import PANIC_ATTACKS, SUDS_PER_POINT, ClientExposureForm, ClientPanicForm
from iop.permissions import client_required
from iop.services.client_links import record_client_view
from iop.services.symptoms import EventRefused, client_symptom_log, log_exposure, log_symptom
from iop.symptoms.forms import QuickLogForm


@dataclass(frozen=True)
class ClientLog:
    section: str  # the form's key in the template and the anchor the page returns to
    form: type[QuickLogForm]
    log: Callable  # the service verb: log(client, link=..., **form.values())
    saved: str


EXPOSURES = ClientLog("exposure", ClientExposureForm, log_exposure, "Saved. Well done for facing it.")
PANIC = ClientLog("panic", ClientPanicForm, log_symptom, "Saved. Thank you for keeping count.")
CLIENT_LOGS = (EXPOSURES, PANIC)


def _render(refused: QuickLogForm | None = None):
    today = g.client.program.today()
    log = client_symptom_log(g.client)
    forms = {
        quick.section: refused
        if isinstance(refused, quick.form)
        else quick.form.blank(today=today, **{quick.form.date_field: today})
        for quick in CLIENT_LOGS
    }
    return render_template(
        "me/logs.html",
        client=g.client,
        forms=forms,
        exposures=log.exposures[:10],
        panic=[event for event in log.symptoms if event.symptom == PANIC_ATTACKS][:14],
        situations=log.situations,
        SUDS_PER_POINT=SUDS_PER_POINT,
    )


def _save(quick: ClientLog):
    form = quick.form(today=g.client.program.today())
    if form.validate():
        try:
            quick.log(g.client, **form.values(), link=g.client_link)
        except EventRefused as refused:
            form.dated.errors.append(str(refused))
        else:
            db.session.commit()
            return changed(_render, message=quick.saved, location=url_for("me.logs") + f"#{quick.section}")
    return invalid(lambda: _render(form))


@client_required
def logs():
    """Anxiety before and after a planned event, and panic attacks counted, with the latest entries."""
    record_client_view("logs")
    db.session.commit()
    return _render()


@client_required
def log_exposure_event():
    """Log a planned event with anxiety 0–10 before and after it."""
    return _save(EXPOSURES)


@client_required
def log_panic_count():
    """Log how many panic attacks there were on a day."""
    return _save(PANIC)
