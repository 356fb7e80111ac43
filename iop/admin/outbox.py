"""Admin view: the outbox of the admin's programs, where held messages wait when no mail server is set."""

from flask import render_template

from iop.admin import bp
from iop.extensions import db
from iop.models import CHANNELS, OUTBOX_STATUSES
from iop.permissions import admin_required, permitted_program_ids
from iop.services.audit import record_event
from iop.services.messaging import outbox_for_programs


@bp.get("/outbox/")
@admin_required
def outbox():
    """The newest messages about the admin's programs, with the bodies of those not yet delivered."""
    messages = list(db.session.scalars(outbox_for_programs(permitted_program_ids())))
    # Bodies can hold sign-up links: reading them is worth a trail.
    record_event("outbox.view", "outbox_message", details={"count": len(messages)})
    db.session.commit()
    return render_template(
        "admin/outbox.html", messages=messages, CHANNELS=CHANNELS, OUTBOX_STATUSES=OUTBOX_STATUSES
    )
