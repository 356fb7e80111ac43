"""Admin view of a program's weekly review thresholds (DESIGN §5.5), checked field by field."""

from dataclasses import fields

from flask import render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.validators import InputRequired

from iop.admin import bp
from iop.clinical.thresholds import LABELS, Thresholds, ThresholdsError
from iop.extensions import db
from iop.fields import FloatField, IntegerField
from iop.htmx import changed, invalid
from iop.permissions import admin_required, get_program_or_404
from iop.services.reviews import set_program_thresholds


class ThresholdsForm(FlaskForm):
    """One number per threshold; the clinical module checks their ranges and how they fit together."""

    def values(self) -> dict:
        return {field.name: getattr(self, field.name).data for field in fields(Thresholds)}

    def add_errors(self, error: ThresholdsError) -> None:
        for name, message in error.field_errors.items():
            target = getattr(self, name, None)
            if target is None:
                self.form_errors.append(message)
            else:
                target.errors = [*target.errors, message]


for _field in fields(Thresholds):
    _kind = IntegerField if _field.type in (int, "int") else FloatField
    setattr(
        ThresholdsForm,
        _field.name,
        _kind(
            LABELS[_field.name],
            validators=[InputRequired(message="Enter a number.")],
            render_kw={"inputmode": "numeric" if _kind is IntegerField else "decimal", "step": "any"},
        ),
    )


@bp.route("/programs/<int:program_id>/thresholds", methods=["GET", "POST"])
@admin_required
def program_thresholds(program_id: int):
    """Change the numbers a program's weekly reviews use; reviews computed afterwards use them."""
    program = get_program_or_404(program_id)
    current = program.review_thresholds
    form = ThresholdsForm(data=current.as_dict())
    render = lambda: render_template(  # noqa: E731
        "admin/thresholds.html", form=form, program=program, names=[f.name for f in fields(Thresholds)]
    )
    if form.validate_on_submit():
        try:
            set_program_thresholds(program, form.values(), current_user)
        except ThresholdsError as error:  # refused before anything is written
            form.add_errors(error)
        else:
            db.session.commit()
            message = f"Review thresholds of {program.name} saved."
            return changed(render, message=message, location=url_for("admin.programs"))
    return invalid(render) if form.is_submitted() else render()
