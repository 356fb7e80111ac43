"""The database models, one module per aggregate; import them from here."""

from iop.models.attendance import (
    ABSENT_STATUSES,
    ATTENDANCE_STATUSES,
    PARTICIPATION_ANCHORS,
    Amendment,
    Attendance,
)
from iop.models.audit import AuditEvent
from iop.models.clients import END_REASONS, Client, Enrollment
from iop.models.people import ROLE_LABELS, ROLES, LoginAttempt, StaffRole, User, UserSession, program_staff
from iop.models.programs import (
    DEFAULT_MIN_WEEKLY_HOURS,
    POPULATIONS,
    SESSION_STATUSES,
    WEEKDAYS,
    Cohort,
    GroupSession,
    Program,
    cohort_facilitators,
)

__all__ = [
    "ABSENT_STATUSES",
    "ATTENDANCE_STATUSES",
    "DEFAULT_MIN_WEEKLY_HOURS",
    "END_REASONS",
    "PARTICIPATION_ANCHORS",
    "POPULATIONS",
    "ROLES",
    "ROLE_LABELS",
    "SESSION_STATUSES",
    "WEEKDAYS",
    "Amendment",
    "Attendance",
    "AuditEvent",
    "Client",
    "Cohort",
    "Enrollment",
    "GroupSession",
    "LoginAttempt",
    "Program",
    "StaffRole",
    "User",
    "UserSession",
    "cohort_facilitators",
    "program_staff",
]
