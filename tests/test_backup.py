"""Backup and restore as the README documents them (pg_dump -Fc, pg_restore), tried for real."""

import shutil
import subprocess

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from iop import ROOT, create_app
from iop.extensions import db
from iop.models import Attendance, AuditEvent, Client
from iop.services.audit import record_event, verify_chain
from tests import services
from tests.conftest import TEST_CONFIG
from tests.factories import make_cohort, make_enrollment, make_program, make_session, make_user

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.skipif(
        not services.base_database_url().startswith("postgresql") or shutil.which("pg_dump") is None,
        reason="backup and restore are PostgreSQL's pg_dump/pg_restore (CI runs them)",
    ),
]


def libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Client, Attendance, AuditEvent)
    }


def test_a_dump_restores_every_row_and_an_intact_audit_chain(tmp_path):
    source_url = services.worker_database_url("backup_source")
    target_url = services.worker_database_url("backup_target")
    try:
        source = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": source_url})
        with source.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            program = make_program()
            cohort = make_cohort(program)
            clinician = make_user("clinician", programs=[program])
            group_session = make_session(cohort, status="held")
            for _ in range(3):
                enrollment = make_enrollment(cohort)
                db.session.add(
                    Attendance(
                        session_id=group_session.id,
                        enrollment_id=enrollment.id,
                        status="present",
                        minutes_attended=180,
                        updated_by_id=clinician.id,
                    )
                )
            record_event("client.view", "client", enrollment.client_id, enrollment.client_id)
            db.session.commit()
            before = counts()
            db.engine.dispose()

        dump = tmp_path / "stepwise.dump"
        subprocess.run(["pg_dump", "-Fc", "-f", str(dump), libpq_url(source_url)], check=True)
        subprocess.run(["pg_restore", "--no-owner", "-d", libpq_url(target_url), str(dump)], check=True)

        restored = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": target_url})
        with restored.app_context():
            assert counts() == before
            assert list(verify_chain()) == []
            db.session.remove()
            db.engine.dispose()
    finally:
        services.drop_database(source_url)
        services.drop_database(target_url)
