"""Questionnaire responses (PHQ-9, GAD-7): immutable; a correction supersedes the old response."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, SmallInteger, String, Text, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from iop import clock
from iop.clinical.instruments import STANDARD_INSTRUMENTS
from iop.extensions import db
from iop.models.clients import Client, Enrollment
from iop.models.people import User
from iop.models.types import UTCDateTime

ASSESSMENT_SOURCES = {"self_report": "Client self-report", "clinician": "Clinician-administered"}


class AssessmentResponse(db.Model):
    """One completed questionnaire. Never updated: a correction is a new row that supersedes this one."""

    __tablename__ = "assessment_responses"
    # Not stored: the ids of the alerts recording this response raised, for the caller to schedule.
    raised_alert_ids = ()
    __table_args__ = (
        CheckConstraint("source IN ('self_report', 'clinician')", name="source"),
        CheckConstraint("total >= 0", name="total"),
        CheckConstraint("entered_by_id IS NOT NULL OR client_link_id IS NOT NULL", name="entered_by_someone"),
        CheckConstraint("superseded_by_id IS NULL OR superseded_by_id <> id", name="not_self_superseded"),
        Index("ix_assessment_responses_client_instrument", "client_id", "instrument", "administered_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollments.id"), index=True)
    instrument: Mapped[str] = mapped_column(String(40))
    administered_on: Mapped[date] = mapped_column(Date)
    # The item answers in order, as a JSON list of integers.
    answers_json: Mapped[str] = mapped_column("answers", Text)
    total: Mapped[int] = mapped_column(SmallInteger)
    severity: Mapped[str | None] = mapped_column(String(32))
    # Space-separated flag keys, e.g. "suicide_risk"; empty when none.
    flags_text: Mapped[str] = mapped_column("flags", String(200), default="")
    source: Mapped[str] = mapped_column(String(16))
    # Staff who entered it; None when the client answered it themselves by personal link.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    client_link_id: Mapped[int | None] = mapped_column(ForeignKey("client_links.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_responses.id"))

    client: Mapped[Client] = relationship()
    enrollment: Mapped[Enrollment | None] = relationship()
    entered_by: Mapped[User | None] = relationship(lazy="joined")

    @property
    def entered_by_label(self) -> str:
        return self.entered_by.full_name if self.entered_by else "the client, by personal link"

    @property
    def answers(self) -> list[int]:
        return json.loads(self.answers_json)

    @property
    def flags(self) -> frozenset[str]:
        return frozenset(self.flags_text.split())

    @property
    def instrument_name(self) -> str:
        definition = STANDARD_INSTRUMENTS.get(self.instrument)
        return definition.short_name if definition else self.instrument

    @property
    def severity_label(self) -> str:
        definition = STANDARD_INSTRUMENTS.get(self.instrument)
        band = next((b for b in definition.bands if b.key == self.severity), None) if definition else None
        return band.label if band else (self.severity or "")

    @property
    def source_label(self) -> str:
        return ASSESSMENT_SOURCES[self.source]

    def answer_label(self, item: int) -> str:
        """The published wording of the answer given to 1-based `item`, with its value."""
        value = self.answers[item - 1]
        definition = STANDARD_INSTRUMENTS.get(self.instrument)
        label = dict(definition.options).get(value) if definition else None
        return f"{label} ({value})" if label else str(value)

    @property
    def is_superseded(self) -> bool:
        return self.superseded_by_id is not None

    def __repr__(self) -> str:
        return f"<AssessmentResponse {self.id} {self.instrument}>"


@event.listens_for(AssessmentResponse, "before_update")
def _refuse_changes(mapper, connection, target: AssessmentResponse) -> None:
    """Responses are immutable; only an empty superseded_by_id may be set, once."""
    state = inspect(target)
    for column in mapper.column_attrs:
        history = state.attrs[column.key].history
        if not history.has_changes():
            continue
        if column.key != "superseded_by_id" or any(value is not None for value in history.deleted):
            raise ValueError("assessment responses are immutable; record a correction instead")
