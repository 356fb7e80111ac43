"""The case manager's review queue and a client's reviews: read models in a fixed number of queries."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager, joinedload

from iop.extensions import db
from iop.models import (
    RECOMMENDATIONS,
    Client,
    Cohort,
    LevelOfCareDecision,
    Program,
    ReviewRevision,
    WeeklyReview,
)

PER_PAGE = 50
URGENCY = case(
    {kind: rank for rank, kind in enumerate(RECOMMENDATIONS)}, value=ReviewRevision.recommendation, else_=9
)


@dataclass(frozen=True)
class QueueFilters:
    week: date | None = None
    program_id: int | None = None
    cohort_id: int | None = None
    recommendation: str | None = None
    status: str | None = None  # "open", "decided" or None for both
    page: int = 1

    def as_args(self, **changes) -> dict:
        """The filters as URL query arguments (for paging links), with some changed."""
        values = {
            "week": self.week.isoformat() if self.week else None,
            "program": self.program_id,
            "cohort": self.cohort_id,
            "recommendation": self.recommendation,
            "status": self.status,
            "page": self.page,
        } | changes
        if values["page"] == 1:
            del values["page"]
        return {key: value for key, value in values.items() if value not in (None, "")}


@dataclass(frozen=True)
class QueueRow:
    review: WeeklyReview
    revision: ReviewRevision
    decision: LevelOfCareDecision | None

    @property
    def newer_evidence(self) -> bool:
        """The review was recomputed after its decision: what the decision rested on has changed."""
        return self.decision is not None and self.decision.revision_id != self.revision.id


@dataclass(frozen=True)
class QueuePage:
    filters: QueueFilters
    rows: list[QueueRow]
    total: int
    weeks: list[date]
    programs: list[Program]
    cohorts: list[Cohort]

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / PER_PAGE))


def review_queue(programs: list[Program], filters: QueueFilters) -> QueuePage:
    """One week's reviews of these programs (where the user is a case manager), most urgent first."""
    program_ids = sorted(program.id for program in programs)
    if filters.program_id is not None and filters.program_id not in program_ids:
        filters = QueueFilters(week=filters.week)  # another program's id: as if no filter was given
    weeks = list(
        db.session.scalars(
            select(WeeklyReview.week_start)
            .where(WeeklyReview.program_id.in_(program_ids))
            .group_by(WeeklyReview.week_start)
            .order_by(WeeklyReview.week_start.desc())
            .limit(12)
        )
    )
    week = filters.week or (weeks[0] if weeks else None)
    filters = QueueFilters(
        week, filters.program_id, filters.cohort_id, filters.recommendation, filters.status, filters.page
    )
    cohorts = list(
        db.session.scalars(
            select(Cohort).where(Cohort.program_id.in_(program_ids)).order_by(Cohort.program_id, Cohort.name)
        )
    )
    if week is None:
        return QueuePage(filters, [], 0, weeks, programs, cohorts)

    conditions = [WeeklyReview.program_id.in_(program_ids), WeeklyReview.week_start == week]
    if filters.program_id:
        conditions.append(WeeklyReview.program_id == filters.program_id)
    if filters.cohort_id:
        conditions.append(WeeklyReview.cohort_id == filters.cohort_id)
    if filters.status in ("open", "decided"):
        conditions.append(WeeklyReview.status == filters.status)
    if filters.recommendation in RECOMMENDATIONS:
        conditions.append(ReviewRevision.recommendation == filters.recommendation)
    base = (
        select(WeeklyReview)
        .join(ReviewRevision, ReviewRevision.id == WeeklyReview.latest_revision_id)
        .join(Client, Client.id == WeeklyReview.client_id)
        .where(*conditions)
    )
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    reviews = db.session.scalars(
        base.options(
            contains_eager(WeeklyReview.latest),
            contains_eager(WeeklyReview.client),
            joinedload(WeeklyReview.cohort),
        )
        .order_by(URGENCY, WeeklyReview.status.desc(), Client.last_name, Client.first_name, WeeklyReview.id)
        .limit(PER_PAGE)
        .offset((max(1, filters.page) - 1) * PER_PAGE)
    ).all()
    decisions = standing_decisions([review.id for review in reviews])
    rows = [QueueRow(review, review.latest, decisions.get(review.id)) for review in reviews]
    return QueuePage(filters, rows, total, weeks, programs, cohorts)


def standing_decisions(review_ids: list[int]) -> dict[int, LevelOfCareDecision]:
    """Each review's standing decision (its latest), in one query."""
    if not review_ids:
        return {}
    latest = (
        select(func.max(LevelOfCareDecision.id))
        .where(LevelOfCareDecision.review_id.in_(review_ids))
        .group_by(LevelOfCareDecision.review_id)
    )
    rows = db.session.scalars(select(LevelOfCareDecision).where(LevelOfCareDecision.id.in_(latest)))
    return {decision.review_id: decision for decision in rows}


def client_reviews(client: Client) -> list[QueueRow]:
    """Every review of the client, newest week first, with its standing decision."""
    reviews = db.session.scalars(
        select(WeeklyReview)
        .where(WeeklyReview.client_id == client.id)
        .options(joinedload(WeeklyReview.latest), joinedload(WeeklyReview.cohort))
        .order_by(WeeklyReview.week_start.desc())
    ).all()
    decisions = standing_decisions([review.id for review in reviews])
    return [QueueRow(review, review.latest, decisions.get(review.id)) for review in reviews]


def decision_history(review: WeeklyReview) -> list[LevelOfCareDecision]:
    """Every decision on the review, oldest first (amendments after what they amend)."""
    return list(
        db.session.scalars(
            select(LevelOfCareDecision)
            .where(LevelOfCareDecision.review_id == review.id)
            .options(joinedload(LevelOfCareDecision.revision))
            .order_by(LevelOfCareDecision.id)
        )
    )


def week_reviews(program_ids: list[int], week: date) -> list[QueueRow]:
    """Every review of these programs for the week starting on `week`, with standing decisions."""
    reviews = db.session.scalars(
        select(WeeklyReview)
        .where(WeeklyReview.program_id.in_(program_ids), WeeklyReview.week_start == week)
        .options(joinedload(WeeklyReview.latest))
        .order_by(WeeklyReview.cohort_id, WeeklyReview.enrollment_id)
    ).all()
    decisions = standing_decisions([review.id for review in reviews])
    return [QueueRow(review, review.latest, decisions.get(review.id)) for review in reviews]


def decision_json(decision: LevelOfCareDecision | None) -> dict | None:
    """A decision as plain data for the JSON API (ids and coded values; the rationale is the clinician's)."""
    if decision is None:
        return None
    return {
        "id": decision.id,
        "decision": decision.decision,
        "destination": decision.destination,
        "destination_label": decision.destination_label,
        "effective_on": decision.effective_on.isoformat(),
        "overrides_recommendation": decision.overrides_recommendation,
        "override_reason": decision.override_reason,
        "rationale": decision.rationale,
        "decided_at": decision.decided_at.isoformat(),
        "decided_by_id": decision.decided_by_id,
        "amends_id": decision.amends_id,
        "revision": decision.revision_id,
    }


def client_decisions(client: Client) -> list[LevelOfCareDecision]:
    """The client's decisions in the order they were made, for the charts' markers and the API."""
    return list(
        db.session.scalars(
            select(LevelOfCareDecision)
            .where(LevelOfCareDecision.client_id == client.id)
            .order_by(LevelOfCareDecision.decided_at, LevelOfCareDecision.id)
        )
    )


SUMMARY_WEEKS = 4


@dataclass(frozen=True)
class LevelOfCareSummary:
    """What a payer's utilization review asks for: the last four weeks' evidence, the latest
    recommendation with its reasons, and the standing decision with its rationale."""

    client: Client
    rows: list[QueueRow]  # newest first, at most SUMMARY_WEEKS

    @property
    def latest(self) -> QueueRow | None:
        return self.rows[0] if self.rows else None

    @property
    def decision(self) -> LevelOfCareDecision | None:
        return next((row.decision for row in self.rows if row.decision), None)


def level_of_care_summary(client: Client) -> LevelOfCareSummary:
    return LevelOfCareSummary(client, client_reviews(client)[:SUMMARY_WEEKS])
