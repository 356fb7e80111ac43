"""Weekly reviews with their revisions, level-of-care decisions, and the runs that compute reviews.

A review is unique per (enrollment, week). What it says lives in revisions: an open review's latest
revision is rewritten when the evidence changes, but a revision a decision was made on is never
touched again: a recomputation then becomes a new revision, and the review shows that newer
evidence exists.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from iop import clock
from iop.extensions import db
from iop.models.clients import Client, Enrollment
from iop.models.people import User
from iop.models.programs import Cohort, Program
from iop.models.types import UTCDateTime

RECOMMENDATIONS = {
    "urgent_review": "Urgent review",
    "disengagement_review": "Disengagement review",
    "step_down_candidate": "Ready to step down",
    "continue": "Continue",
}
REVIEW_STATUSES = {"open": "Open", "decided": "Decided"}
DECISIONS = {
    "continue": "Continue in IOP",
    "step_down": "Step down",
    "step_up": "Step up",
    "discharge": "Discharge",
}
# Where each decision may lead (DESIGN §6, issue 8 §4); "other" asks for the named level.
DESTINATIONS = {
    "step_down": {
        "standard_outpatient": "Standard outpatient (ASAM 1)",
        "other": "Another named level",
    },
    "step_up": {
        "partial_hospitalization": "Partial hospitalization (ASAM 2.5)",
        "residential": "Residential (ASAM 3)",
        "inpatient": "Inpatient (ASAM 4)",
    },
    "discharge": {
        "completed": "Completed the program",
        "against_advice": "Left against clinical advice",
        "transferred": "Transferred to another provider",
        "administrative": "Administrative discharge",
    },
}
# The enrollment's end reason for each decision that ends it; continue ends nothing.
ENDS_ENROLLMENT = {"step_down": "stepped_down", "step_up": "stepped_up", "discharge": "discharged"}
RUN_STATUSES = {"queued": "Queued", "running": "Running", "done": "Done", "failed": "Failed"}


class WeeklyReview(db.Model):
    """One enrollment's review of one Monday–Sunday week (program time)."""

    __tablename__ = "weekly_reviews"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "week_start"),
        CheckConstraint("status IN ('open', 'decided')", name="status"),
        Index("ix_weekly_reviews_cohort_week", "cohort_id", "week_start"),
        # The queue: one program's week (migration 0018).
        Index("ix_weekly_reviews_program_week", "program_id", "week_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id"))
    # Kept beside the enrollment so the queue filters by program, cohort and client with plain comparisons.
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"))
    # Indexed with the week (ix_weekly_reviews_program_week), which serves program_id lookups too.
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    week_start: Mapped[date] = mapped_column(Date, index=True)  # the Monday
    status: Mapped[str] = mapped_column(String(8), default="open")
    # The newest revision; a decision keeps pointing at the revision it was made on.
    latest_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_revisions.id", use_alter=True, name="fk_weekly_reviews_latest_revision")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    enrollment: Mapped[Enrollment] = relationship()
    client: Mapped[Client] = relationship()
    cohort: Mapped[Cohort] = relationship()
    program: Mapped[Program] = relationship()
    latest: Mapped[ReviewRevision | None] = relationship(foreign_keys=[latest_revision_id], post_update=True)

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    def __repr__(self) -> str:
        return f"<WeeklyReview {self.id} {self.week_start}>"


class ReviewRevision(db.Model):
    """What a review said when it was computed: recommendation, reasons, metrics and thresholds used."""

    __tablename__ = "review_revisions"
    __table_args__ = (
        UniqueConstraint("review_id", "number"),
        CheckConstraint(
            "recommendation IN ('urgent_review', 'disengagement_review', 'step_down_candidate', 'continue')",
            name="recommendation",
        ),
        CheckConstraint("number >= 1", name="number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("weekly_reviews.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer, default=1)
    recommendation: Mapped[str] = mapped_column(String(24))
    reasons_json: Mapped[str] = mapped_column("reasons", Text)
    metrics_json: Mapped[str] = mapped_column("metrics", Text)
    thresholds_json: Mapped[str] = mapped_column("thresholds", Text)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    review: Mapped[WeeklyReview] = relationship(foreign_keys=[review_id])

    @property
    def reasons(self) -> list[str]:
        return json.loads(self.reasons_json)

    @property
    def metrics(self) -> dict:
        return json.loads(self.metrics_json)

    @property
    def thresholds(self) -> dict:
        return json.loads(self.thresholds_json)

    @property
    def recommendation_label(self) -> str:
        return RECOMMENDATIONS[self.recommendation]

    def __repr__(self) -> str:
        return f"<ReviewRevision {self.review_id}.{self.number}>"


class LevelOfCareDecision(db.Model):
    """A case manager's decision on a review. Immutable: an amendment is a new decision linking back."""

    __tablename__ = "level_of_care_decisions"
    __table_args__ = (
        CheckConstraint("decision IN ('continue', 'step_down', 'step_up', 'discharge')", name="decision"),
        CheckConstraint("rationale <> ''", name="rationale"),
        CheckConstraint(
            "overrides_recommendation = false OR (override_reason IS NOT NULL AND override_reason <> '')",
            name="override_reason",
        ),
        CheckConstraint(
            "(decision = 'continue' AND destination IS NULL) OR "
            "(decision <> 'continue' AND destination IS NOT NULL)",
            name="destination",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("weekly_reviews.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("review_revisions.id"), index=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    destination: Mapped[str | None] = mapped_column(String(32))
    destination_detail: Mapped[str | None] = mapped_column(String(120))
    rationale: Mapped[str] = mapped_column(Text)
    effective_on: Mapped[date] = mapped_column(Date)
    recommendation: Mapped[str] = mapped_column(String(24))  # what the revision advised
    overrides_recommendation: Mapped[bool] = mapped_column(default=False)
    override_reason: Mapped[str | None] = mapped_column(Text)
    amends_id: Mapped[int | None] = mapped_column(ForeignKey("level_of_care_decisions.id"), unique=True)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    review: Mapped[WeeklyReview] = relationship()
    revision: Mapped[ReviewRevision] = relationship()
    decided_by: Mapped[User] = relationship(lazy="joined")
    amends: Mapped[LevelOfCareDecision | None] = relationship(remote_side=[id])

    @property
    def decision_label(self) -> str:
        return DECISIONS[self.decision]

    @property
    def destination_label(self) -> str | None:
        if self.destination is None:
            return None
        if self.destination == "other":
            return self.destination_detail or "Another level"
        return DESTINATIONS[self.decision][self.destination]

    def __repr__(self) -> str:
        return f"<LevelOfCareDecision {self.id} {self.decision}>"


@event.listens_for(LevelOfCareDecision, "before_update")
def _decisions_are_immutable(mapper, connection, target: LevelOfCareDecision) -> None:
    if any(inspect(target).attrs[column.key].history.has_changes() for column in mapper.column_attrs):
        raise ValueError("level-of-care decisions are immutable; record an amendment instead")


class ReviewRun(db.Model):
    """The computation of one cohort's reviews for one week: a background job and what became of it."""

    __tablename__ = "review_runs"
    __table_args__ = (
        UniqueConstraint("cohort_id", "week_start"),
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id"))
    week_start: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(8), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    reviews: Mapped[int] = mapped_column(Integer, default=0)  # how many enrollments it reviewed
    # The exception's type and message, never client data (jobs take ids, messages name no one).
    error: Mapped[str | None] = mapped_column(String(300))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cohort: Mapped[Cohort] = relationship(lazy="joined")

    @property
    def job_id(self) -> str:
        return review_job_id(self.cohort_id, self.week_start)

    @property
    def status_label(self) -> str:
        return RUN_STATUSES[self.status]

    def __repr__(self) -> str:
        return f"<ReviewRun {self.cohort_id} {self.week_start} {self.status}>"


def review_job_id(cohort_id: int, week_start: date) -> str:
    """The deterministic RQ job id of a cohort-week: a second tick cannot queue it twice."""
    return f"reviews-cohort-{cohort_id}-{week_start.isoformat()}"
