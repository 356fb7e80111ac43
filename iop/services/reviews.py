"""Weekly reviews: computing a cohort's week, and the program thresholds they use.

Computing is an upsert on (enrollment, week): a missing review is created; an open one is rewritten
when its evidence changed; a revision a decision was made on is never touched, so its recomputation
becomes a new revision. Running it twice leaves the same reviews.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select

from iop import clock
from iop.clinical.recommend import recommend
from iop.clinical.thresholds import DEFAULT_THRESHOLDS, Thresholds, ThresholdsError
from iop.clinical.weeks import week_start as monday_of
from iop.extensions import db
from iop.models import Cohort, LevelOfCareDecision, Program, ReviewRevision, User, WeeklyReview
from iop.services.audit import record_event, record_events
from iop.services.reads import Read
from iop.services.review_evidence import MemberEvidence, cohort_evidence

__all__ = [
    "ReviewCounts",
    "ThresholdsError",
    "compute_cohort_reviews",
    "review_content",
    "set_program_thresholds",
]


@dataclass(frozen=True)
class ReviewCounts:
    created: int = 0
    updated: int = 0
    revised: int = 0  # a decided revision's recomputation, stored as a new revision
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.revised + self.unchanged


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def review_content(member: MemberEvidence, thresholds: Thresholds, thresholds_json: str) -> dict[str, str]:
    """What a revision stores for one member: the recommendation, its reasons and the metrics, as JSON."""
    result = recommend(member.evidence, thresholds)
    return {
        "recommendation": result.kind,
        "reasons_json": _dumps(list(result.reasons)),
        "metrics_json": _dumps(member.metrics),
        "thresholds_json": thresholds_json,
    }


def compute_cohort_reviews(cohort: Cohort, week_start: date) -> ReviewCounts:
    """Compute (or recompute) the reviews of every member of the cohort for the week from `week_start`."""
    if monday_of(week_start) != week_start:
        raise ValueError(f"a review week starts on a Monday, not on {week_start:%A} {week_start}")
    thresholds = cohort.program.review_thresholds
    members = cohort_evidence(cohort, week_start, thresholds)
    if not members:
        return ReviewCounts()
    stored = stored_reviews([member.enrollment.id for member in members], week_start)
    thresholds_json = _dumps(thresholds.as_dict())
    counts = {"created": 0, "updated": 0, "revised": 0, "unchanged": 0}
    now = clock.now()
    changed: dict[int, dict[str, str]] = {}  # stored review id → its new content
    for member in members:
        content = review_content(member, thresholds, thresholds_json)
        found = stored.get(member.enrollment.id)
        if found is None:
            review = WeeklyReview(
                enrollment_id=member.enrollment.id,
                client_id=member.enrollment.client_id,
                cohort_id=cohort.id,
                program_id=cohort.program_id,
                week_start=week_start,
            )
            revision = ReviewRevision(review=review, number=1, computed_at=now, **content)
            review.latest = revision
            db.session.add_all([review, revision])
            counts["created"] += 1
        elif found.content == content:
            counts["unchanged"] += 1
        else:
            changed[found.review_id] = content
    if changed:
        _store_changes(changed, now, counts)
    db.session.flush()
    record_events(
        "review.compute",
        "cohort",
        cohort.id,
        [member.enrollment.client_id for member in members],
        details={"week_start": week_start, **counts},
    )
    return ReviewCounts(**counts)


@dataclass(frozen=True)
class StoredReview:
    """A stored review of the week as the upsert compares it: its latest revision's content."""

    review_id: int
    revision_id: int | None
    content: dict[str, str] | None  # None when it has no revision


_CONTENT = (
    ReviewRevision.recommendation,
    ReviewRevision.reasons_json,
    ReviewRevision.metrics_json,
    ReviewRevision.thresholds_json,
)


def stored_reviews(enrollment_ids: list[int], week_start: date) -> dict[int, StoredReview]:
    """The week's stored reviews of these enrollments with their latest revision's content, as plain
    rows: one statement (it runs once per cohort-week; only what changes is loaded as objects)."""
    return {
        enrollment_id: StoredReview(
            review_id,
            revision_id,
            None
            if revision_id is None
            else {column.key: value for column, value in zip(_CONTENT, content, strict=True)},
        )
        for enrollment_id, review_id, revision_id, *content in stored_reviews_statement(
            enrollment_ids, week_start
        ).run()
    }


def stored_reviews_statement(enrollment_ids: list[int], week_start: date) -> Read:
    """The read behind stored_reviews (the benchmark's bulk read runs it too)."""
    return Read(_stored_reviews_sql(), {"enrollment_ids": list(enrollment_ids), "week_start": week_start})


@cache
def _stored_reviews_sql() -> Select:
    return (
        select(WeeklyReview.enrollment_id, WeeklyReview.id, ReviewRevision.id, *_CONTENT)
        .outerjoin(ReviewRevision, ReviewRevision.id == WeeklyReview.latest_revision_id)
        .where(
            WeeklyReview.enrollment_id.in_(bindparam("enrollment_ids", expanding=True)),
            WeeklyReview.week_start == bindparam("week_start"),
        )
    )


def _store_changes(changed: dict[int, dict[str, str]], now, counts: dict[str, int]) -> None:
    """Rewrite each open latest revision whose content changed; a decided one (or none) gets a new
    revision. One statement loads the changed reviews with their revisions and whether one was decided."""
    decided_on = (
        select(LevelOfCareDecision.id)
        .where(LevelOfCareDecision.revision_id == WeeklyReview.latest_revision_id)
        .exists()
        .label("decided")
    )
    rows = db.session.execute(
        select(WeeklyReview, ReviewRevision, decided_on)
        .outerjoin(ReviewRevision, ReviewRevision.id == WeeklyReview.latest_revision_id)
        .where(WeeklyReview.id.in_(list(changed)))
    ).all()
    for review, current, decided in rows:
        content = changed[review.id]
        if current is not None and not decided:
            for key, value in content.items():
                setattr(current, key, value)
            current.computed_at = now
            counts["updated"] += 1
        else:
            number = current.number + 1 if current is not None else 1
            revision = ReviewRevision(review=review, number=number, computed_at=now, **content)
            db.session.add(revision)
            review.latest = revision
            counts["revised"] += 1


def set_program_thresholds(program: Program, values: Mapping[str, Any], actor: User) -> Thresholds:
    """Change a program's review thresholds; ThresholdsError names each bad field. Reviews computed
    afterwards use them; each review keeps the thresholds it was computed with."""
    thresholds = Thresholds.from_mapping(values)
    defaults = DEFAULT_THRESHOLDS.as_dict()
    changed = {name: value for name, value in thresholds.as_dict().items() if defaults[name] != value}
    before = program.review_thresholds.as_dict()
    program.review_thresholds_json = _dumps(changed) if changed else None
    db.session.flush()
    record_event(
        "program.thresholds",
        "program",
        program.id,
        actor_id=actor.id,
        details={"before": before, "after": thresholds.as_dict()},
    )
    return thresholds
