"""Break-glass access: a clinician opens a client of another program in an emergency, with a reason."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from iop.breakglass.forms import BreakGlassForm
from iop.extensions import db
from iop.permissions import roles_required
from iop.services.break_glass import BreakGlassError, break_glass_programs, open_break_glass

bp = Blueprint("breakglass", __name__, url_prefix="/break-glass")


@bp.route("/", methods=["GET", "POST"])
@roles_required("clinician")
def open_record():
    """Ask for a client of a program that allows it; on success, the client's page, for a limited time."""
    form = BreakGlassForm(programs=break_glass_programs(current_user))
    if form.validate_on_submit():
        try:
            grant = open_break_glass(current_user, form.program, form.mrn.data, form.reason.data)
        except BreakGlassError as refused:
            form[refused.field].errors.append(str(refused))
            db.session.commit()  # a refused attempt stays on record
        else:
            db.session.commit()
            return redirect(url_for("clients.detail", client_id=grant.client_id), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("breakglass/open.html", form=form), status
