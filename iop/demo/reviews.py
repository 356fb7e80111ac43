"""The demo's weekly reviews for every completed week, and a few decisions already made."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from iop import clock
from iop.demo.measure_content import (
    CONTINUE_RATIONALE,
    OVERRIDE_RATIONALE,
    OVERRIDE_REASON,
    STEP_DOWN_OVERRIDE_REASON,
    STEP_DOWN_RATIONALE,
    URGENT_RATIONALE,
)
from iop.extensions import db
from iop.models import Cohort, Enrollment, Program, ReviewRevision, ReviewRun, User, WeeklyReview
from iop.services.decisions import DecisionInput, decide_level_of_care
from iop.services.review_runs import cohort_ids_with_members, completed_week_starts
from iop.services.reviews import compute_cohort_reviews


def write_reviews(programs: dict[str, Program], case_manager: User) -> int:
    """Compute each completed week's reviews (as the tick would), then record the demo decisions."""
    total = 0
    for program in programs.values():
        for monday in completed_week_starts(program):
            for cohort_id in cohort_ids_with_members(program, monday):
                counts = compute_cohort_reviews(db.session.get(Cohort, cohort_id), monday)
                now = clock.now()
                db.session.add(
                    ReviewRun(
                        program_id=program.id,
                        cohort_id=cohort_id,
                        week_start=monday,
                        status="done",
                        attempts=1,
                        reviews=counts.total,
                        queued_at=now,
                        started_at=now,
                        finished_at=now,
                    )
                )
                total += counts.total
    db.session.flush()
    for program in programs.values():
        _decide_some(program, case_manager)
    return total


def _reviews(program: Program, monday, recommendation: str) -> list[WeeklyReview]:
    """The week's reviews with this recommendation whose enrollment is still open: on some seeding days a
    planned discharge has already ended one, and a decision cannot end it again."""
    return list(
        db.session.scalars(
            select(WeeklyReview)
            .join(ReviewRevision, ReviewRevision.id == WeeklyReview.latest_revision_id)
            .join(Enrollment, Enrollment.id == WeeklyReview.enrollment_id)
            .where(
                WeeklyReview.program_id == program.id,
                WeeklyReview.week_start == monday,
                ReviewRevision.recommendation == recommendation,
                Enrollment.ended_on.is_(None),
            )
            .order_by(WeeklyReview.id)
        )
    )


def _decide_some(program: Program, case_manager: User) -> None:
    last, before = completed_week_starts(program, 2)
    today = program.today()

    def decide(review, decision="continue", rationale=CONTINUE_RATIONALE, override_reason=""):
        effective = max(today, review.week_start + timedelta(days=7))
        data = DecisionInput(decision, None, "", rationale, effective, override_reason)
        decide_level_of_care(review, data, case_manager, today=today)

    for review in _reviews(program, last, "continue")[:2]:
        decide(review)
    # Last week's step-down candidates are left for the visitor; the override is on the latest earlier week
    # that has one (which week that is depends on the day the demo is seeded).
    earlier = completed_week_starts(program, 8)[1:]
    candidate = next(
        (found[0] for week in earlier if (found := _reviews(program, week, "step_down_candidate"))), None
    )
    if candidate is not None:
        decide(candidate, rationale=OVERRIDE_RATIONALE, override_reason=OVERRIDE_REASON)
    elif continuing := _reviews(program, before, "continue")[2:3]:
        # No earlier candidate on the day the demo is seeded: the override goes the other way, a step down
        # the recommendation did not make.
        effective = max(today, continuing[0].week_start + timedelta(days=7))
        data = DecisionInput(
            "step_down", "standard_outpatient", "", STEP_DOWN_RATIONALE, effective, STEP_DOWN_OVERRIDE_REASON
        )
        decide_level_of_care(continuing[0], data, case_manager, today=today)
    for review in _reviews(program, before, "urgent_review")[:1]:
        decide(review, rationale=URGENT_RATIONALE)
