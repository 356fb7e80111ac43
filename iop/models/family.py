"""Family collateral under the client's consent: consents, invitations and observations (42 CFR Part 2)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from iop import clock
from iop.clinical.evidence import FAMILY_CONCERNS
from iop.extensions import db
from iop.models.clients import Client
from iop.models.people import User
from iop.models.types import UTCDateTime

RELATIONSHIPS = {
    "parent": "Parent",
    "partner": "Spouse or partner",
    "sibling": "Sibling",
    "adult_child": "Adult child",
    "other_relative": "Other relative",
    "friend": "Friend",
    "guardian": "Legal guardian",
}
CONSENT_STATES = {
    "active": "Active",
    "expiring": "Expiring soon",
    "expired": "Expired",
    "revoked": "Revoked",
}
# A consent within this many days of its expiry is shown as expiring, so the team can renew it in time.
EXPIRING_WITHIN_DAYS = 14
INVITATION_HOURS = 72

# (column, label, anchors 1..5): what a family member rates, in the words they see.
OBSERVATION_RATINGS: tuple[tuple[str, str, tuple[str, str, str, str, str]], ...] = (
    ("mood", "Mood", ("Very low", "Low", "Up and down", "Mostly good", "Good")),
    (
        "communication",
        "Talking with family",
        ("Not talking", "Very little", "Some of the time", "Most of the time", "Open and easy"),
    ),
    (
        "conflict",
        "Handling disagreements",
        ("Blow-ups most days", "Often hard", "Sometimes hard", "Mostly calm", "Calm and fair"),
    ),
    ("sleep", "Sleep", ("Hardly sleeping", "Poor", "Uneven", "Mostly fine", "Regular and rested")),
    (
        "participation",
        "Joining in at home",
        ("Withdrawn all week", "Rarely", "Sometimes", "Most days", "Fully involved"),
    ),
)
RATING_FIELDS = tuple(key for key, _, _ in OBSERVATION_RATINGS)
CONCERN_LABELS = {
    "safety": "I am worried about their safety (talk of suicide, self-harm or being better off dead)",
    "substance_use": "Alcohol or drug use",
    "missed_medication": "Missed medication",
    "withdrawal": "Withdrawing from others",
}
assert tuple(CONCERN_LABELS) == FAMILY_CONCERNS  # one vocabulary: iop.clinical owns it


class Consent(db.Model):
    """The client's written consent to share with one named person. Revoked, never deleted."""

    __tablename__ = "family_consents"
    __table_args__ = (
        CheckConstraint("expires_on > granted_on", name="expires_after_granted"),
        CheckConstraint(
            "(revoked_at IS NULL AND revoked_by_id IS NULL AND revoke_reason IS NULL) OR "
            "(revoked_at IS NOT NULL AND revoked_by_id IS NOT NULL AND revoke_reason <> '')",
            name="revocation",
        ),
        CheckConstraint("signature_on_file OR signed_on IS NULL", name="signed_on_needs_signature"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    recipient_name: Mapped[str] = mapped_column(String(120))
    relationship_kind: Mapped[str] = mapped_column("relationship", String(20))
    recipient_email: Mapped[str] = mapped_column(String(254), index=True)
    purpose: Mapped[str] = mapped_column(String(300))
    # Scope: observations are what the consent is for; the attendance summary is optional.
    scope_observations: Mapped[bool] = mapped_column(Boolean, default=True)
    scope_attendance_summary: Mapped[bool] = mapped_column(Boolean, default=False)
    granted_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    signature_on_file: Mapped[bool] = mapped_column(Boolean, default=False)
    signed_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Set when the invitation is accepted: the account this consent names.
    family_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str | None] = mapped_column(String(300))

    client: Mapped[Client] = relationship(lazy="joined")
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
    family_user: Mapped[User | None] = relationship(foreign_keys=[family_user_id])

    def state(self, today: date) -> str:
        """active, expiring (within 14 days), expired (after expires_on) or revoked."""
        if self.revoked_at is not None:
            return "revoked"
        if today > self.expires_on:
            return "expired"
        if self.expires_on - today <= timedelta(days=EXPIRING_WITHIN_DAYS):
            return "expiring"
        return "active"

    def is_active(self, today: date) -> bool:
        """Sharing is allowed today: granted, not expired, not revoked."""
        return self.granted_on <= today and self.state(today) in ("active", "expiring")

    @property
    def relationship_label(self) -> str:
        return RELATIONSHIPS.get(self.relationship_kind, self.relationship_kind)

    def __repr__(self) -> str:
        return f"<Consent {self.id}>"


class Invitation(db.Model):
    """A single-use sign-up link for a consent's recipient; only the token's hash is stored."""

    __tablename__ = "family_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("family_consents.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A newer invitation for the same consent replaces this one.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    consent: Mapped[Consent] = relationship(lazy="joined")


class FamilyObservation(db.Model):
    """One week's observation by a family member. Immutable: a correction is a new row that says so."""

    __tablename__ = "family_observations"
    __table_args__ = (
        *(CheckConstraint(f"{key} BETWEEN 1 AND 5", name=f"{key}_range") for key in RATING_FIELDS),
        CheckConstraint("superseded_by_id IS NULL OR superseded_by_id <> id", name="not_self_superseded"),
        Index("ix_family_observations_client_day", "client_id", "observed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("family_consents.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The program week (its Monday) the observation is about, and the program day it was sent.
    week_start: Mapped[date] = mapped_column(Date)
    observed_on: Mapped[date] = mapped_column(Date)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    mood: Mapped[int] = mapped_column(SmallInteger)
    communication: Mapped[int] = mapped_column(SmallInteger)
    conflict: Mapped[int] = mapped_column(SmallInteger)
    sleep: Mapped[int] = mapped_column(SmallInteger)
    participation: Mapped[int] = mapped_column(SmallInteger)
    concern_safety: Mapped[bool] = mapped_column(Boolean, default=False)
    concern_substance_use: Mapped[bool] = mapped_column(Boolean, default=False)
    concern_missed_medication: Mapped[bool] = mapped_column(Boolean, default=False)
    concern_withdrawal: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    # The form's one-time key: the same form posted twice stores one observation.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("family_observations.id"))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("family_observations.id"))

    consent: Mapped[Consent] = relationship()
    author: Mapped[User] = relationship(lazy="joined")

    @property
    def concerns(self) -> tuple[str, ...]:
        """The concern names ticked, in the vocabulary of iop.clinical.evidence.FAMILY_CONCERNS."""
        return tuple(name for name in FAMILY_CONCERNS if getattr(self, f"concern_{name}"))

    @property
    def ratings(self) -> dict[str, int]:
        return {key: getattr(self, key) for key in RATING_FIELDS}

    @property
    def mean_rating(self) -> float:
        return sum(self.ratings.values()) / len(RATING_FIELDS)

    @property
    def is_superseded(self) -> bool:
        return self.superseded_by_id is not None

    def __repr__(self) -> str:
        return f"<FamilyObservation {self.id}>"


@event.listens_for(FamilyObservation, "before_update")
def _refuse_changes(mapper, connection, target: FamilyObservation) -> None:
    """Observations are immutable; only an empty superseded_by_id may be set, once."""
    state = inspect(target)
    for column in mapper.column_attrs:
        history = state.attrs[column.key].history
        if not history.has_changes():
            continue
        if column.key != "superseded_by_id" or any(value is not None for value in history.deleted):
            raise ValueError("family observations are immutable; send a correction instead")


class FamilyAttendanceSummary(db.Model):
    """A weekly attendance summary mailed under a consent whose scope includes it: one per consent and
    week. The mail holds no PHI; the count is shown on a portal page behind sign-in and the consent."""

    __tablename__ = "family_attendance_summaries"
    __table_args__ = (UniqueConstraint("consent_id", "week_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("family_consents.id"), index=True)
    week_start: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))

    consent: Mapped[Consent] = relationship()
