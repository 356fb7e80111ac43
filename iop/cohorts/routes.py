"""Cohorts: the list, each cohort's roster and sessions, and admitting clients (rolling admission)."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from iop.cohorts.forms import AdmitForm
from iop.extensions import db, htmx
from iop.htmx import render_page
from iop.models import Cohort, Program
from iop.permissions import case_manager_required, get_cohort_or_404, staff_required
from iop.services.audit import record_events
from iop.services.enrollment import EnrollmentError, PossibleDuplicate, admit_client
from iop.services.rosters import cohort_overview
from iop.templating import day

bp = Blueprint("cohorts", __name__, url_prefix="/cohorts")


@bp.get("/")
@staff_required
def index():
    """The cohorts of the user's programs."""
    cohorts = db.session.scalars(
        select(Cohort)
        .join(Cohort.program)
        .where(Cohort.program_id.in_(current_user.program_ids))
        .order_by(Program.name, Cohort.name)
    ).all()
    return render_template("cohorts/index.html", cohorts=cohorts)


def _render_detail(cohort: Cohort, form: AdmitForm, status: int = 200, trigger: str | None = None):
    overview = cohort_overview(cohort, cohort.program.today())
    record_events("cohort.view", "cohort", cohort.id, [e.enrollment.client_id for e in overview.roster])
    db.session.commit()
    return render_page(
        "cohorts/detail.html",
        ("roster", "admit"),
        status=status,
        trigger=trigger,
        overview=overview,
        cohort=cohort,
        form=form,
    )


@bp.get("/<int:cohort_id>")
@staff_required
def detail(cohort_id: int):
    """Roster (week in program, two-week attendance) and upcoming/past sessions."""
    cohort = get_cohort_or_404(cohort_id)
    form = AdmitForm(today=cohort.program.today(), formdata=None, started_on=cohort.program.today())
    return _render_detail(cohort, form)


@bp.post("/<int:cohort_id>/admit")
@case_manager_required
def admit(cohort_id: int):
    """Admit a new client to this cohort from a date."""
    cohort = get_cohort_or_404(cohort_id)
    form = AdmitForm(today=cohort.program.today())
    if form.validate():
        try:
            enrollment = admit_client(
                cohort,
                first_name=form.first_name.data,
                last_name=form.last_name.data,
                date_of_birth=form.date_of_birth.data,
                started_on=form.started_on.data,
                actor=current_user,
                record=form.record(),
                duplicate_confirmed=form.confirm_new_person.data,
            )
        except PossibleDuplicate as duplicate:
            form.duplicates = duplicate.matches
        except EnrollmentError as error:
            errors = getattr(form, error.field).errors if error.field else form.form_errors
            errors.append(str(error))
        else:
            db.session.commit()
            client = enrollment.client
            message = f"{client.full_name} was admitted from {day(form.started_on.data)}."
            if not htmx:
                flash(message, "success")
                return redirect(url_for("cohorts.detail", cohort_id=cohort.id), 303)
            fresh = AdmitForm(today=cohort.program.today(), formdata=None, started_on=cohort.program.today())
            fresh.admitted = (message, client.id)
            return _render_detail(cohort, fresh, trigger="roster-changed")
    return _render_detail(cohort, form, status=422)
