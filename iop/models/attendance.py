"""Attendance rows of a group session, and amendments made after a session was signed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from iop import clock
from iop.clinical.attendance import ABSENT, STATUS_LABELS, status_check_sql
from iop.clinical.attendance import STATUS_SHORT_LABELS as STATUS_SHORT_LABELS
from iop.extensions import db
from iop.models.clients import Enrollment
from iop.models.people import User
from iop.models.programs import GroupSession
from iop.models.types import UTCDateTime

# The statuses, their labels and the absent set are owned by iop.clinical.attendance; the names below
# are what templates and forms have always imported.
ATTENDANCE_STATUSES = STATUS_LABELS
ABSENT_STATUSES = ABSENT
PARTICIPATION_ANCHORS = {
    1: "Disengaged or disruptive",
    2: "Minimal",
    3: "Responds when prompted",
    4: "Contributes actively",
    5: "Leads and supports peers",
}


class Attendance(db.Model):
    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "enrollment_id"),
        CheckConstraint(status_check_sql(), name="status"),
        # A row without a status holds only a note: no minutes, no rating.
        CheckConstraint(
            "status IS NOT NULL OR (minutes_attended IS NULL AND participation IS NULL)", name="unrecorded"
        ),
        CheckConstraint("minutes_attended >= 0", name="minutes"),
        CheckConstraint("participation IS NULL OR participation BETWEEN 1 AND 5", name="participation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id"), index=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id"), index=True)
    # Both empty while the row holds only a note typed before a status was chosen (not yet recorded).
    status: Mapped[str | None] = mapped_column(String(24))
    minutes_attended: Mapped[int | None] = mapped_column(Integer)
    participation: Mapped[int | None] = mapped_column(SmallInteger)
    note: Mapped[str] = mapped_column(String(500), default="")
    # Optimistic concurrency: every save must name the version it started from.
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    session: Mapped[GroupSession] = relationship()
    enrollment: Mapped[Enrollment] = relationship()
    updated_by: Mapped[User] = relationship(lazy="joined")

    # SQLAlchemy adds "AND version = :loaded" to every UPDATE and bumps the number.
    __mapper_args__ = {"version_id_col": version}

    @property
    def is_recorded(self) -> bool:
        """Attendance is taken once a status is chosen; a row with only a note is not yet recorded."""
        return self.status is not None

    def __repr__(self) -> str:
        return f"<Attendance {self.id}>"


class Amendment(db.Model):
    """A change made after the session was signed; the original value is kept here."""

    __tablename__ = "amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id"), index=True)
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollments.id"))
    field: Mapped[str] = mapped_column(String(40))
    before: Mapped[str] = mapped_column(Text)
    after: Mapped[str] = mapped_column(Text)
    # Why a signed record was changed, as the clinician wrote it; the audit event keeps only codes.
    reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    amended_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    amended_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    amended_by: Mapped[User] = relationship(lazy="joined")
    enrollment: Mapped[Enrollment | None] = relationship()
