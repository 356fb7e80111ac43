"""Program administration: programs, cohorts with their schedules, staff and roles.

The URL table is here, in one place; the views live in programs.py, cohorts.py, staff.py and instruments.py.
Every view is admin-only, and objects load through loaders that 404 outside the admin's programs.
"""

from flask import Blueprint

from iop.admin import (
    break_glass,
    cohorts,
    instruments,
    outbox,
    outcomes,
    programs,
    review_runs,
    staff,
    thresholds,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")

GET_POST = ["GET", "POST"]
bp.add_url_rule("/", "index", programs.index)
bp.add_url_rule("/programs/", "programs", programs.programs)
bp.add_url_rule("/programs/new", "new_program", programs.new_program, methods=GET_POST)
bp.add_url_rule("/programs/<int:program_id>/edit", "edit_program", programs.edit_program, methods=GET_POST)
bp.add_url_rule("/programs/<int:program_id>/cohorts/new", "new_cohort", cohorts.new_cohort, methods=GET_POST)
bp.add_url_rule("/cohorts/<int:cohort_id>", "cohort", cohorts.cohort)
bp.add_url_rule("/cohorts/<int:cohort_id>/edit", "edit_cohort", cohorts.edit_cohort, methods=GET_POST)
bp.add_url_rule("/staff/", "staff", staff.staff)
bp.add_url_rule("/staff/new", "new_staff", staff.new_staff, methods=GET_POST)
bp.add_url_rule("/staff/<int:user_id>/edit", "edit_staff", staff.edit_staff, methods=GET_POST)
bp.add_url_rule(
    "/staff/<int:user_id>/password", "reset_staff_password", staff.reset_staff_password, methods=GET_POST
)
bp.add_url_rule(
    "/staff/<int:user_id>/end-sessions", "end_staff_sessions", staff.end_staff_sessions, methods=["POST"]
)
bp.add_url_rule("/programs/<int:program_id>/instruments/", "instruments", instruments.instruments)
bp.add_url_rule(
    "/programs/<int:program_id>/instruments/new",
    "new_instrument",
    instruments.new_instrument,
    methods=GET_POST,
)
bp.add_url_rule(
    "/instruments/<int:instrument_id>/edit", "edit_instrument", instruments.edit_instrument, methods=GET_POST
)
bp.add_url_rule("/review-runs/", "review_runs", review_runs.review_runs)
bp.add_url_rule(
    "/review-runs/<int:run_id>/retry", "retry_review_run", review_runs.retry_review_run, methods=["POST"]
)
bp.add_url_rule("/outbox/", "outbox", outbox.outbox)
bp.add_url_rule("/break-glass/", "break_glass", break_glass.break_glass)
bp.add_url_rule(
    "/programs/<int:program_id>/thresholds",
    "program_thresholds",
    thresholds.program_thresholds,
    methods=GET_POST,
)
bp.add_url_rule("/outcomes/", "outcomes", outcomes.outcomes)
bp.add_url_rule("/outcomes.csv", "outcomes_csv", outcomes.outcomes_csv)
