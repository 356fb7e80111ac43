"""Medications, the daily dose log, pharmacy fills and side-effect reports."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, SmallInteger, String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from iop import clock
from iop.extensions import db
from iop.models.clients import Client
from iop.models.people import User
from iop.models.types import UTCDateTime

DOSE_STATUSES = {"taken": "Taken", "partial": "Partial", "missed": "Missed", "refused": "Refused"}
# One tap on a dose-grid cell moves to the next status; after "refused" the cell is cleared.
DOSE_CYCLE = ("taken", "partial", "missed", "refused")
MEDICATION_ROUTES = {
    "oral": "By mouth",
    "sublingual": "Under the tongue",
    "injection": "Injection",
    "transdermal": "Patch",
    "inhaled": "Inhaled",
    "nasal": "Nasal",
    "other": "Other",
}
DOSE_SOURCES = {"client": "Client report", "clinician": "Clinician", "family": "Family"}


class Medication(db.Model):
    __tablename__ = "medications"
    __table_args__ = (
        CheckConstraint("doses_per_day BETWEEN 1 AND 12", name="doses_per_day"),
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="dates"),
        CheckConstraint(
            "route IN ('oral', 'sublingual', 'injection', 'transdermal', 'inhaled', 'nasal', 'other')",
            name="route",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    dose: Mapped[str] = mapped_column(String(80))
    doses_per_day: Mapped[int] = mapped_column(SmallInteger)
    prescriber: Mapped[str] = mapped_column(String(120), default="")
    route: Mapped[str] = mapped_column(String(16), default="oral", server_default="oral")
    # Taken as needed: no schedule, so it never counts against adherence.
    as_needed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    client: Mapped[Client] = relationship()

    def is_active_on(self, day: date) -> bool:
        """True when the medication is prescribed on that day (end date included)."""
        return self.started_on <= day and (self.ended_on is None or day <= self.ended_on)


class DoseLog(db.Model):
    """What happened with one medication on one day; one row per (medication, day)."""

    __tablename__ = "dose_logs"
    __table_args__ = (
        UniqueConstraint("medication_id", "day"),
        CheckConstraint("status IN ('taken', 'partial', 'missed', 'refused')", name="status"),
        CheckConstraint("source IN ('client', 'clinician', 'family')", name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    medication_id: Mapped[int] = mapped_column(ForeignKey("medications.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16), default="clinician")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    medication: Mapped[Medication] = relationship()


class Fill(db.Model):
    __tablename__ = "medication_fills"
    __table_args__ = (CheckConstraint("days_supply BETWEEN 1 AND 365", name="days_supply"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    medication_id: Mapped[int] = mapped_column(ForeignKey("medications.id"), index=True)
    filled_on: Mapped[date] = mapped_column(Date)
    days_supply: Mapped[int] = mapped_column(SmallInteger)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    medication: Mapped[Medication] = relationship()


class SideEffect(db.Model):
    __tablename__ = "side_effects"
    __table_args__ = (CheckConstraint("severity BETWEEN 0 AND 10", name="severity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    medication_id: Mapped[int] = mapped_column(ForeignKey("medications.id"), index=True)
    reported_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(200))
    severity: Mapped[int] = mapped_column(SmallInteger)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    medication: Mapped[Medication] = relationship()
    recorded_by: Mapped[User] = relationship(lazy="joined")
