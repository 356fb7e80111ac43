"""Level-of-care decisions on weekly reviews: recorded once, amended by a new decision, never edited.

A step down, step up or discharge ends the enrollment on the effective date (the client leaves the
rosters and grids from then); continue leaves it open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from iop.extensions import db
from iop.models import (
    DECISIONS,
    DESTINATIONS,
    ENDS_ENROLLMENT,
    Enrollment,
    LevelOfCareDecision,
    User,
    WeeklyReview,
)
from iop.services.audit import record_event
from iop.services.enrollment import EnrollmentError, end_enrollment

# The decision each recommendation points to. The two "review" recommendations ask for a closer look
# and name no level of care, so no decision overrides them.
EXPECTED_DECISION = {"step_down_candidate": "step_down", "continue": "continue"}
MAX_DAYS_AHEAD = 60


class DecisionRefused(ValueError):
    """A decision that breaks a rule; `field_errors` maps each form field to its message."""

    def __init__(self, field_errors: dict[str, str]) -> None:
        self.field_errors = field_errors
        super().__init__("; ".join(field_errors.values()))


@dataclass(frozen=True)
class DecisionInput:
    decision: str
    destination: str | None
    destination_detail: str
    rationale: str
    effective_on: date
    override_reason: str


def overrides(recommendation: str, decision: str) -> bool:
    """True when the decision differs from what the recommendation points to."""
    expected = EXPECTED_DECISION.get(recommendation)
    return expected is not None and decision != expected


def current_decision(review: WeeklyReview) -> LevelOfCareDecision | None:
    """The review's standing decision: the latest one, which amends any before it."""
    return db.session.scalar(
        select(LevelOfCareDecision)
        .where(LevelOfCareDecision.review_id == review.id)
        .order_by(LevelOfCareDecision.id.desc())
        .limit(1)
    )


def decide_level_of_care(
    review: WeeklyReview,
    data: DecisionInput,
    actor: User,
    *,
    today: date,
    amends: LevelOfCareDecision | None = None,
) -> LevelOfCareDecision:
    """Record a decision on the review's latest revision; amending replaces the standing decision."""
    revision = review.latest
    standing = current_decision(review)
    if amends is None and standing is not None:
        raise DecisionRefused({"decision": "This review is already decided; amend the decision instead."})
    if amends is not None and (standing is None or amends.id != standing.id):
        raise DecisionRefused({"decision": "Only the standing decision of this review can be amended."})
    errors = _field_errors(review, data, today, revision.recommendation)
    if errors:
        raise DecisionRefused(errors)
    enrollment = db.session.get(Enrollment, review.enrollment_id)
    _apply_to_enrollment(enrollment, data, amends, actor)
    decision = LevelOfCareDecision(
        review_id=review.id,
        revision_id=revision.id,
        enrollment_id=review.enrollment_id,
        client_id=review.client_id,
        decision=data.decision,
        destination=data.destination if data.decision != "continue" else None,
        destination_detail=data.destination_detail.strip() or None if data.destination == "other" else None,
        rationale=data.rationale.strip(),
        effective_on=data.effective_on,
        recommendation=revision.recommendation,
        overrides_recommendation=overrides(revision.recommendation, data.decision),
        override_reason=data.override_reason.strip() or None,
        amends_id=amends.id if amends else None,
        decided_by_id=actor.id,
    )
    review.status = "decided"
    db.session.add(decision)
    db.session.flush()
    record_event(
        "review.amend_decision" if amends else "review.decide",
        "level_of_care_decision",
        decision.id,
        review.client_id,
        actor_id=actor.id,
        details={
            "review_id": review.id,
            "revision": revision.number,
            "decision": decision.decision,
            "destination": decision.destination,
            "effective_on": decision.effective_on,
            "overrides_recommendation": decision.overrides_recommendation,
            "amends_id": decision.amends_id,
        },
    )
    return decision


def _field_errors(review: WeeklyReview, data: DecisionInput, today: date, recommendation: str) -> dict:
    errors: dict[str, str] = {}
    if data.decision not in DECISIONS:
        errors["decision"] = "Choose continue, step down, step up or discharge."
        return errors
    if data.decision != "continue":
        allowed = DESTINATIONS[data.decision]
        if data.destination not in allowed:
            errors["destination"] = f"Choose where the client goes: {', '.join(allowed.values()).lower()}."
        elif data.destination == "other" and not data.destination_detail.strip():
            errors["destination_detail"] = "Name the level of care the client steps down to."
    if not data.rationale.strip():
        errors["rationale"] = "Write the rationale for this decision."
    if overrides(recommendation, data.decision) and not data.override_reason.strip():
        errors["override_reason"] = "Say why the decision differs from the recommendation."
    if data.effective_on < review.week_start:
        errors["effective_on"] = (
            f"The effective date cannot be before the reviewed week ({review.week_start})."
        )
    elif data.effective_on > today + timedelta(days=MAX_DAYS_AHEAD):
        errors["effective_on"] = f"The effective date must be within {MAX_DAYS_AHEAD} days from today."
    return errors


def _apply_to_enrollment(
    enrollment: Enrollment, data: DecisionInput, amends: LevelOfCareDecision | None, actor: User
) -> None:
    """End the enrollment for a step down, step up or discharge; an amendment moves or undoes that end."""
    reason = ENDS_ENROLLMENT.get(data.decision)
    ended_by_earlier = amends is not None and amends.decision in ENDS_ENROLLMENT
    if ended_by_earlier and enrollment.ended_on is not None:
        # The earlier decision ended the enrollment: put it back as it was before that decision.
        enrollment.ended_on, enrollment.end_reason = None, None
        db.session.flush()
    try:
        if reason is not None:
            end_enrollment(enrollment, ended_on=data.effective_on, reason=reason, actor=actor)
    except EnrollmentError as error:
        raise DecisionRefused({"decision": str(error)}) from None
