"""Program administration: programs, cohorts with their schedules, staff and roles.

The blueprint is made here; each view module (programs.py, cohorts.py, staff.py, instruments.py, …) registers
its views on it with decorators, like every other area. Every view is admin-only, and objects load through
loaders that 404 outside the admin's programs.
"""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
