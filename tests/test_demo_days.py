"""The default demo (what `make run` seeds) on every day of a week: the demo must not depend on the day.

Its own module: the read-only demo of test_demo_seed.py stays seeded, with its session open, until that
module ends, so these tests cannot share its database.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from iop import clock, create_app
from iop.demo import seed_demo_clinic
from iop.extensions import db
from iop.models import LevelOfCareDecision
from iop.services.audit import verify_chain
from tests.conftest import TEST_CONFIG, _empty_database


@pytest.mark.parametrize("days_ahead", range(7))
def test_the_default_demo_seeds_on_every_day_of_the_week(_migrated, days_ahead):
    """`make run` seeds the default clinic on whatever day it runs: on a Friday a planned discharge had
    already ended the enrollment a demo decision then tried to end again (DecisionRefused)."""
    moment = clock.now() + timedelta(days=days_ahead)
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": _migrated})
    with time_machine.travel(moment, tick=False), app.app_context():
        try:
            summary = seed_demo_clinic()
            db.session.commit()
            assert "family@example.org" in summary
            decisions = db.session.scalars(select(LevelOfCareDecision)).all()
            assert len(decisions) >= 3
            assert all(d.enrollment_id for d in decisions)
            assert list(verify_chain()) == []
        finally:
            _empty_database()
            db.engine.dispose()
