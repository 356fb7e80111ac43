"""Admin view: break-glass grants into the admin's programs, with who, which client and why."""

from flask import render_template

from iop.admin import bp
from iop.extensions import db
from iop.permissions import admin_required, permitted_program_ids
from iop.services.audit import record_events
from iop.services.break_glass import grants_of_programs


@bp.get("/break-glass/")
@admin_required
def break_glass():
    """The newest break-glass grants of the admin's programs, each with its written reason."""
    grants = grants_of_programs(permitted_program_ids())
    if grants:
        # The list names clients: reading it is on record like any other read of client data.
        record_events(
            "break_glass.list", "break_glass_grant", None, sorted({grant.client_id for grant in grants})
        )
        db.session.commit()
    return render_template("admin/break_glass.html", grants=grants)
