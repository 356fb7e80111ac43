"""Admin views: the overview and the programs."""

from flask import render_template, url_for
from flask_login import current_user

from iop.admin import bp
from iop.admin.forms import ProgramForm
from iop.extensions import db
from iop.htmx import changed, invalid
from iop.permissions import admin_required, get_program_or_404, permitted_programs
from iop.services.administration import program_name_taken, program_summaries
from iop.services.programs import create_program, update_program


@bp.get("/")
@admin_required
def index():
    """The admin's programs with their cohorts, current members and upcoming sessions."""
    return render_template("admin/index.html", summaries=program_summaries(permitted_programs()))


@bp.get("/programs/")
@admin_required
def programs():
    """The admin's programs and their settings."""
    return render_template("admin/programs.html", summaries=program_summaries(permitted_programs()))


@bp.route("/programs/new", methods=["GET", "POST"])
@admin_required
def new_program():
    """Create a program; the admin who creates it is assigned to it."""
    form = ProgramForm(name_taken=program_name_taken)
    render = lambda: render_template("admin/program_form.html", form=form, program=None)  # noqa: E731
    if not form.validate_on_submit():
        return invalid(render) if form.is_submitted() else render()
    program = create_program(**form.settings(), actor=current_user)
    db.session.commit()
    location = url_for("admin.index")
    return changed(
        render,
        message=f"{program.name} was created. Add its cohorts next.",
        location=location,
    )


@bp.route("/programs/<int:program_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_program(program_id: int):
    """Change a program's settings; its time zone is fixed once it has cohorts."""
    program = get_program_or_404(program_id)
    form = ProgramForm(
        obj=program,
        name_taken=lambda name: program_name_taken(name, except_id=program.id),
        current_timezone=program.timezone,
    )
    if program.cohorts:
        del form.timezone  # its sessions are scheduled in this zone
    render = lambda: render_template("admin/program_form.html", form=form, program=program)  # noqa: E731
    if not form.validate_on_submit():
        return invalid(render) if form.is_submitted() else render()
    update_program(program, **form.settings())
    db.session.commit()
    location = url_for("admin.programs")
    return changed(render, message=f"{program.name} was saved.", location=location)
