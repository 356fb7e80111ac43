"""Safety alerts raised by a response, with acknowledgement and escalation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from iop import clock
from iop.extensions import db
from iop.models.clients import Client
from iop.models.family import FamilyObservation
from iop.models.measures import AssessmentResponse
from iop.models.people import User
from iop.models.types import UTCDateTime

ALERT_KINDS = {
    "suicide_risk": "PHQ-9 item 9 answered above 0 (thoughts of death or self-harm)",
    "family_safety": "A family member reported a safety concern",
}
ESCALATION_MINUTES = 30


class Alert(db.Model):
    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint("kind IN ('suicide_risk', 'family_safety')", name="kind"),
        CheckConstraint(
            "(acknowledged_at IS NULL AND acknowledged_by_id IS NULL) OR "
            "(acknowledged_at IS NOT NULL AND acknowledged_by_id IS NOT NULL "
            "AND acknowledgement_note IS NOT NULL AND acknowledgement_note <> '')",
            name="acknowledgement",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    response_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_responses.id"), index=True)
    # A family member's observation that reported a safety concern (kind family_safety).
    observation_id: Mapped[int | None] = mapped_column(ForeignKey("family_observations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledgement_note: Mapped[str | None] = mapped_column(String(500))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[Client] = relationship(lazy="joined")
    response: Mapped[AssessmentResponse | None] = relationship()
    observation: Mapped[FamilyObservation | None] = relationship()
    acknowledged_by: Mapped[User | None] = relationship()

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None

    @property
    def description(self) -> str:
        return ALERT_KINDS[self.kind]

    def __repr__(self) -> str:
        return f"<Alert {self.id} {self.kind}>"
