"""Homework between groups: clinicians assign skill practice (once by a date, daily or weekly); the
client marks it done by personal link with a note; the care team sees completion per week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from iop.clinical.attendance import week_start
from iop.clinical.checkins import HOMEWORK_FREQUENCIES, homework_week
from iop.extensions import db
from iop.models import Client, ClientLink, HomeworkAssignment, HomeworkCompletion, User
from iop.services.audit import record_event

NOTE_MAX_LENGTH = 1000


class HomeworkRefused(ValueError):
    """The assignment or completion cannot be stored as asked; the message is shown."""


@dataclass(frozen=True)
class HomeworkInput:
    title: str
    frequency: str
    due_on: date | None = None
    instructions: str = ""


def assign_homework(client: Client, data: HomeworkInput, actor: User) -> HomeworkAssignment:
    """Assign practice to the client; "once" needs a due date, which is never in the past."""
    today = client.program.today()
    if not data.title.strip():
        raise HomeworkRefused("Say what to practise.")
    if data.frequency not in HOMEWORK_FREQUENCIES:
        raise HomeworkRefused("Choose how often.")
    if data.frequency == "once" and data.due_on is None:
        raise HomeworkRefused("Practice done once needs a due date.")
    if data.due_on is not None and data.due_on < today:
        raise HomeworkRefused("The due date cannot be in the past.")
    assignment = HomeworkAssignment(
        client_id=client.id,
        title=data.title.strip(),
        instructions=data.instructions.strip(),
        frequency=data.frequency,
        due_on=data.due_on,
        assigned_on=today,
        assigned_by_id=actor.id,
    )
    db.session.add(assignment)
    db.session.flush()
    record_event(
        "homework.assign",
        "homework_assignment",
        assignment.id,
        client.id,
        actor_id=actor.id,
        details={"frequency": data.frequency, "due_on": data.due_on},
    )
    return assignment


def client_homework(client: Client) -> list[HomeworkAssignment]:
    """The client's assignments with their completions, newest first (one query)."""
    return list(
        db.session.scalars(
            select(HomeworkAssignment)
            .where(HomeworkAssignment.client_id == client.id)
            .options(joinedload(HomeworkAssignment.completions))
            .order_by(HomeworkAssignment.assigned_on.desc(), HomeworkAssignment.id.desc())
        ).unique()
    )


def mark_done(link: ClientLink, assignment: HomeworkAssignment, note: str) -> HomeworkCompletion:
    """The client did the practice today; once a day per assignment."""
    if assignment.client_id != link.client_id:
        raise HomeworkRefused("That practice is not yours.")
    if len(note) > NOTE_MAX_LENGTH:
        raise HomeworkRefused(f"Keep the note under {NOTE_MAX_LENGTH} characters.")
    today = link.client.program.today()
    if any(done.day == today for done in assignment.completions):
        raise HomeworkRefused("Already marked done today. Well done!")
    completion = HomeworkCompletion(
        assignment_id=assignment.id, link_id=link.id, day=today, note=note.strip()
    )
    db.session.add(completion)
    db.session.flush()
    record_event(
        "homework.done",
        "homework_assignment",
        assignment.id,
        link.client_id,
        details={"link_id": link.id, "completion_id": completion.id, "has_note": bool(completion.note)},
    )
    return completion


@dataclass(frozen=True)
class HomeworkWeek:
    week_start: date
    done: int
    target: int


def completion_by_week(assignment: HomeworkAssignment, today: date, weeks: int = 4) -> list[HomeworkWeek]:
    """Completions in each of the last `weeks` program weeks (newest first) against what the frequency
    asks for in the days of that week since it was assigned (iop.clinical.checkins.homework_week)."""
    result = []
    days_done = [completion.day for completion in assignment.completions]
    for back in range(weeks):
        monday = week_start(today) - timedelta(weeks=back)
        count = homework_week(
            assignment.frequency, assignment.assigned_on, assignment.due_on, days_done, monday, today
        )
        if count is not None:
            result.append(HomeworkWeek(monday, count.done, count.target))
    return result
