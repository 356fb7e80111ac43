"""Review runs: which cohort-weeks need their reviews computed, queuing them, and what became of each.

The tick looks, for every program, at each completed week (Monday 00:00 program time has passed) up
to MAX_WEEKS_BACK, and queues one job per cohort-week with members whose reviews are missing. Job ids
are deterministic, so a second tick while a job waits or runs adds nothing, and a scheduler that was
down catches up by itself. A run that failed stays failed until an admin retries it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app, url_for
from sqlalchemy import func, or_, select

from iop import clock
from iop.clinical.attendance import last_completed_week_end
from iop.clinical.review_reasons import day as day_text
from iop.extensions import db
from iop.models import (
    Cohort,
    Enrollment,
    Program,
    ProgramRole,
    ReviewRun,
    User,
    WeeklyReview,
    review_job_id,
)
from iop.queue import defer
from iop.services.audit import record_event
from iop.services.messaging import notify, send_message
from iop.services.reviews import ReviewCounts

MAX_WEEKS_BACK = 8
REVIEW_JOB = "iop.jobs.run_reviews"
REVIEW_QUEUE = "reviews"  # DESIGN §7: its own queue, so a long run never holds up alerts and mail


def completed_week_starts(program: Program, weeks: int = MAX_WEEKS_BACK) -> list[date]:
    """The Mondays of the program's last `weeks` completed weeks, newest first, in program time."""
    last_monday = last_completed_week_end(program.today()) - timedelta(days=6)
    return [last_monday - timedelta(days=7 * offset) for offset in range(weeks)]


def missing_cohort_weeks(program: Program, week_starts: list[date]) -> list[tuple[int, date]]:
    """(cohort id, Monday) of each week in which a member at the week's end has no review yet."""
    if not week_starts:
        return []
    first, last_end = min(week_starts), max(week_starts) + timedelta(days=6)
    members = db.session.execute(
        select(Enrollment.id, Enrollment.cohort_id, Enrollment.started_on, Enrollment.ended_on)
        .join(Cohort, Cohort.id == Enrollment.cohort_id)
        .where(
            Cohort.program_id == program.id,
            Enrollment.started_on <= last_end,
            or_(Enrollment.ended_on.is_(None), Enrollment.ended_on > first + timedelta(days=6)),
        )
    ).all()
    reviewed = set(
        db.session.execute(
            select(WeeklyReview.enrollment_id, WeeklyReview.week_start).where(
                WeeklyReview.program_id == program.id, WeeklyReview.week_start.in_(week_starts)
            )
        ).all()
    )
    missing: set[tuple[int, date]] = set()
    for enrollment_id, cohort_id, started_on, ended_on in members:
        for monday in week_starts:
            week_end = monday + timedelta(days=6)
            at_week_end = started_on <= week_end and (ended_on is None or ended_on > week_end)
            if at_week_end and (enrollment_id, monday) not in reviewed:
                missing.add((cohort_id, monday))
    return sorted(missing, key=lambda item: (item[1], item[0]))


def review_tick() -> int:
    """Queue every missing cohort-week of every program; returns how many were handed to the queue."""
    queued = 0
    for program in db.session.scalars(select(Program).order_by(Program.id)):
        for cohort_id, monday in missing_cohort_weeks(program, completed_week_starts(program)):
            run = _run_for(program.id, cohort_id, monday)
            if run.status == "failed":
                continue  # an admin retries it, so a job that keeps failing does not loop every hour
            queued += queue_run(run)
    return queued


def cohort_ids_with_members(program: Program, monday: date) -> list[int]:
    """The program's cohorts with members at the end of the week starting on `monday`."""
    week_end = monday + timedelta(days=6)
    return sorted(
        set(
            db.session.scalars(
                select(Enrollment.cohort_id)
                .join(Cohort, Cohort.id == Enrollment.cohort_id)
                .where(
                    Cohort.program_id == program.id,
                    Enrollment.started_on <= week_end,
                    or_(Enrollment.ended_on.is_(None), Enrollment.ended_on > week_end),
                )
            )
        )
    )


def queue_week(program: Program, monday: date) -> int:
    """Queue (or recompute) every cohort-week of the program's week with members, failed ones too."""
    return sum(
        queue_run(_run_for(program.id, cohort_id, monday), rerun=True)
        for cohort_id in cohort_ids_with_members(program, monday)
    )


def retry_run(run: ReviewRun, actor: User) -> bool:
    """Queue a failed (or finished) run again."""
    record_event(
        "review_run.retry", "review_run", run.id, actor_id=actor.id, details={"status_before": run.status}
    )
    return queue_run(run, rerun=True) == 1


def queue_run(run: ReviewRun, *, rerun: bool = False) -> int:
    """Hand a run to the queue once the caller commits (without Redis it runs then, in-process)."""
    if run.status != "running":
        run.status, run.error = "queued", None
        run.queued_at = clock.now()
    db.session.flush()
    defer(
        REVIEW_JOB,
        run.cohort_id,
        run.week_start.isoformat(),
        job_id=review_job_id(run.cohort_id, run.week_start),
        queue_name=REVIEW_QUEUE,
        rerun_finished=rerun,
    )
    return 1


def _run_for(program_id: int, cohort_id: int, monday: date) -> ReviewRun:
    run = db.session.scalar(
        select(ReviewRun).where(ReviewRun.cohort_id == cohort_id, ReviewRun.week_start == monday)
    )
    if run is None:
        run = ReviewRun(program_id=program_id, cohort_id=cohort_id, week_start=monday, status="queued")
        db.session.add(run)
        db.session.flush()
    return run


# --- a run's life, from the job ---------------------------------------------------------------------


def start_run(cohort: Cohort, monday: date) -> ReviewRun:
    """Mark the run as running (creating it when the job was queued from elsewhere)."""
    run = _run_for(cohort.program_id, cohort.id, monday)
    run.status, run.error = "running", None
    run.attempts += 1
    run.started_at, run.finished_at = clock.now(), None
    db.session.flush()
    return run


def finish_run(run: ReviewRun, counts: ReviewCounts) -> None:
    """Mark the run done; when it completes its program's week with new reviews, tell the case managers."""
    run.status, run.reviews, run.finished_at = "done", counts.total, clock.now()
    db.session.flush()
    if counts.created and _week_complete(run.program_id, run.week_start):
        _announce_week(run.program_id, run.week_start)


def fail_run(run_id: int, error: BaseException) -> None:
    """Record why a run failed: the exception's type and message (jobs carry ids, never client data)."""
    run = db.session.get(ReviewRun, run_id)
    if run is None:
        return
    run.status = "failed"
    run.error = f"{type(error).__name__}: {error}"[:300]
    run.finished_at = clock.now()
    db.session.flush()


def _week_complete(program_id: int, monday: date) -> bool:
    pending = db.session.scalar(
        select(func.count(ReviewRun.id)).where(
            ReviewRun.program_id == program_id, ReviewRun.week_start == monday, ReviewRun.status != "done"
        )
    )
    return pending == 0


def _announce_week(program_id: int, monday: date) -> None:
    """An in-app notice to the program's case managers, and an email where mail is configured."""
    managers = db.session.execute(
        select(User.id, User.email)
        .join(ProgramRole, ProgramRole.user_id == User.id)
        .where(
            ProgramRole.program_id == program_id, ProgramRole.role == "case_manager", User.active.is_(True)
        )
        .order_by(User.id)
    ).all()
    if not managers:
        return
    text = f"Reviews for the week of {day_text(monday, monday)} are ready"
    link = _queue_link(program_id, monday)
    notify([user_id for user_id, _email in managers], "reviews_ready", text, link)
    if current_app.config.get("IOP_SMTP_URL"):
        for _user_id, email in managers:
            # A link, never client details: mail leaves the building.
            send_message(email, text, f"{text}:\n{link}\n", purpose="reviews_ready", program_id=program_id)


def _queue_link(program_id: int, monday: date) -> str:
    try:
        return url_for("reviews.queue", program=program_id, week=monday.isoformat())
    except RuntimeError:  # no request: a worker or the CLI
        return f"/reviews/?program={program_id}&week={monday.isoformat()}"


@dataclass(frozen=True)
class WeekProgress:
    """How far a program-week's runs have got, for the admin page's self-polling fragment."""

    program: Program
    week_start: date
    runs: list[ReviewRun]

    @property
    def done(self) -> int:
        return sum(run.status == "done" for run in self.runs)

    @property
    def failed(self) -> int:
        return sum(run.status == "failed" for run in self.runs)

    @property
    def in_progress(self) -> bool:
        return any(run.status in ("queued", "running") for run in self.runs)


def runs_by_week(program_ids: list[int], weeks: int = MAX_WEEKS_BACK) -> list[WeekProgress]:
    """The latest weeks' runs of these programs, newest week first, in one query."""
    rows = db.session.scalars(
        select(ReviewRun)
        .where(ReviewRun.program_id.in_(program_ids))
        .order_by(ReviewRun.week_start.desc(), ReviewRun.program_id, ReviewRun.cohort_id)
    ).all()
    programs = {
        program.id: program
        for program in db.session.scalars(select(Program).where(Program.id.in_(program_ids)))
    }
    grouped: dict[tuple[int, date], list[ReviewRun]] = defaultdict(list)
    for run in rows:
        grouped[(run.program_id, run.week_start)].append(run)
    weeks_seen = sorted({monday for _program, monday in grouped}, reverse=True)[:weeks]
    return [
        WeekProgress(programs[program_id], monday, runs)
        for (program_id, monday), runs in sorted(
            grouped.items(), key=lambda item: (-item[0][1].toordinal(), item[0][0])
        )
        if monday in weeks_seen
    ]
