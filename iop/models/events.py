"""Quickly logged symptom counts and exposure exercises, and programs' custom instruments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from iop import clock
from iop.extensions import db
from iop.models.clients import Client
from iop.models.programs import Program
from iop.models.types import UTCDateTime

# An entry is recorded by a staff member or, through their personal link, by the client.
RECORDED_BY_SOMEONE = "recorded_by_id IS NOT NULL OR client_link_id IS NOT NULL"


class SymptomEvent(db.Model):
    """A counted symptom over a period, e.g. "panic attacks this week: 3, worst severity 7"."""

    __tablename__ = "symptom_events"
    __table_args__ = (
        CheckConstraint("occurrences >= 0", name="occurrences"),
        CheckConstraint("severity IS NULL OR severity BETWEEN 0 AND 10", name="severity"),
        CheckConstraint(RECORDED_BY_SOMEONE, name="recorded_by_someone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    symptom: Mapped[str] = mapped_column(String(80))
    recorded_on: Mapped[date] = mapped_column(Date)
    occurrences: Mapped[int] = mapped_column(SmallInteger)
    severity: Mapped[int | None] = mapped_column(SmallInteger)
    note: Mapped[str] = mapped_column(String(500), default="")
    # A staff member, or (recorded_by_id empty) the client by personal link.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    client_link_id: Mapped[int | None] = mapped_column(ForeignKey("client_links.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # The client's form's one-time key: the same form posted twice stores one entry (staff logs have none).
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    @property
    def client_entered(self) -> bool:
        return self.recorded_by_id is None

    client: Mapped[Client] = relationship()


class ExposureEvent(db.Model):
    """An exposure exercise with anxiety rated 0–100 (SUDS) before and after."""

    __tablename__ = "exposure_events"
    __table_args__ = (
        CheckConstraint("anxiety_before BETWEEN 0 AND 100", name="anxiety_before"),
        CheckConstraint("anxiety_after BETWEEN 0 AND 100", name="anxiety_after"),
        CheckConstraint(RECORDED_BY_SOMEONE, name="recorded_by_someone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    situation: Mapped[str] = mapped_column(String(200))
    done_on: Mapped[date] = mapped_column(Date)
    anxiety_before: Mapped[int] = mapped_column(SmallInteger)
    anxiety_after: Mapped[int] = mapped_column(SmallInteger)
    note: Mapped[str] = mapped_column(String(500), default="")
    # A staff member, or (recorded_by_id empty) the client by personal link.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    client_link_id: Mapped[int | None] = mapped_column(ForeignKey("client_links.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # The client's form's one-time key: the same form posted twice stores one entry (staff logs have none).
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    @property
    def client_entered(self) -> bool:
        return self.recorded_by_id is None

    client: Mapped[Client] = relationship()


class CustomInstrument(db.Model):
    """A program's own questionnaire, scored by iop.clinical.instruments like the standard ones."""

    __tablename__ = "custom_instruments"
    __table_args__ = (
        UniqueConstraint("program_id", "key"),
        CheckConstraint("scale_max > scale_min", name="scale"),
        CheckConstraint("key NOT IN ('phq9', 'gad7')", name="key_not_standard"),
        CheckConstraint("cadence_days IS NULL OR cadence_days BETWEEN 1 AND 365", name="cadence_days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    # JSON lists: item texts; answer labels (one per scale point, optional); bands [[key, label, low, high]].
    items_json: Mapped[str] = mapped_column("items", Text)
    option_labels_json: Mapped[str] = mapped_column("option_labels", Text, default="[]")
    bands_json: Mapped[str] = mapped_column("bands", Text, default="[]")
    scale_min: Mapped[int] = mapped_column(SmallInteger)
    scale_max: Mapped[int] = mapped_column(SmallInteger)
    higher_is_better: Mapped[bool] = mapped_column(Boolean, default=False)
    reliable_change: Mapped[int | None] = mapped_column(SmallInteger)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Clients answer it by personal link every this many days; None = entered by staff only.
    cadence_days: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    program: Mapped[Program] = relationship()
