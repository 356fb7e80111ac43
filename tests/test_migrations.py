"""Migrations upgrade from empty, round-trip, and describe exactly the models (DESIGN.md §9)."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from iop import ROOT, create_app
from iop.extensions import db
from tests import services
from tests.conftest import TEST_CONFIG

MIGRATIONS = str(ROOT / "migrations")


@pytest.fixture
def scratch_app():
    """An app on a database of its own, so the round trip never touches the shared test database."""
    url = services.worker_database_url("migrations")
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    services.drop_database(url)


def test_upgrade_downgrade_upgrade_matches_the_models(scratch_app):
    upgrade(directory=MIGRATIONS)
    tables = set(inspect(db.engine).get_table_names())
    assert {"attendance", "audit_events", "assessment_responses", "dose_logs"} <= tables

    downgrade(directory=MIGRATIONS, revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

    upgrade(directory=MIGRATIONS)
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert differences == []


def test_0011_encrypts_existing_totp_secrets_and_the_downgrade_restores_them(scratch_app):
    from sqlalchemy import text

    from iop.keys import decrypt_secret

    upgrade(directory=MIGRATIONS, revision="0008_mfa_pending_secret")
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (email, full_name, password_hash, kind, active, must_change_password,"
                " totp_secret, totp_pending_secret, created_at) VALUES ('a@example.test', 'A', 'x', 'staff',"
                " true, false, 'JBSWY3DPEHPK3PXP', NULL, CURRENT_TIMESTAMP)"
            )
        )
    upgrade(directory=MIGRATIONS, revision="0011_accounts")
    with db.engine.connect() as conn:
        stored, pending = conn.execute(text("SELECT totp_secret, totp_pending_secret FROM users")).one()
    assert "JBSWY3DPEHPK3PXP" not in stored and decrypt_secret(stored) == "JBSWY3DPEHPK3PXP"
    assert pending is None
    downgrade(directory=MIGRATIONS, revision="0008_mfa_pending_secret")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT totp_secret FROM users")).scalar_one() == "JBSWY3DPEHPK3PXP"
