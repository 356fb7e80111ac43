"""Treatment goals rated over time on goal-attainment scaling (−2 … +2)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from iop import clock
from iop.extensions import db
from iop.models.clients import Client
from iop.models.people import User
from iop.models.types import UTCDateTime

GOAL_DOMAINS = {
    "symptoms": "Symptoms",
    "coping": "Coping skills",
    "relationships": "Relationships",
    "daily_functioning": "Daily functioning",
    "relapse_prevention": "Relapse prevention",
}
GOAL_STATES = {"active": "Active", "achieved": "Achieved", "dropped": "Dropped"}
# Goal-attainment scaling (Kiresuk & Sherman): 0 is the expected outcome.
GAS_LEVELS = {
    -2: "Much less than expected",
    -1: "Somewhat less than expected",
    0: "Expected level",
    1: "Somewhat more than expected",
    2: "Much more than expected",
}


class Goal(db.Model):
    __tablename__ = "goals"
    __table_args__ = (
        CheckConstraint(
            "domain IN ('symptoms', 'coping', 'relationships', 'daily_functioning', 'relapse_prevention')",
            name="domain",
        ),
        CheckConstraint("state IN ('active', 'achieved', 'dropped')", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str] = mapped_column(String(32))
    target_date: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default="active")
    state_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    client: Mapped[Client] = relationship()
    ratings: Mapped[list[GoalRating]] = relationship(
        back_populates="goal", order_by="GoalRating.rated_on, GoalRating.id"
    )


class GoalRating(db.Model):
    """One dated rating of a goal; ratings are never edited, a later one takes over."""

    __tablename__ = "goal_ratings"
    __table_args__ = (CheckConstraint("level BETWEEN -2 AND 2", name="level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id"), index=True)
    rated_on: Mapped[date] = mapped_column(Date)
    level: Mapped[int] = mapped_column(SmallInteger)
    note: Mapped[str] = mapped_column(String(500), default="")
    rated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    goal: Mapped[Goal] = relationship(back_populates="ratings")
    rated_by: Mapped[User] = relationship(lazy="joined")
