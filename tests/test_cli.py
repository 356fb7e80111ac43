"""The flask commands of DESIGN.md §11."""

from sqlalchemy import select

from iop.extensions import db
from iop.models import AuditEvent, User
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
    assert user.roles == {"admin"} and [p.name for p in user.programs] == ["Adult IOP"]
    assert db.session.scalar(select(AuditEvent.object_id).where(AuditEvent.action == "user.create")) == str(
        user.id
    )


def test_tick_command_generates_sessions(app):
    from tests.factories import make_cohort

    make_cohort(make_program())
    result = app.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0 and "sessions generated" in result.output
