"""The flask commands of DESIGN.md §11."""

from sqlalchemy import select

from iop.extensions import db
from iop.models import AuditEvent, Program, User
from tests.factories import make_program


def test_seed_demo_refuses_outside_demo_mode(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--clients", "3", "--weeks", "1"])
    assert result.exit_code != 0
    assert "IOP_DEMO=1" in result.output
    assert db.session.scalar(select(User)) is None


def test_create_user_checks_the_password_and_audits(app):
    make_program("Adult IOP")
    runner = app.test_cli_runner()
    weak = runner.invoke(
        args=[
            "create-user",
            "--email",
            "a@example.test",
            "--name",
            "A",
            "--role",
            "admin",
            "--program",
            "Adult IOP",
            "--password",
            "short",
        ]
    )
    assert weak.exit_code != 0 and "at least 12 characters" in weak.output
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "Lead@Example.test",
            "--name",
            "Lead Admin",
            "--role",
            "admin",
            "--program",
            "Adult IOP",
            "--password",
            "a long enough passphrase",
        ]
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == "lead@example.test"))
    assert user.grants() == {(user.programs[0].id, "admin")} and [p.name for p in user.programs] == [
        "Adult IOP"
    ]
    assert db.session.scalar(select(AuditEvent.object_id).where(AuditEvent.action == "user.create")) == str(
        user.id
    )


def test_create_program_then_its_first_admin(app):
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["create-program", "--name", "Day IOP", "--timezone", "Mars/Olympus"])
    assert unknown.exit_code != 0 and "unknown time zone" in unknown.output
    made = runner.invoke(args=["create-program", "--name", "Day IOP", "--timezone", "America/Chicago"])
    assert made.exit_code == 0, made.output
    program = db.session.scalar(select(Program).where(Program.name == "Day IOP"))
    assert (program.timezone, program.population, program.min_weekly_hours) == ("America/Chicago", "adult", 9)
    assert not program.break_glass_enabled
    again = runner.invoke(args=["create-program", "--name", "Day IOP", "--timezone", "America/Chicago"])
    assert again.exit_code != 0 and "exists already" in again.output
    without_program = runner.invoke(
        args=[
            "create-user",
            "--email",
            "b@example.test",
            "--name",
            "B",
            "--role",
            "admin",
            "--password",
            "x" * 20,
        ]
    )
    assert without_program.exit_code != 0 and "--program" in without_program.output


def test_tick_command_generates_sessions(app):
    from tests.factories import make_cohort

    make_cohort(make_program())
    result = app.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0 and "sessions generated" in result.output
