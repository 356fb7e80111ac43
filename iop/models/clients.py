"""Clients and their enrollments in cohorts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from iop import clock
from iop.extensions import db
from iop.models.programs import Cohort, Program
from iop.models.types import UTCDateTime

END_REASONS = {
    "stepped_down": "Stepped down to outpatient",
    "stepped_up": "Stepped up to a higher level of care",
    "discharged": "Discharged",
    "transferred": "Transferred to another cohort",
}


class Client(db.Model):
    __tablename__ = "clients"
    __table_args__ = (
        UniqueConstraint("program_id", "mrn"),
        CheckConstraint(
            "authorization_end IS NULL OR authorization_start IS NULL "
            "OR authorization_end >= authorization_start",
            name="authorization_dates",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The program the client is in now; staff see only clients of their programs.
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    # The name clinicians address the client by in a group ("Liz" for Elizabeth); empty = first name.
    preferred_name: Mapped[str] = mapped_column(String(80), default="", server_default="")
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    # Medical record number, unique within the program when given.
    mrn: Mapped[str | None] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    emergency_contact_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    emergency_contact_phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    payer: Mapped[str] = mapped_column(String(120), default="", server_default="")
    authorization_number: Mapped[str] = mapped_column(String(64), default="", server_default="")
    authorization_start: Mapped[date | None] = mapped_column(Date)
    authorization_end: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    program: Mapped[Program] = relationship(lazy="joined")
    enrollments: Mapped[list[Enrollment]] = relationship(
        back_populates="client", order_by="Enrollment.started_on"
    )

    @property
    def called(self) -> str:
        """The name used in a group: the preferred name, else the first name."""
        return self.preferred_name or self.first_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def sort_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    def __repr__(self) -> str:
        return f"<Client {self.id}>"


class Enrollment(db.Model):
    """A client's membership of a cohort, from started_on up to (not including) ended_on."""

    __tablename__ = "enrollments"
    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="dates"),
        CheckConstraint(
            "(ended_on IS NULL AND end_reason IS NULL) OR (ended_on IS NOT NULL AND end_reason IS NOT NULL)",
            name="end_reason",
        ),
        # At most one open enrollment per client.
        Index(
            "uq_enrollments_one_open_per_client",
            "client_id",
            unique=True,
            sqlite_where=text("ended_on IS NULL"),
            postgresql_where=text("ended_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    client: Mapped[Client] = relationship(back_populates="enrollments", lazy="joined")
    cohort: Mapped[Cohort] = relationship(lazy="joined")

    def is_active_on(self, day: date) -> bool:
        """True when the client belongs to the cohort on that program-local date."""
        return self.started_on <= day and (self.ended_on is None or day < self.ended_on)

    def week_in_program(self, day: date) -> int:
        """Week number (1-based) of this enrollment on the given date."""
        return max(1, (day - self.started_on).days // 7 + 1)

    def __repr__(self) -> str:
        return f"<Enrollment {self.id}>"
