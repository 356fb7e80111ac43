"""The medications tab: the list, the weekly dose grid (one tap per cell), fills, side effects, adherence."""

from datetime import date, timedelta

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user

from iop.clients.tabs import render_client_tab
from iop.clinical.weeks import week_start
from iop.extensions import db, htmx
from iop.fields import EARLIEST, LATEST
from iop.htmx import changed, invalid
from iop.medications.forms import (
    DoseForm,
    EndMedicationForm,
    FillForm,
    MedicationForm,
    RestartMedicationForm,
    SideEffectForm,
)
from iop.models import DOSE_STATUSES, MEDICATION_ROUTES, Client
from iop.permissions import care_team_required, get_client_or_404, get_medication_or_404, staff_required
from iop.services.adherence import adherence_summary, adherence_window
from iop.services.audit import record_event
from iop.services.medication import (
    DoseCell,
    MedicationRefused,
    add_fill,
    add_medication,
    add_side_effect,
    end_medication,
    medication_tab,
    restart_medication,
    set_dose,
    stored_dose_cell,
    undo_end,
)
from iop.templating import day as day_label

# A tab of the client record: its URLs sit under the client, named like the blueprint and its templates.
bp = Blueprint("medications", __name__, url_prefix="/clients/<int:client_id>/medications")
ADHERENCE_UPDATED = "adherence-updated"


def _week_asked(today: date) -> date:
    """The Monday of ?week=YYYY-MM-DD, or of this week when it is missing or malformed."""
    try:
        asked = date.fromisoformat(request.args.get("week", ""))
    except ValueError:
        return week_start(today)
    # Weeks far from today overflow date arithmetic at year 1 or 9999; nothing is recorded there.
    return week_start(asked if EARLIEST <= asked <= LATEST else today)


def _render(client: Client, *, week=None, forms=None, dose_error=None, notice=None, audit_view=True):
    """The tab; `forms` maps a form's key ("new", "fill-3", ...) to a refused form to show again."""
    today = client.program.today()
    week = week or _week_asked(today)
    tab = medication_tab(client, week, today)
    forms = forms or {}
    per_medication = {}
    for medication in tab.medications:
        key = medication.id
        per_medication[key] = {
            "end": forms.get(f"end-{key}")
            or EndMedicationForm(formdata=None, prefix=f"end-{key}", ended_on=today),
            "restart": forms.get(f"restart-{key}")
            or RestartMedicationForm(formdata=None, prefix=f"restart-{key}", started_on=today),
            "fill": forms.get(f"fill-{key}")
            or FillForm(formdata=None, prefix=f"fill-{key}", filled_on=today),
            "side_effect": forms.get(f"side-effect-{key}")
            or SideEffectForm(formdata=None, prefix=f"side-effect-{key}", reported_on=today),
        }
    return render_client_tab(
        client,
        "medications",
        "medications/index.html",
        audit_view=audit_view,
        page=tab,
        today=today,
        week_start=week,
        this_week=week_start(today),
        medication_form=forms.get("new") or MedicationForm(formdata=None, started_on=today),
        medication_forms=per_medication,
        dose_error=dose_error,
        notice=notice,
        DOSE_STATUSES=DOSE_STATUSES,
        MEDICATION_ROUTES=MEDICATION_ROUTES,
        timedelta=timedelta,
    )


def _tab_url(client: Client) -> str:
    return url_for("medications.index", client_id=client.id)


def _saved(client: Client, message: str):
    """A change on this tab was saved: the tab again with the notice for htmx, else the message and a 303."""
    return changed(
        lambda: _render(client, notice=message, audit_view=False),
        message=message,
        location=_tab_url(client),
        trigger=ADHERENCE_UPDATED,
    )


def _refused(client: Client, key: str, form):
    """The tab again with the refused form as typed (422)."""
    return invalid(lambda: _render(client, forms={key: form}))


def _dose_cell(client: Client, cell: DoseCell, error: str | None = None) -> str:
    return render_template(
        "medications/_dose_cell.html", client=client, cell=cell, error=error, DOSE_STATUSES=DOSE_STATUSES
    )


def _dose_day(day: str) -> date:
    try:
        return date.fromisoformat(day)
    except ValueError:
        abort(404)


@bp.get("")
@staff_required
def index(client_id: int):
    """Medications, this week's dose grid (or ?week=), fills, side effects and recent adherence."""
    return _render(get_client_or_404(client_id))


@bp.get("/adherence")
@staff_required
def adherence(client_id: int):
    """The adherence panel alone, refreshed after each dose-grid tap."""
    client = get_client_or_404(client_id)
    summary = adherence_summary(client, *adherence_window(client.program.today()))
    record_event("client.view", "client", client.id, client.id, details={"tab": "medications.adherence"})
    db.session.commit()
    return render_template("medications/_adherence.html", client=client, summary=summary)


@bp.post("")
@care_team_required
def create(client_id: int):
    """Add a medication."""
    client = get_client_or_404(client_id)
    form = MedicationForm()
    if form.validate():
        try:
            add_medication(client, **form.medication_fields(), actor=current_user)
        except MedicationRefused as refused:
            form.form_errors.append(str(refused))
        else:
            db.session.commit()
            message = f"Added {form.name.data.strip()}."
            return _saved(client, message)
    return _refused(client, "new", form)


@bp.post("/<int:medication_id>/end")
@care_team_required
def end(client_id: int, medication_id: int):
    """Stop a medication from a date on."""
    client = get_client_or_404(client_id)
    medication = get_medication_or_404(client, medication_id)
    form = EndMedicationForm(prefix=f"end-{medication.id}")
    if form.validate():
        try:
            end_medication(medication, form.ended_on.data, current_user)
        except MedicationRefused as refused:
            form.ended_on.errors.append(str(refused))
        else:
            db.session.commit()
            message = f"{medication.name} ends on {day_label(form.ended_on.data)}."
            return _saved(client, message)
    return _refused(client, f"end-{medication.id}", form)


@bp.post("/<int:medication_id>/undo-end", endpoint="undo_end")
@care_team_required
def undo_end_view(client_id: int, medication_id: int):
    """Take back an end date: the medication continues."""
    client = get_client_or_404(client_id)
    medication = get_medication_or_404(client, medication_id)
    try:
        undo_end(medication, current_user)
    except MedicationRefused as refused:
        error = str(refused)
        return invalid(lambda: _render(client, dose_error=error))
    db.session.commit()
    message = f"{medication.name} continues: the end date was taken back."
    return _saved(client, message)


@bp.post("/<int:medication_id>/restart")
@care_team_required
def restart(client_id: int, medication_id: int):
    """Start an ended medication again as a new course from a date."""
    client = get_client_or_404(client_id)
    medication = get_medication_or_404(client, medication_id)
    form = RestartMedicationForm(prefix=f"restart-{medication.id}")
    if form.validate():
        try:
            restart_medication(medication, form.started_on.data, current_user)
        except MedicationRefused as refused:
            form.started_on.errors.append(str(refused))
        else:
            db.session.commit()
            message = f"{medication.name} starts again on {day_label(form.started_on.data)}."
            return _saved(client, message)
    return _refused(client, f"restart-{medication.id}", form)


@bp.post("/<int:medication_id>/doses/<day>")
@care_team_required
def dose(client_id: int, medication_id: int, day: str):
    """One tap on a dose-grid cell: set the day's status (the next in the cycle) or clear it."""
    client = get_client_or_404(client_id)
    medication = get_medication_or_404(client, medication_id)
    dose_day, today = _dose_day(day), client.program.today()
    form = DoseForm()
    try:
        if not form.validate():
            raise MedicationRefused(" ".join(form.status.errors))
        cell = set_dose(medication, dose_day, form.status.data or None, current_user, today)
    except MedicationRefused as refused:
        error = str(refused)
        return invalid(lambda: _refused_dose(client, stored_dose_cell(medication, dose_day, today), error))
    db.session.commit()
    week = week_start(dose_day).isoformat()
    return changed(
        lambda: _dose_cell(client, cell),
        location=url_for("medications.index", client_id=client.id, week=week),
        trigger=ADHERENCE_UPDATED,
    )


def _refused_dose(client: Client, cell: DoseCell, error: str):
    """htmx: the cell as it is stored, with the reason the tap was refused; otherwise that week's tab."""
    if htmx:
        return _dose_cell(client, cell, error)
    return _render(client, week=week_start(cell.day), dose_error=error)


def _add_to_medication(client_id: int, medication_id: int, form_class, key: str, save):
    """Shared body of the fill and side-effect posts: validate, save, or show the form again."""
    client = get_client_or_404(client_id)
    medication = get_medication_or_404(client, medication_id)
    form = form_class(prefix=f"{key}-{medication.id}", today=client.program.today())
    if form.validate():
        try:
            message = save(medication, form, client.program.today())
        except MedicationRefused as refused:
            form.form_errors.append(str(refused))
        else:
            db.session.commit()
            return _saved(client, message)
    return _refused(client, f"{key}-{medication.id}", form)


@bp.post("/<int:medication_id>/fills", endpoint="add_fill")
@care_team_required
def add_fill_view(client_id: int, medication_id: int):
    """Record a pharmacy fill (date and days' supply)."""

    def save(medication, form, today):
        add_fill(medication, form.filled_on.data, form.days_supply.data, current_user, today)
        return f"Fill of {medication.name} recorded."

    return _add_to_medication(client_id, medication_id, FillForm, "fill", save)


@bp.post("/<int:medication_id>/side-effects", endpoint="add_side_effect")
@care_team_required
def add_side_effect_view(client_id: int, medication_id: int):
    """Record a side effect with its severity 0–10."""

    def save(medication, form, today):
        add_side_effect(
            medication, form.reported_on.data, form.description.data, form.severity.data, current_user, today
        )
        return "Side effect recorded."

    return _add_to_medication(client_id, medication_id, SideEffectForm, "side-effect", save)
