"""Home: today's groups for clinicians and case managers; admins land on the admin screens."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from iop.permissions import signed_in_required
from iop.services.rosters import todays_sessions
from iop.services.todo import todo_for

bp = Blueprint("home", __name__)


@bp.get("/")
@signed_in_required
def index():
    """Today's groups across the user's programs, in each program's time, and the to-do list."""
    if current_user.kind == "family":
        return redirect(url_for("family.index"))
    if not current_user.has_role("clinician", "case_manager"):
        return redirect(url_for("admin.index"))
    return render_template(
        "home/index.html", sessions=todays_sessions(current_user), todo=todo_for(current_user)
    )
