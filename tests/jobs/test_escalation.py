"""An alert nobody acknowledges within 30 minutes escalates to the program's admins, once."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from iop import clock
from iop.extensions import db
from iop.jobs import escalate_alert, escalation_tick, hourly_tick
from iop.models import Alert, AuditEvent
from iop.services.alerts import acknowledge_alert
from iop.services.assessments import record_assessment
from tests.factories import make_cohort, make_enrollment, make_program, make_user


@pytest.fixture
def world(app):
    program = make_program()
    client = make_enrollment(make_cohort(program)).client
    clinician = make_user("clinician", programs=[program])
    admin = make_user("admin", programs=[program], name="Alex Kim")
    make_user("admin", programs=[make_program()], name="Other Admin")
    return {"program": program, "client": client, "clinician": clinician, "admin": admin}


def open_alert(world, minutes_ago: int) -> Alert:
    response = record_assessment(
        world["client"], "phq9", [0] * 8 + [2], world["program"].today(), "self_report", world["clinician"]
    )
    alert = db.session.scalar(select(Alert).where(Alert.response_id == response.id))
    alert.created_at = clock.now() - timedelta(minutes=minutes_ago)
    db.session.commit()
    return alert


def escalations() -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "alert.escalate")).all()


def test_an_alert_open_31_minutes_escalates_and_names_the_programs_admins(world):
    alert = open_alert(world, 31)
    assert escalation_tick() == 1
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).escalated_at is not None
    (event,) = escalations()
    assert event.client_id == world["client"].id
    # Staff are named by id: the trail holds ids and codes, not names.
    assert json.loads(event.details)["admin_ids"] == [world["admin"].id]
    assert "Alex Kim" not in event.details


def test_an_alert_open_29_minutes_does_not_escalate(world):
    alert = open_alert(world, 29)
    assert escalation_tick() == 0
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).escalated_at is None
    assert escalations() == []


def test_escalation_is_idempotent(world):
    open_alert(world, 45)
    assert escalation_tick() == 1
    assert escalation_tick() == 0
    assert hourly_tick() >= 0
    assert len(escalations()) == 1


def test_an_acknowledged_alert_never_escalates(world):
    alert = open_alert(world, 40)
    acknowledge_alert(alert, "Safety plan reviewed", world["clinician"])
    db.session.commit()
    assert escalation_tick() == 0


def test_the_hourly_tick_escalates_too(world):
    alert = open_alert(world, 60)
    hourly_tick()
    db.session.expire_all()
    assert db.session.get(Alert, alert.id).escalated_at is not None


def test_the_per_alert_job_waits_for_the_window(world):
    fresh = open_alert(world, 1)
    assert escalate_alert(fresh.id) == 0  # enqueued at once without Redis: too early, nothing happens
    fresh.created_at = clock.now() - timedelta(minutes=30)
    db.session.commit()
    assert escalate_alert(fresh.id) == 1
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "alert.escalate")) == 1


def test_the_scheduler_runs_the_escalation_tick_every_five_minutes():
    from pathlib import Path

    source = Path(__file__).parents[2].joinpath("iop", "cli.py").read_text()
    assert 'cron.register(escalation_tick, QUEUE_NAME, cron="*/5 * * * *"' in source
