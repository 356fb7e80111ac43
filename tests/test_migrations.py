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
