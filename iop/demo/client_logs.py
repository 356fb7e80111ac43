"""The demo's clients' own records beyond check-ins: journal entries (some shared), homework done on most
days, feedback on the groups of the last week, and the two logs clients keep: a client with social anxiety
rating anxiety before and after each social event, and another counting panic attacks."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from iop.extensions import db
from iop.models import ClientLink, HomeworkAssignment, HomeworkCompletion
from iop.services.feedback import groups_to_rate, submit_feedback
from iop.services.journal import write_entry
from iop.services.symptoms import log_exposure, log_symptom

JOURNAL = (
    (12, False, "First week of check-ins. Not sure what to write yet. Slept badly."),
    (6, True, "Had a strong urge after work. Used urge surfing and it passed in about twenty minutes."),
    (2, True, "Better week. I noticed I am less tense before group."),
)
SOCIAL_EVENTS = (
    "Coffee with a coworker",
    "Family dinner",
    "Group outing to the park",
    "Neighbor's barbecue",
    "Book club meeting",
)


def seed_client_side(link: ClientLink, assignment: HomeworkAssignment, start: date, number: int, rng) -> None:
    """Everything a demo client did by link from `start` to today, besides the check-ins."""
    client = link.client
    today = client.program.today()
    for days_ago, shared, body in JOURNAL:
        entry, _ = write_entry(link, body, shared, f"demo-journal-{client.id}-{days_ago:02d}")
        entry.written_at = _evening(client, today - timedelta(days=days_ago))
    _homework(link, assignment, start, today, rng)
    for session, given in groups_to_rate(client):
        if given is None and rng.random() < 0.8:
            ratings = {key: rng.randint(3, 5) for key in ("felt_heard", "useful", "plan_to_use")}
            submit_feedback(link, session, ratings, rng.choice(("", "", "The breathing exercise helped.")))
    if number == 0:
        _social_events(link, start, today, rng)
    elif number == 1:
        _panic_counts(link, today, rng)
    db.session.flush()


def _evening(client, day: date) -> datetime:
    return datetime.combine(day, time(20, 30), tzinfo=client.program.zone).astimezone(UTC)


def _homework(link: ClientLink, assignment: HomeworkAssignment, start: date, today: date, rng) -> None:
    # Assigned when the check-ins began, and done on about two days in three since (not yet today).
    assignment.assigned_on = start
    for offset in range((today - start).days):
        if rng.random() < 0.67:
            day = start + timedelta(days=offset)
            db.session.add(HomeworkCompletion(assignment_id=assignment.id, link_id=link.id, day=day))


def _social_events(link: ClientLink, start: date, today: date, rng) -> None:
    """A social event about every four days; anxiety before falls from 8 to 4 over the weeks, after lower."""
    days = (today - start).days
    for index, offset in enumerate(range(1, days, 4)):
        progress = offset / max(days, 1)
        before = max(2, min(10, 8 - round(4 * progress) + rng.randint(0, 1)))
        after = max(0, before - rng.randint(2, 4))
        log_exposure(
            link.client,
            # One situation, so the care team sees its progress; which event it was goes in the note.
            situation="Social event",
            done_on=start + timedelta(days=offset),
            anxiety_before=before * 10,
            anxiety_after=after * 10,
            note=f"{SOCIAL_EVENTS[index % len(SOCIAL_EVENTS)]}. "
            + rng.choice(("Stayed until the end.", "Left a little early.", "Talked to two new people.")),
            link=link,
        )


def _panic_counts(link: ClientLink, today: date, rng) -> None:
    """Panic attacks counted each evening of the last two weeks, easing from two or three a day to none."""
    for days_ago in range(14, 0, -1):
        count = max(0, round(days_ago / 5) + rng.randint(-1, 1))
        log_symptom(
            link.client,
            symptom="Panic attacks",
            recorded_on=today - timedelta(days=days_ago),
            occurrences=count,
            severity=None,
            note="",
            link=link,
        )
