"""Admin views: cohorts, their meeting pattern and facilitators, and the sessions generated from it."""

from flask import current_app, render_template, url_for

from iop.admin import bp
from iop.admin.forms import CohortForm
from iop.extensions import db
from iop.htmx import changed, invalid
from iop.permissions import admin_required, get_cohort_or_404, get_program_or_404
from iop.services.administration import cohort_name_taken, eligible_facilitators, upcoming_sessions
from iop.services.programs import create_cohort, update_cohort


def _horizon_weeks() -> int:
    return current_app.config["IOP_SESSION_HORIZON_WEEKS"]


@bp.route("/programs/<int:program_id>/cohorts/new", methods=["GET", "POST"])
@admin_required
def new_cohort(program_id: int):
    """Create a cohort and generate its sessions for the coming weeks."""
    program = get_program_or_404(program_id)
    form = CohortForm(
        facilitator_choices=eligible_facilitators(program),
        name_taken=lambda name: cohort_name_taken(program.id, name),
    )
    render = lambda: render_template("admin/cohort_form.html", form=form, program=program, cohort=None)  # noqa: E731
    if not form.validate_on_submit():
        return invalid(render) if form.is_submitted() else render()
    cohort = create_cohort(program, **form.settings(), generate_from=program.today(), weeks=_horizon_weeks())
    db.session.commit()
    location = url_for("admin.cohort", cohort_id=cohort.id)
    return changed(
        render,
        message=f"{cohort.name} was created with sessions for the next {_horizon_weeks()} weeks.",
        location=location,
    )


@bp.get("/cohorts/<int:cohort_id>")
@admin_required
def cohort(cohort_id: int):
    """A cohort's settings and its upcoming sessions, cancelled ones marked with their reason."""
    cohort = get_cohort_or_404(cohort_id)
    sessions = upcoming_sessions(cohort, cohort.program.today())
    return render_template("admin/cohort.html", cohort=cohort, sessions=sessions)


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_cohort(cohort_id: int):
    """Change a cohort; a new pattern cancels future unrecorded sessions off it and fills in the new ones."""
    cohort = get_cohort_or_404(cohort_id)
    program = cohort.program
    form = CohortForm(
        **CohortForm.initial(cohort),
        facilitator_choices=eligible_facilitators(program, current=cohort.facilitators),
        name_taken=lambda name: cohort_name_taken(program.id, name, except_id=cohort.id),
    )
    render = lambda: render_template("admin/cohort_form.html", form=form, program=program, cohort=cohort)  # noqa: E731
    if not form.validate_on_submit():
        return invalid(render) if form.is_submitted() else render()
    update_cohort(cohort, **form.settings(), regenerate_from=program.today(), weeks=_horizon_weeks())
    db.session.commit()
    location = url_for("admin.cohort", cohort_id=cohort.id)
    return changed(render, message=f"{cohort.name} was saved.", location=location)
