"""Programs, their cohorts, and the group sessions generated from a cohort's meeting pattern."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from iop import clock
from iop.clinical.checkins import coping_skills
from iop.clinical.thresholds import DEFAULT_THRESHOLDS, Thresholds
from iop.extensions import db
from iop.models.people import User
from iop.models.types import UTCDateTime

POPULATIONS = {"adult": "Adult", "adolescent": "Adolescent"}
# ASAM level 2.1 minimum weekly hours of structured programming.
DEFAULT_MIN_WEEKLY_HOURS = {"adult": 9, "adolescent": 6}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SESSION_STATUSES = {"scheduled": "Scheduled", "held": "Held", "cancelled": "Cancelled"}

cohort_facilitators = Table(
    "cohort_facilitators",
    db.metadata,
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Program(db.Model):
    __tablename__ = "programs"
    __table_args__ = (
        CheckConstraint("population IN ('adult', 'adolescent')", name="population"),
        CheckConstraint("min_weekly_hours > 0 AND min_weekly_hours <= 40", name="min_weekly_hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    population: Mapped[str] = mapped_column(String(16))
    min_weekly_hours: Mapped[float] = mapped_column(Numeric(4, 1, asdecimal=False))
    # The weekly review's thresholds (DESIGN §5.5) as JSON, only those changed from the defaults.
    review_thresholds_json: Mapped[str | None] = mapped_column("review_thresholds", Text)
    # Break-glass access (a clinician of another program opens a client with a written reason): off unless
    # one of the program's admins turns it on.
    break_glass_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # The coping skills a client picks from in a check-in, one per line; empty = the default list.
    coping_skills_text: Mapped[str | None] = mapped_column("coping_skills", Text)
    # Whether the client's own pages show their PHQ-9/GAD-7 totals over time: off unless an admin turns it on.
    show_clients_scores: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    cohorts: Mapped[list[Cohort]] = relationship(back_populates="program", order_by="Cohort.name")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def today(self) -> date:
        """Today's date where the program runs."""
        return clock.today(self.zone)

    @property
    def review_thresholds(self) -> Thresholds:
        """The thresholds its weekly reviews use: the §5.5 defaults with the program's changes."""
        if not self.review_thresholds_json:
            return DEFAULT_THRESHOLDS
        return Thresholds.from_mapping(json.loads(self.review_thresholds_json))

    @property
    def coping_skills(self) -> tuple[str, ...]:
        return coping_skills(self.coping_skills_text)

    def __repr__(self) -> str:
        return f"<Program {self.id}>"


class Cohort(db.Model):
    __tablename__ = "cohorts"
    __table_args__ = (
        UniqueConstraint("program_id", "name"),
        CheckConstraint("admission IN ('open', 'closed')", name="admission"),
        CheckConstraint("duration_minutes BETWEEN 15 AND 480", name="duration"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    admission: Mapped[str] = mapped_column(String(8), default="open")
    # Weekdays as digits, Monday = 0: "024" meets Monday, Wednesday and Friday.
    meeting_days: Mapped[str] = mapped_column(String(7))
    start_time: Mapped[time] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    program: Mapped[Program] = relationship(back_populates="cohorts", lazy="joined")
    facilitators: Mapped[list[User]] = relationship(secondary=cohort_facilitators, order_by=User.full_name)

    @property
    def weekdays(self) -> list[int]:
        return sorted(int(day) for day in self.meeting_days)

    @property
    def pattern_label(self) -> str:
        days = ", ".join(WEEKDAYS[day] for day in self.weekdays)
        start = f"{self.start_time:%I:%M %p}".lstrip("0")  # 12-hour, as on every other page
        return f"{days} at {start}, {self.duration_minutes} min"

    def __repr__(self) -> str:
        return f"<Cohort {self.id}>"


class GroupSession(db.Model):
    """One video group meeting. Times are stored in UTC and shown in program time."""

    __tablename__ = "group_sessions"
    __table_args__ = (
        UniqueConstraint("cohort_id", "starts_at"),
        CheckConstraint("status IN ('scheduled', 'held', 'cancelled')", name="status"),
        CheckConstraint("duration_minutes BETWEEN 15 AND 480", name="duration"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The program-local date, kept beside starts_at so rosters can be found with a plain comparison.
    session_date: Mapped[date] = mapped_column(Date, index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    topic: Mapped[str] = mapped_column(String(200), default="")
    interventions: Mapped[str] = mapped_column(Text, default="")
    observations: Mapped[str] = mapped_column(Text, default="")
    note_version: Mapped[int] = mapped_column(Integer, default=0)
    note_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note_updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_reason: Mapped[str | None] = mapped_column(String(200))

    cohort: Mapped[Cohort] = relationship(lazy="joined")
    facilitator: Mapped[User | None] = relationship(foreign_keys=[facilitator_id], lazy="joined")
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])
    note_updated_by: Mapped[User | None] = relationship(foreign_keys=[note_updated_by_id])

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(self.cohort.program.zone)

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def is_cancelled(self) -> bool:
        return self.status == "cancelled"

    def __repr__(self) -> str:
        return f"<GroupSession {self.id}>"
