"""The client page: who they are, their enrollments, and the case manager's moves."""

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from iop.clients.forms import EndEnrollmentForm, TransferForm
from iop.extensions import db
from iop.htmx import render_page
from iop.models import Client, Cohort
from iop.permissions import case_manager_required, get_client_or_404, get_enrollment_or_404, staff_required
from iop.services.audit import record_event
from iop.services.enrollment import EnrollmentError, end_enrollment, transfer_client

bp = Blueprint("clients", __name__, url_prefix="/clients")


def _open_enrollment(client: Client):
    return next((e for e in client.enrollments if e.ended_on is None), None)


def _transfer_form(client: Client, formdata=None) -> TransferForm:
    form = TransferForm(formdata=formdata, effective_on=client.program.today())
    cohorts = db.session.scalars(
        select(Cohort)
        .where(Cohort.program_id == client.program_id, Cohort.active.is_(True))
        .order_by(Cohort.name)
    )
    current = _open_enrollment(client)
    form.cohort_id.choices = [
        SelectChoice(c.id, c.name) for c in cohorts if not current or c.id != current.cohort_id
    ]
    return form


def _render(client: Client, *, transfer_form=None, end_form=None, status=200):
    record_event("client.view", "client", client.id, client.id)
    db.session.commit()
    return render_page(
        "clients/detail.html",
        status=status,
        client=client,
        current=_open_enrollment(client),
        today=client.program.today(),
        transfer_form=transfer_form or _transfer_form(client),
        end_form=end_form or EndEnrollmentForm(formdata=None, ended_on=client.program.today()),
    )


@bp.get("/<int:client_id>")
@staff_required
def detail(client_id: int):
    """Header and enrollment history of one client."""
    return _render(get_client_or_404(client_id))


@bp.post("/enrollments/<int:enrollment_id>/transfer")
@case_manager_required
def transfer(enrollment_id: int):
    """Move the client to another cohort of the program from a date."""
    enrollment = get_enrollment_or_404(enrollment_id)
    client = enrollment.client
    form = _transfer_form(client, formdata=request.form)
    if form.validate():
        target = db.session.get(Cohort, form.cohort_id.data)
        try:
            transfer_client(enrollment, target, effective_on=form.effective_on.data, actor=current_user)
        except EnrollmentError as error:
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(
                f"{client.full_name} moves to {target.name} from {form.effective_on.data:%b %d}.", "success"
            )
            return redirect(url_for("clients.detail", client_id=client.id), 303)
    return _render(client, transfer_form=form, status=422)


@bp.post("/enrollments/<int:enrollment_id>/end")
@case_manager_required
def end(enrollment_id: int):
    """End the enrollment (stepped down, stepped up, discharged)."""
    enrollment = get_enrollment_or_404(enrollment_id)
    form = EndEnrollmentForm()
    if form.validate():
        try:
            end_enrollment(
                enrollment, ended_on=form.ended_on.data, reason=form.reason.data, actor=current_user
            )
        except EnrollmentError as error:
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash("The enrollment has ended.", "success")
            return redirect(url_for("clients.detail", client_id=enrollment.client_id), 303)
    return _render(enrollment.client, end_form=form, status=422)
