"""The client's own side: the personal link a clinician enables, its sessions, and daily check-ins."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from iop import clock
from iop.clinical.checkins import FEEDBACK_KEYS, SCALE_KEYS, SOCIAL_CATEGORIES
from iop.extensions import db
from iop.models.clients import Client
from iop.models.people import User
from iop.models.programs import GroupSession
from iop.models.types import UTCDateTime

SECOND_FACTORS = {
    "none": "None: the link alone",
    "pin": "A short PIN the client chooses with you",
    "dob": "The client's date of birth",
}
LINK_STATES = {"active": "Active", "expired": "Expired", "revoked": "Revoked", "replaced": "Replaced"}


class ClientLink(db.Model):
    """A personal link to the client's own pages. Only the token's hash is stored; revoked, never deleted."""

    __tablename__ = "client_links"
    __table_args__ = (
        CheckConstraint("second_factor IN ('none', 'pin', 'dob')", name="second_factor"),
        CheckConstraint("second_factor <> 'pin' OR pin_hash IS NOT NULL", name="pin_needs_hash"),
        CheckConstraint("channel IN ('email', 'sms')", name="channel"),
        CheckConstraint("expires_at > created_at", name="expires_after_created"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The client's consent to use Stepwise by link, and what for, recorded by the clinician.
    purpose: Mapped[str] = mapped_column(String(300))
    consent_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(8))
    second_factor: Mapped[str] = mapped_column(String(8), default="none")
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set on an older link when a newer one (renewal or a fresh send) takes its place.
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("client_links.id"))

    client: Mapped[Client] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    def state(self, now: datetime) -> str:
        """active, expired, revoked or replaced."""
        if self.revoked_at is not None:
            return "revoked"
        if self.replaced_by_id is not None:
            return "replaced"
        return "expired" if now >= self.expires_at else "active"

    def __repr__(self) -> str:
        return f"<ClientLink {self.id}>"


class ClientLinkSession(db.Model):
    """A browser that opened a link (and passed its second factor); the cookie holds a random token."""

    __tablename__ = "client_link_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("client_links.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))

    link: Mapped[ClientLink] = relationship(lazy="joined")


class DailyCheckin(db.Model):
    """One day's check-in by the client: one per client and program day."""

    __tablename__ = "daily_checkins"
    __table_args__ = (
        UniqueConstraint("client_id", "day"),
        *(CheckConstraint(f"{key} BETWEEN 0 AND 10", name=f"{key}_range") for key in SCALE_KEYS),
        CheckConstraint("sleep_hours IS NULL OR sleep_hours BETWEEN 0 AND 24", name="sleep_range"),
        CheckConstraint(
            "exercise_minutes IS NULL OR exercise_minutes BETWEEN 0 AND 1440", name="exercise_range"
        ),
        CheckConstraint(
            "social_with IS NULL OR (social_contact AND social_with IN ("
            + ", ".join(f"'{key}'" for key in SOCIAL_CATEGORIES)
            + "))",
            name="social_with",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("client_links.id"))
    day: Mapped[date] = mapped_column(Date)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    mood: Mapped[int] = mapped_column(SmallInteger)
    anxiety: Mapped[int] = mapped_column(SmallInteger)
    cravings: Mapped[int] = mapped_column(SmallInteger)
    stress: Mapped[int] = mapped_column(SmallInteger)
    sleep_hours: Mapped[float | None] = mapped_column(Numeric(3, 1, asdecimal=False))
    exercise_minutes: Mapped[int | None] = mapped_column(Integer)
    social_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    social_with: Mapped[str | None] = mapped_column(String(16))
    coping_skill: Mapped[str | None] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(Text, default="")
    # The form's one-time key: the same form posted twice stores one check-in.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)

    def __repr__(self) -> str:
        return f"<DailyCheckin {self.id}>"


class JournalEntry(db.Model):
    """A client's journal entry: private unless the client shares it with the care team (and can unshare)."""

    __tablename__ = "journal_entries"
    __table_args__ = (CheckConstraint("body <> ''", name="body_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("client_links.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    body: Mapped[str] = mapped_column(Text)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    shared_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The form's one-time key: the same entry posted twice is stored once.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)

    def __repr__(self) -> str:
        return f"<JournalEntry {self.id}>"


class SessionFeedback(db.Model):
    """A client's feedback on one group they attended: three 1–5 ratings and a comment. One per group."""

    __tablename__ = "session_feedback"
    __table_args__ = (
        UniqueConstraint("client_id", "session_id"),
        *(CheckConstraint(f"{key} BETWEEN 1 AND 5", name=f"{key}_range") for key in FEEDBACK_KEYS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id"), index=True)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("client_links.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    felt_heard: Mapped[int] = mapped_column(SmallInteger)
    useful: Mapped[int] = mapped_column(SmallInteger)
    plan_to_use: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")

    session: Mapped[GroupSession] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<SessionFeedback {self.id}>"


class HomeworkAssignment(db.Model):
    """Skill practice a clinician assigns between groups: once by a due date, daily or weekly."""

    __tablename__ = "homework_assignments"
    __table_args__ = (
        CheckConstraint("frequency IN ('once', 'daily', 'weekly')", name="frequency"),
        CheckConstraint("frequency <> 'once' OR due_on IS NOT NULL", name="once_needs_due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    instructions: Mapped[str] = mapped_column(Text, default="")
    frequency: Mapped[str] = mapped_column(String(8))
    due_on: Mapped[date | None] = mapped_column(Date)
    assigned_on: Mapped[date] = mapped_column(Date)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    completions: Mapped[list[HomeworkCompletion]] = relationship(
        back_populates="assignment", order_by="HomeworkCompletion.day"
    )

    def __repr__(self) -> str:
        return f"<HomeworkAssignment {self.id}>"


class HomeworkCompletion(db.Model):
    """The client marked an assignment done on a day, with an optional note; once per day."""

    __tablename__ = "homework_completions"
    __table_args__ = (UniqueConstraint("assignment_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("homework_assignments.id"))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("client_links.id"))
    day: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    assignment: Mapped[HomeworkAssignment] = relationship(back_populates="completions")


class QuestionnaireReminder(db.Model):
    """A reminder sent to the client that a questionnaire became due: one per client, instrument and due
    date, so the schedule can run as often as it likes and the client hears once."""

    __tablename__ = "questionnaire_reminders"
    __table_args__ = (UniqueConstraint("client_id", "instrument", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    instrument: Mapped[str] = mapped_column(String(40))
    due_on: Mapped[date] = mapped_column(Date)
    link_id: Mapped[int] = mapped_column(ForeignKey("client_links.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))

    def __repr__(self) -> str:
        return f"<QuestionnaireReminder {self.id}>"
