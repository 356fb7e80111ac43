"""The schedule reminds a client when a questionnaire becomes due: through the outbox, with no PHI, once per
due questionnaire however often the tick runs, not after the window closed, not through a link that no
longer works; custom instruments follow their own cadence."""

import json
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from iop import clock
from iop.extensions import db
from iop.jobs import hourly_tick, remind_questionnaires
from iop.models import AuditEvent, CustomInstrument, OutboxMessage, QuestionnaireReminder
from iop.services.assessments import record_assessment
from iop.services.client_links import revoke_link
from tests.factories import make_client_link, make_cohort, make_enrollment, make_program, make_user

PHQ9 = [1, 1, 1, 1, 1, 1, 1, 1, 0]
GAD7 = [1, 1, 1, 1, 1, 1, 1]


@pytest.fixture
def team(app):
    program = make_program("Reminder program")
    cohort = make_cohort(program)
    clinician = make_user("clinician", programs=[program])
    return {"program": program, "cohort": cohort, "clinician": clinician, "today": program.today()}


def _person(team, answered_days_ago: int | None = None, admitted_days_ago: int = 40):
    today = team["today"]
    person = make_enrollment(
        team["cohort"], started_on=today - timedelta(days=admitted_days_ago), first_name="Robin"
    ).client
    if answered_days_ago is not None:
        day = today - timedelta(days=answered_days_ago)
        record_assessment(person, "phq9", PHQ9, day, "clinician", team["clinician"])
        record_assessment(person, "gad7", GAD7, day, "clinician", team["clinician"])
    db.session.commit()
    link, _ = make_client_link(person, team["clinician"])
    return person, link


def _reminders() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.purpose == "questionnaire_reminder")
            .order_by(OutboxMessage.id)
        )
    )


def _tick() -> int:
    sent = remind_questionnaires()
    db.session.commit()
    return sent


def test_a_due_questionnaire_is_reminded_once_with_no_phi(team):
    person, link = _person(team, answered_days_ago=7)
    assert _tick() == 1
    (message,) = _reminders()
    assert message.recipient == person.email and message.channel == "email"
    assert "2 short questionnaires are ready" in message.body and "/me/" in message.body
    for phi in ("PHQ", "GAD", "Robin", person.last_name, "Reminder program", "depress", "anxiety"):
        assert phi.lower() not in (message.subject + message.body).lower()
    rows = db.session.scalars(select(QuestionnaireReminder).order_by(QuestionnaireReminder.instrument)).all()
    assert [(r.instrument, r.due_on, r.message_id, r.link_id) for r in rows] == [
        ("gad7", team["today"], message.id, link.id),
        ("phq9", team["today"], message.id, link.id),
    ]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "questionnaire.reminder"))
    assert event.actor_id is None and json.loads(event.details)["instruments"] == ["phq9", "gad7"]


def test_running_the_tick_twice_sends_one(team):
    _person(team, answered_days_ago=7)
    hourly_tick()
    hourly_tick()
    assert len(_reminders()) == 1
    assert _tick() == 0


def test_the_next_days_of_the_same_window_send_nothing_more(team):
    _person(team, answered_days_ago=7)
    _tick()
    with time_machine.travel(clock.now() + timedelta(days=2), tick=False):
        assert _tick() == 0
    assert len(_reminders()) == 1


def test_not_due_yet_then_due_the_next_day(team):
    _person(team, answered_days_ago=6)
    assert _tick() == 0
    with time_machine.travel(clock.now() + timedelta(days=1), tick=False):
        assert _tick() == 1


def test_the_last_open_day_still_reminds(team):
    _person(team, answered_days_ago=10)  # due 3 days ago, answerable until today
    assert _tick() == 1


def test_after_expiry_nothing_is_sent_until_the_next_window(team):
    _person(team, answered_days_ago=11)  # the window closed yesterday; the next opens in 3 days
    assert _tick() == 0
    with time_machine.travel(clock.now() + timedelta(days=3), tick=False):
        assert _tick() == 1
        due_on = {r.due_on for r in db.session.scalars(select(QuestionnaireReminder))}
        assert due_on == {team["today"] + timedelta(days=3)}


def test_answered_in_time_the_next_reminder_is_for_the_next_due_date(team):
    person, _ = _person(team, answered_days_ago=7)
    _tick()
    record_assessment(person, "phq9", PHQ9, team["today"], "clinician", team["clinician"])
    record_assessment(person, "gad7", GAD7, team["today"], "clinician", team["clinician"])
    db.session.commit()
    assert _tick() == 0
    with time_machine.travel(clock.now() + timedelta(days=7), tick=False):
        assert _tick() == 1
    assert len(_reminders()) == 2


def test_a_revoked_link_gets_no_reminder(team):
    _, link = _person(team, answered_days_ago=7)
    revoke_link(link, team["clinician"])
    db.session.commit()
    assert _tick() == 0 and _reminders() == []


def test_an_expired_link_gets_no_reminder(team):
    _person(team, answered_days_ago=7)
    with time_machine.travel(clock.now() + timedelta(days=31), tick=False):
        # A month on the link has expired (the renewal is another job), whatever is due.
        assert remind_questionnaires() == 0


def test_a_replaced_link_is_not_used_the_new_one_is(team):
    person, old = _person(team, answered_days_ago=7)
    new, _ = make_client_link(person, team["clinician"])
    assert _tick() == 1
    (row, _) = db.session.scalars(select(QuestionnaireReminder)).all()
    assert row.link_id == new.id != old.id


def test_a_client_no_longer_enrolled_is_not_reminded(team):
    person, _ = _person(team, answered_days_ago=7)
    enrollment = person.enrollments[0]
    enrollment.ended_on, enrollment.end_reason = team["today"] - timedelta(days=1), "discharged"
    db.session.commit()
    assert _tick() == 0


def test_a_custom_instrument_follows_its_own_cadence(team):
    person, _ = _person(team, answered_days_ago=3)  # PHQ-9 and GAD-7 not due for 4 more days
    db.session.add(
        CustomInstrument(
            program_id=team["program"].id,
            key="craving_scale",
            name="Craving scale",
            items_json=json.dumps(["How strong were your cravings?"]),
            scale_min=0,
            scale_max=4,
            cadence_days=14,
        )
    )
    db.session.add(
        CustomInstrument(
            program_id=team["program"].id,
            key="staff_only",
            name="Staff only",
            items_json=json.dumps(["Observed?"]),
            scale_min=0,
            scale_max=1,
        )
    )
    db.session.commit()
    record_assessment(
        person, "craving_scale", [2], team["today"] - timedelta(days=14), "clinician", team["clinician"]
    )
    db.session.commit()
    assert _tick() == 1
    (row,) = db.session.scalars(select(QuestionnaireReminder)).all()
    assert (row.instrument, row.due_on) == ("craving_scale", team["today"])
    assert "A short questionnaire is ready" in _reminders()[0].body
