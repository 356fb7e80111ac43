"""Staff accounts, their roles and programs, and their server-side sign-in sessions."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from iop import clock
from iop.extensions import db
from iop.models.types import UTCDateTime

ROLES = ("clinician", "case_manager", "admin")
ROLE_LABELS = {"clinician": "Clinician", "case_manager": "Case manager", "admin": "Program admin"}

program_staff = Table(
    "program_staff",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("program_id", ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16), default="staff")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set by an admin's password reset: the next sign-in goes to the change-password page first.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # TOTP keys are Fernet-encrypted under a key the database does not hold (iop.keys.encrypt_secret).
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    # The key shown during enrolment, kept here until the first code confirms it (never in the cookie).
    totp_pending_secret: Mapped[str | None] = mapped_column(String(255))
    # The last TOTP time step accepted, so a code is accepted once.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    # Loaded with the signed-in user in one query (iop.security); elsewhere only on demand.
    role_rows: Mapped[list[StaffRole]] = relationship(back_populates="user", cascade="all, delete-orphan")
    programs: Mapped[list[Program]] = relationship(secondary=program_staff, order_by="Program.name")  # noqa: F821

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.active

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(row.role for row in self.role_rows)

    @property
    def program_ids(self) -> frozenset[int]:
        return frozenset(program.id for program in self.programs)

    def has_role(self, *roles: str) -> bool:
        """True when the user holds any of the given roles."""
        return not self.roles.isdisjoint(roles)

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class StaffRole(db.Model):
    __tablename__ = "staff_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    user: Mapped[User] = relationship(back_populates="role_rows")


class UserSession(db.Model):
    """A browser's session. The cookie holds a random token and nothing else; only its hash is
    stored here, with what Flask keeps in the session (flashes, the CSRF token, a pending MFA step).
    Before sign-in it has no user; signing in starts a new record with a new token."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The session's values as JSON (iop.sessions); never in the cookie.
    data: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))

    user: Mapped[User | None] = relationship(lazy="joined")


class PasswordResetToken(db.Model):
    """A single-use link to choose a new password, sent by email; only the token's hash is stored."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A newer link, or a password change, makes this one stop working.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """A single-use code that stands in for a TOTP code; stored as a keyed hash, shown once."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginAttempt(db.Model):
    """Failed and successful sign-ins, counted for throttling."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A keyed hash of the normalised email: what was typed (perhaps a password) is never stored.
    account_key: Mapped[str] = mapped_column(String(64), index=True)
    ip: Mapped[str | None] = mapped_column(String(64), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


class ThrottleCounter(db.Model):
    """Attempts taken in one fixed window for one throttled subject (a hashed key, never an email)."""

    __tablename__ = "throttle_counters"
    __table_args__ = (UniqueConstraint("key", "window_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
