"""Program administration."""

from flask import Blueprint, render_template
from flask_login import current_user

from iop.permissions import admin_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@admin_required
def index():
    """The admin's overview of their programs."""
    return render_template("admin/index.html", programs=current_user.programs)
