"""Admin views: a program's questionnaires, PHQ-9 and GAD-7 read-only and its own custom instruments."""

from flask import render_template, url_for
from flask_login import current_user

from iop.admin import bp
from iop.admin.instrument_forms import InstrumentForm
from iop.clinical.instruments import STANDARD_INSTRUMENTS
from iop.extensions import db
from iop.htmx import changed, invalid
from iop.permissions import admin_required, get_custom_instrument_or_404, get_program_or_404
from iop.services.custom_instruments import (
    InstrumentDefinition,
    InstrumentInUse,
    build_instrument,
    create_custom_instrument,
    key_taken,
    program_custom_instruments,
    response_counts,
    update_custom_instrument,
)


@bp.get("/programs/<int:program_id>/instruments/")
@admin_required
def instruments(program_id: int):
    """The program's questionnaires: the standard ones, then its own with how often each was used."""
    program = get_program_or_404(program_id)
    rows = program_custom_instruments(program)
    return render_template(
        "admin/instruments.html",
        program=program,
        standard=list(STANDARD_INSTRUMENTS.values()),
        custom=[(row, build_instrument(row)) for row in rows],
        counts=response_counts(program),
    )


@bp.route("/programs/<int:program_id>/instruments/new", methods=["GET", "POST"])
@admin_required
def new_instrument(program_id: int):
    """Define a custom instrument for the program."""
    program = get_program_or_404(program_id)
    form = InstrumentForm(key_taken=lambda key: key_taken(program.id, key))
    render = lambda: render_template(  # noqa: E731
        "admin/instrument_form.html", form=form, program=program, instrument=None, recorded=0
    )
    if not form.validate_on_submit():
        return invalid(render) if form.is_submitted() else render()
    row = create_custom_instrument(program, form.definition(), current_user)
    db.session.commit()
    return changed(
        render,
        message=f"{row.name} was created.",
        location=url_for("admin.instruments", program_id=program.id),
    )


@bp.route("/instruments/<int:instrument_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_instrument(instrument_id: int):
    """Change a custom instrument; once answered, its key, items and scale are kept as they were."""
    row = get_custom_instrument_or_404(instrument_id)
    program = row.program
    form = InstrumentForm(
        **InstrumentForm.initial(InstrumentDefinition.of(row)),
        key_taken=lambda key: key_taken(program.id, key, except_id=row.id),
    )
    recorded = response_counts(program).get(row.key, 0)
    render = lambda: render_template(  # noqa: E731
        "admin/instrument_form.html", form=form, program=program, instrument=row, recorded=recorded
    )
    if not form.validate_on_submit():
        return invalid(render) if form.is_submitted() else render()
    try:
        update_custom_instrument(row, form.definition(), current_user)
    except InstrumentInUse as refused:
        form[refused.field].errors.append(str(refused))
        return invalid(render)
    db.session.commit()
    return changed(
        render, message=f"{row.name} was saved.", location=url_for("admin.instruments", program_id=program.id)
    )
