"""Admin views: cohorts, their meeting pattern and facilitators, and the sessions generated from it."""

from flask import current_app, render_template

from iop.admin.forms import CohortForm
from iop.admin.queries import cohort_name_taken, eligible_facilitators, upcoming_sessions
from iop.admin.respond import done, form_page
from iop.extensions import db
from iop.permissions import admin_required, get_cohort_or_404, get_program_or_404
from iop.services.programs import create_cohort, update_cohort


def _horizon_weeks() -> int:
    return current_app.config["IOP_SESSION_HORIZON_WEEKS"]


@admin_required
def new_cohort(program_id: int):
    """Create a cohort and generate its sessions for the coming weeks."""
    program = get_program_or_404(program_id)
    form = CohortForm(
        facilitator_choices=eligible_facilitators(program),
        name_taken=lambda name: cohort_name_taken(program.id, name),
    )
    if not form.validate_on_submit():
        return form_page("admin/cohort_form.html", form, program=program, cohort=None)
    cohort = create_cohort(program, **form.settings(), generate_from=program.today(), weeks=_horizon_weeks())
    db.session.commit()
    return done(
        f"{cohort.name} was created with sessions for the next {_horizon_weeks()} weeks.",
        "admin.cohort",
        cohort_id=cohort.id,
    )


@admin_required
def cohort(cohort_id: int):
    """A cohort's settings and its upcoming sessions, cancelled ones marked with their reason."""
    cohort = get_cohort_or_404(cohort_id)
    sessions = upcoming_sessions(cohort, cohort.program.today())
    return render_template("admin/cohort.html", cohort=cohort, sessions=sessions)


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
    if not form.validate_on_submit():
        return form_page("admin/cohort_form.html", form, program=program, cohort=cohort)
    update_cohort(cohort, **form.settings(), regenerate_from=program.today(), weeks=_horizon_weeks())
    db.session.commit()
    return done(f"{cohort.name} was saved.", "admin.cohort", cohort_id=cohort.id)
