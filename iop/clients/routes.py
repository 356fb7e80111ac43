"""The client record: overview, assessments and enrollment tabs, and the case manager's moves."""

from flask import Blueprint, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from iop.clients.forms import EndEnrollmentForm, TransferForm
from iop.clients.tabs import render_client_tab
from iop.extensions import db
from iop.htmx import changed, invalid, render_page
from iop.models import Client
from iop.permissions import (
    case_manager_required,
    get_client_or_404,
    get_cohort_of_program_or_404,
    get_enrollment_or_404,
    staff_required,
)
from iop.security import note_overview_visit
from iop.services.assessments import client_responses
from iop.services.audit import record_events
from iop.services.clients import CLIENT_STATUSES, ClientFilters, client_search, client_status
from iop.services.enrollment import (
    EnrollmentError,
    end_enrollment,
    open_enrollment,
    transfer_client,
    transfer_cohorts,
)
from iop.services.programs import cohorts_of_programs
from iop.services.progress import client_progress

bp = Blueprint("clients", __name__, url_prefix="/clients")


def _transfer_form(client: Client, formdata=None) -> TransferForm:
    form = TransferForm(formdata=formdata, effective_on=client.program.today())
    form.cohort_id.choices = [SelectChoice(c.id, c.name) for c in transfer_cohorts(client)]
    return form


def _render_enrollment(client: Client, *, transfer_form=None, end_form=None):
    return render_client_tab(
        client,
        "enrollment",
        "clients/enrollment.html",
        current=open_enrollment(client),
        transfer_form=transfer_form or _transfer_form(client),
        end_form=end_form or EndEnrollmentForm(formdata=None, ended_on=client.program.today()),
    )


def _filters() -> ClientFilters:
    """The search and filters of the client list, as asked in the query string."""
    return ClientFilters(
        query=request.args.get("q", "")[:100],
        program_id=request.args.get("program", type=int),
        cohort_id=request.args.get("cohort", type=int),
        status=request.args.get("status") if request.args.get("status") in CLIENT_STATUSES else None,
    )


@bp.get("/")
@staff_required
def index():
    """Find a client by name, date of birth or MRN; filter by program, cohort and status."""
    filters = _filters()
    page = db.paginate(
        client_search(current_user, filters), page=request.args.get("page", 1, type=int), per_page=25
    )
    if page.items:
        record_events("client.list", "client", None, [c.id for c in page.items])
        db.session.commit()
    return render_page(
        "clients/index.html",
        ("results",),
        page=page,
        filters=filters,
        cohorts=cohorts_of_programs(current_user.program_ids),
        statuses=CLIENT_STATUSES,
        client_status=client_status,
    )


@bp.get("/<int:client_id>")
@staff_required
def detail(client_id: int):
    """Overview: PHQ-9 / GAD-7 over time with severity bands, weekly hours, participation, adherence."""
    client = get_client_or_404(client_id)
    note_overview_visit(client.id)
    return render_client_tab(client, "overview", "clients/overview.html", progress=client_progress(client))


@bp.get("/<int:client_id>/assessments", endpoint="assessments")
@staff_required
def assessments_tab(client_id: int):
    """Every questionnaire response, corrections beside what they supersede."""
    client = get_client_or_404(client_id)
    return render_client_tab(
        client,
        "assessments",
        "clients/assessments.html",
        responses=client_responses(client),
        instruments=assessments.program_instruments(client),
    )


@bp.get("/<int:client_id>/enrollment")
@staff_required
def enrollment(client_id: int):
    """Enrollment history, and the case manager's moves."""
    return _render_enrollment(get_client_or_404(client_id))


@bp.post("/enrollments/<int:enrollment_id>/transfer")
@case_manager_required
def transfer(enrollment_id: int):
    """Move the client to another cohort of the program from a date."""
    enrollment = get_enrollment_or_404(enrollment_id)
    client = enrollment.client
    form = _transfer_form(client, formdata=request.form)
    if form.validate():
        target = get_cohort_of_program_or_404(client.program_id, form.cohort_id.data)
        try:
            transfer_client(enrollment, target, effective_on=form.effective_on.data, actor=current_user)
        except EnrollmentError as error:
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            return changed(
                lambda: _render_enrollment(client),
                message=f"{client.full_name} moves to {target.name} from {form.effective_on.data:%b %d}.",
                location=url_for("clients.enrollment", client_id=client.id),
            )
    return invalid(lambda: _render_enrollment(client, transfer_form=form))


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
            return changed(
                lambda: _render_enrollment(enrollment.client),
                message="The enrollment has ended.",
                location=url_for("clients.enrollment", client_id=enrollment.client_id),
            )
    return invalid(lambda: _render_enrollment(enrollment.client, end_form=form))


# Entering a questionnaire has a module of its own; importing it registers its route on bp.
from iop.clients import assessments  # noqa: E402
