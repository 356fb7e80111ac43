"""Flask commands: seed-demo, create-user, audit verify, reviews run, worker, scheduler."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from iop.extensions import db

audit_cli = AppGroup("audit", help="Inspect the audit trail.")
reviews_cli = AppGroup("reviews", help="Weekly progress reviews.")


@audit_cli.command("verify")
@click.option(
    "--checkpoint",
    "expected_checkpoint",
    default=None,
    help="A checkpoint signature kept outside the database (from the log); it must still be there.",
)
def audit_verify(expected_checkpoint: str | None):
    """Walk the hash chain and its signed checkpoints; report every event changed, added or removed."""
    from iop.services.audit import verify_chain

    problems = list(verify_chain(expected_checkpoint=expected_checkpoint))
    for problem in problems:
        click.echo(f"event {problem.event_id}: {problem.reason}", err=True)
    if problems:
        raise SystemExit(1)
    click.echo("audit chain intact")


@reviews_cli.command("run")
@click.option(
    "--week",
    "week",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="A day of the week to review (its Monday is used); default: each program's last completed week.",
)
def reviews_run(week):
    """Compute (or recompute) every cohort's reviews of one week, now, in this process."""
    from iop.clinical.weeks import week_start
    from iop.jobs import run_reviews
    from iop.models import Program
    from iop.services.review_runs import cohort_ids_with_members, completed_week_starts

    total = 0
    for program in db.session.scalars(select(Program).order_by(Program.id)).all():
        monday = week_start(week.date()) if week else completed_week_starts(program, 1)[0]
        for cohort_id in cohort_ids_with_members(program, monday):
            total += run_reviews(cohort_id, monday.isoformat())
        click.echo(f"{program.name}: week of {monday.isoformat()} reviewed")
    click.echo(f"{total} reviews computed")


@audit_cli.command("checkpoint")
def audit_checkpoint():
    """Sign the chain's head now (the scheduler does this every five minutes)."""
    from iop.services.audit import write_checkpoint

    checkpoint = write_checkpoint()
    db.session.commit()
    if checkpoint is None:
        click.echo("no new events since the last checkpoint")
    else:
        click.echo(f"checkpoint at event {checkpoint.event_id}: {checkpoint.signature}")


@click.command("seed-demo")
@click.option(
    "--clients", default=30, show_default=True, type=click.IntRange(min=3), help="How many clients (3+)."
)
@click.option("--weeks", default=6, show_default=True, help="Weeks of held sessions before today.")
@click.option(
    "--seed", default=2026, show_default=True, help="Random seed: the same seed gives the same clinic."
)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has programs.")
def seed_demo(clients: int, weeks: int, seed: int, if_empty: bool):
    """Create a believable demo clinic with the demo sign-ins (never run on real data)."""
    from iop.demo import seed_demo_clinic
    from iop.models import Program

    if not current_app.config["IOP_DEMO"]:
        raise click.ClickException(
            "seed-demo only runs with IOP_DEMO=1: the demo accounts share a known password."
        )
    if if_empty and db.session.scalar(select(Program.id).limit(1)) is not None:
        click.echo("database already has data; demo seed skipped")
        return
    summary = seed_demo_clinic(clients=clients, weeks=weeks, seed=seed)
    db.session.commit()
    click.echo(summary)


@click.command("create-user")
@click.option("--email", prompt=True)
@click.option("--name", "full_name", prompt="Full name")
@click.option(
    "--role", "roles", multiple=True, required=True, type=click.Choice(["clinician", "case_manager", "admin"])
)
@click.option(
    "--program",
    "program_names",
    multiple=True,
    required=True,
    help="Program name, where the roles are held; repeat for several.",
)
@click.password_option()
def create_user(
    email: str, full_name: str, roles: tuple[str, ...], program_names: tuple[str, ...], password: str
):
    """Create a staff account holding the roles in each program (a program's first admin, for example)."""
    from iop.models import Program
    from iop.services.accounts import AccountError, create_staff_user
    from iop.services.passwords import password_problem

    problem = password_problem(password, email=email, full_name=full_name)
    if problem:
        raise click.BadParameter(problem, param_hint="password")
    programs = db.session.scalars(select(Program).where(Program.name.in_(program_names))).all()
    missing = set(program_names) - {p.name for p in programs}
    if missing:
        raise click.BadParameter(f"no program named {', '.join(sorted(missing))}", param_hint="--program")
    try:
        user = create_staff_user(email, full_name, password, {program: roles for program in programs})
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"created {user.email} ({', '.join(sorted(roles))})")


@click.command("create-program")
@click.option("--name", required=True)
@click.option("--timezone", required=True, help="IANA time zone the program runs in, e.g. America/New_York.")
@click.option("--population", type=click.Choice(["adult", "adolescent"]), default="adult", show_default=True)
def create_program_command(name: str, timezone: str, population: str):
    """Create a program (a new installation's first; then `create-user --role admin --program NAME`)."""
    import zoneinfo

    from iop.models import DEFAULT_MIN_WEEKLY_HOURS, Program
    from iop.services.programs import create_program

    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {timezone!r}", param_hint="--timezone") from None
    if db.session.scalar(select(Program.id).where(Program.name == name.strip())) is not None:
        raise click.ClickException(f"a program named {name.strip()} exists already")
    program = create_program(
        name=name,
        timezone=timezone,
        population=population,
        min_weekly_hours=DEFAULT_MIN_WEEKLY_HOURS[population],
        actor=None,
    )
    db.session.commit()
    click.echo(f"created program {program.name} ({program.timezone})")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (for tests and one-off runs).")
@click.option(
    "--queue",
    "queue_names",
    multiple=True,
    type=click.Choice(["default", "reviews"]),
    help="Only this queue (repeat for several); default both. Scale the weekly review run on its own.",
)
def worker(burst: bool, queue_names: tuple[str, ...]):
    """Run an RQ worker with the app's configuration."""
    from rq import Worker

    from iop.jobs import QUEUE_NAME, queue, redis_connection
    from iop.services.review_runs import REVIEW_QUEUE

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set; without Redis, jobs run in-process.")
    # Each job runs in a forked child; it must open its own database connections.
    db.engine.dispose()
    # with_scheduler: delayed jobs (alert escalation after 30 minutes) are moved to the queue when due.
    queues = [queue(name) for name in (queue_names or (QUEUE_NAME, REVIEW_QUEUE))]
    Worker(queues, connection=redis_connection()).work(burst=burst, with_scheduler=True)


@click.command("scheduler")
def scheduler():
    """Run the clock: RQ's cron fires the hourly tick. Run exactly one (a duplicate does no harm)."""
    from rq.cron import CronScheduler

    from iop.jobs import (
        QUEUE_NAME,
        audit_checkpoint_tick,
        escalation_tick,
        family_summaries_tick,
        hourly_tick,
        redis_connection,
    )

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set; without Redis the tick runs in-process.")
    cron = CronScheduler(connection=redis_connection())
    cron.register(hourly_tick, QUEUE_NAME, cron="5 * * * *", name="hourly-tick")
    cron.register(escalation_tick, QUEUE_NAME, cron="*/5 * * * *", name="escalation-tick")
    cron.register(audit_checkpoint_tick, QUEUE_NAME, cron="*/5 * * * *", name="audit-checkpoint")
    # Weekly, Monday morning (UTC); idempotent per consent and week: a rerun sends nothing twice.
    cron.register(family_summaries_tick, QUEUE_NAME, cron="30 9 * * 1", name="family-summaries")
    db.engine.dispose()
    cron.start()


@click.command("tick")
def tick():
    """Run the hourly tick once, now."""
    from iop.jobs import hourly_tick

    click.echo(f"{hourly_tick()} sessions generated")


def init_app(app: Flask) -> None:
    """Register the commands."""
    for command in (
        audit_cli,
        reviews_cli,
        seed_demo,
        create_program_command,
        create_user,
        worker,
        scheduler,
        tick,
    ):
        app.cli.add_command(command)
