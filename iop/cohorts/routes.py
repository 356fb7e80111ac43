"""Cohorts: the list, each cohort's roster and sessions, and admitting clients (rolling admission)."""

from flask import Blueprint, render_template, url_for
from flask_login import current_user

from iop.cohorts.forms import AdmitForm
from iop.extensions import db
from iop.htmx import changed, invalid, render_page
from iop.models import Cohort
from iop.permissions import case_manager_required, get_cohort_or_404, staff_required
from iop.services.audit import record_events
from iop.services.enrollment import EnrollmentError, PossibleDuplicate, admit_client
from iop.services.programs import cohorts_of_programs
from iop.services.rosters import cohort_overview
from iop.templating import day

bp = Blueprint("cohorts", __name__, url_prefix="/cohorts")


@bp.get("/")
@staff_required
def index():
    """The cohorts of the user's programs."""
    return render_template("cohorts/index.html", cohorts=cohorts_of_programs(current_user.program_ids))


def _admit_form(cohort: Cohort, admitted: tuple[str, int] | None = None) -> AdmitForm:
    """A blank admission form dated today; after an admission it carries the notice and client id."""
    form = AdmitForm(today=cohort.program.today(), formdata=None, started_on=cohort.program.today())
    form.admitted = admitted
    return form


def _render_detail(cohort: Cohort, form: AdmitForm, audit_view: bool = True):
    overview = cohort_overview(cohort, cohort.program.today())
    if audit_view:
        record_events("cohort.view", "cohort", cohort.id, [e.enrollment.client_id for e in overview.roster])
        db.session.commit()
    return render_page(
        "cohorts/detail.html", ("roster", "admit"), overview=overview, cohort=cohort, form=form
    )


@bp.get("/<int:cohort_id>")
@staff_required
def detail(cohort_id: int):
    """Roster (week in program, two-week attendance) and upcoming/past sessions."""
    cohort = get_cohort_or_404(cohort_id)
    return _render_detail(cohort, _admit_form(cohort))


@bp.post("/<int:cohort_id>/admit")
@case_manager_required
def admit(cohort_id: int):
    """Admit a new client to this cohort from a date."""
    cohort = get_cohort_or_404(cohort_id)
    form = AdmitForm(today=cohort.program.today())
    if form.validate():
        try:
            client = admit_client(cohort, **form.admission(), actor=current_user).client
        except PossibleDuplicate as duplicate:
            form.duplicates = duplicate.matches
        except EnrollmentError as error:
            form.refuse(error.field, str(error))
        else:
            db.session.commit()
            message = f"{client.full_name} was admitted from {day(form.started_on.data)}."
            return changed(
                lambda: _render_detail(cohort, _admit_form(cohort, (message, client.id)), audit_view=False),
                message=message,
                location=url_for("cohorts.detail", cohort_id=cohort.id),
                trigger="roster-changed",
            )
    return invalid(lambda: _render_detail(cohort, form))
