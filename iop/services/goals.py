"""Treatment goals: adding them, rating them on goal-attainment scaling, and closing them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from iop import clock
from iop.extensions import db
from iop.models import GAS_LEVELS, GOAL_DOMAINS, GOAL_STATES, Client, Goal, GoalRating, User
from iop.services.audit import record_event


class GoalRefused(ValueError):
    """The goal change cannot be made as asked (future date, unknown level or state)."""


def client_goals(client: Client) -> list[Goal]:
    """The client's goals, active first, each with its ratings (two queries)."""
    goals = db.session.scalars(
        select(Goal)
        .where(Goal.client_id == client.id)
        .options(selectinload(Goal.ratings))
        .order_by(Goal.created_at, Goal.id)
    ).all()
    # Active goals lead; within a state the order of creation is kept.
    return sorted(goals, key=lambda goal: list(GOAL_STATES).index(goal.state))


def add_goal(client: Client, title: str, domain: str, target_date: date | None, actor: User) -> Goal:
    """Add an active goal to the client's plan."""
    title = title.strip()
    if not title:
        raise GoalRefused("Give the goal a title.")
    if domain not in GOAL_DOMAINS:
        raise GoalRefused(f"Unknown domain {domain!r}.")
    goal = Goal(
        client_id=client.id, title=title, domain=domain, target_date=target_date, created_by_id=actor.id
    )
    db.session.add(goal)
    db.session.flush()
    record_event(
        "goal.create",
        "goal",
        goal.id,
        client.id,
        actor_id=actor.id,
        details={"domain": domain, "target_date": target_date},
    )
    return goal


def rate_goal(goal: Goal, rated_on: date, level: int, note: str, actor: User) -> GoalRating:
    """Add a dated rating; ratings are never edited, the latest one is the goal's current level."""
    if level not in GAS_LEVELS:
        raise GoalRefused("The level is rated from −2 to +2.")
    if rated_on > goal.client.program.today():
        raise GoalRefused("The rating date cannot be in the future.")
    rating = GoalRating(
        goal_id=goal.id, rated_on=rated_on, level=level, note=note.strip(), rated_by_id=actor.id
    )
    db.session.add(rating)
    db.session.flush()
    record_event(
        "goal.rate",
        "goal",
        goal.id,
        goal.client_id,
        actor_id=actor.id,
        details={"rating_id": rating.id, "rated_on": rated_on, "level": level},
    )
    return rating


def change_goal_state(goal: Goal, state: str, actor: User) -> bool:
    """Mark a goal achieved, dropped or active again; False when it already was in that state."""
    if state not in GOAL_STATES:
        raise GoalRefused(f"Unknown state {state!r}.")
    if goal.state == state:
        return False
    before = goal.state
    goal.state = state
    goal.state_changed_at = clock.now()
    db.session.flush()
    record_event(
        "goal.state",
        "goal",
        goal.id,
        goal.client_id,
        actor_id=actor.id,
        details={"before": before, "after": state},
    )
    return True
