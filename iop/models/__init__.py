"""The database models, one module per aggregate; import them from here."""

from iop.models.alerts import ALERT_KINDS, ESCALATION_MINUTES, Alert
from iop.models.attendance import (
    ABSENT_STATUSES,
    ATTENDANCE_STATUSES,
    PARTICIPATION_ANCHORS,
    Amendment,
    Attendance,
)
from iop.models.audit import AuditEvent
from iop.models.clients import END_REASONS, Client, Enrollment
from iop.models.events import CustomInstrument, ExposureEvent, SymptomEvent
from iop.models.goals import GAS_LEVELS, GOAL_DOMAINS, GOAL_STATES, Goal, GoalRating
from iop.models.measures import ASSESSMENT_SOURCES, AssessmentResponse
from iop.models.medication import (
    DOSE_CYCLE,
    DOSE_SOURCES,
    DOSE_STATUSES,
    MEDICATION_ROUTES,
    DoseLog,
    Fill,
    Medication,
    SideEffect,
)
from iop.models.notifications import CHANNELS, OUTBOX_STATUSES, Notification, OutboxMessage
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
    "CHANNELS",
    "OUTBOX_STATUSES",
    "Notification",
    "OutboxMessage",
    "DOSE_CYCLE",
    "DOSE_SOURCES",
    "DOSE_STATUSES",
    "MEDICATION_ROUTES",
    "GAS_LEVELS",
    "GOAL_DOMAINS",
    "GOAL_STATES",
    "CustomInstrument",
    "DoseLog",
    "ExposureEvent",
    "Fill",
    "Goal",
    "GoalRating",
    "Medication",
    "SideEffect",
    "SymptomEvent",
    "ALERT_KINDS",
    "ASSESSMENT_SOURCES",
    "ESCALATION_MINUTES",
    "Alert",
    "AssessmentResponse",
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
