"""Admin: cohorts, their meeting pattern, and the sessions generated from it."""

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import DateTime, func, select, text

from iop.extensions import db
from iop.models import Attendance, AuditEvent, Cohort, GroupSession
from iop.services.programs import PATTERN_CHANGED
from tests.factories import make_cohort, make_enrollment, make_program, make_session, make_user

COHORT = {
    "name": "Tuesday–Thursday evenings",
    "admission": "open",
    "meeting_days": ["1", "3"],
    "start_time": "17:30",
    "duration_minutes": "180",
}


@pytest.fixture
def program(app):
    return make_program("Pacific IOP", timezone="America/Los_Angeles")


@pytest.fixture
def admin(program):
    return make_user("admin", programs=[program])


def sessions_of(cohort_id: int) -> list[GroupSession]:
    return db.session.scalars(
        select(GroupSession).where(GroupSession.cohort_id == cohort_id).order_by(GroupSession.starts_at)
    ).all()


def test_creating_a_cohort_generates_its_sessions_in_program_time(app, program, admin, login):
    clinician = make_user("clinician", programs=[program], name="Robin Facilitator")
    response = login(admin).post(
        f"/admin/programs/{program.id}/cohorts/new", data={**COHORT, "facilitators": [str(clinician.id)]}
    )
    cohort = db.session.scalar(select(Cohort))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/cohorts/{cohort.id}"
    assert (cohort.meeting_days, cohort.start_time, cohort.duration_minutes) == ("13", time(17, 30), 180)
    assert [user.id for user in cohort.facilitators] == [clinician.id]

    today = program.today()
    weeks = app.config["IOP_SESSION_HORIZON_WEEKS"]
    sessions = sessions_of(cohort.id)
    assert len(sessions) == 2 * weeks  # two meeting days for each week of the horizon
    zone = ZoneInfo("America/Los_Angeles")
    for group_session in sessions:
        local = group_session.starts_at.astimezone(zone)
        assert local.weekday() in (1, 3)
        assert local.time() == time(17, 30)
        assert local.date() == group_session.session_date
        assert today <= group_session.session_date < today + timedelta(weeks=weeks)
        assert group_session.facilitator_id == clinician.id
        assert group_session.status == "scheduled"
    # Stored as naive UTC: 17:30 in Los Angeles is 00:30 or 01:30 UTC the next day.
    stored = (
        db.session.execute(
            # Typed as a plain DateTime, so SQLite's stored text is parsed too (and no time zone is added).
            text("SELECT starts_at FROM group_sessions ORDER BY starts_at").columns(starts_at=DateTime())
        )
        .scalars()
        .all()
    )
    expected = [
        datetime.combine(s.session_date, time(17, 30), tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
        for s in sessions
    ]
    assert stored == expected
    assert {stamp.time() for stamp in stored} <= {time(0, 30), time(1, 30)}


def test_creating_a_cohort_is_audited(app, program, admin, login):
    login(admin).post(f"/admin/programs/{program.id}/cohorts/new", data=COHORT)
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["cohort.create", "session.generate"]
    assert db.session.scalar(select(AuditEvent.actor_id).limit(1)) == admin.id


def test_the_cohort_page_lists_the_generated_sessions_in_program_time(app, program, admin, login):
    client = login(admin)
    client.post(f"/admin/programs/{program.id}/cohorts/new", data=COHORT)
    cohort = db.session.scalar(select(Cohort))
    page = client.get(f"/admin/cohorts/{cohort.id}").text
    assert "Tue, Thu at 5:30 PM, 180 min" in page
    assert "5:30\u00a0PM" in page  # program time, kept on one line
    first = sessions_of(cohort.id)[0]
    assert f'href="/sessions/{first.id}"' in page


def test_invalid_cohort_comes_back_with_what_was_typed_and_saves_nothing(app, program, admin, login):
    response = login(admin).post(
        f"/admin/programs/{program.id}/cohorts/new",
        data={"name": "Typed cohort", "admission": "open", "start_time": "", "duration_minutes": "10"},
    )
    assert response.status_code == 422
    assert 'value="Typed cohort"' in response.text
    assert 'value="10"' in response.text
    assert "Choose at least one meeting day." in response.text
    assert "Enter a start time, e.g. 09:00." in response.text
    assert "A session lasts between 15 and 480 minutes." in response.text
    assert db.session.scalar(select(func.count(Cohort.id))) == 0
    assert db.session.scalar(select(func.count(GroupSession.id))) == 0
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0


def test_checked_days_stay_checked_when_the_form_comes_back(app, program, admin, login):
    response = login(admin).post(
        f"/admin/programs/{program.id}/cohorts/new", data={**COHORT, "duration_minutes": "481"}
    )
    assert response.status_code == 422
    assert 'checked id="meeting_days-1"' in response.text or 'id="meeting_days-1" checked' in response.text
    assert 'value="17:30"' in response.text


def test_facilitators_are_the_programs_clinicians_and_case_managers(app, program, admin, login):
    clinician = make_user("clinician", programs=[program], name="In Program")
    outsider = make_user("clinician", programs=[make_program()], name="Other Program")
    client = login(admin)
    page = client.get(f"/admin/programs/{program.id}/cohorts/new").text
    offered = re.findall(r'name="facilitators" type="checkbox" value="(\d+)"', page)
    assert offered == [str(clinician.id)]  # not the outsider, not the admin-only account
    response = client.post(
        f"/admin/programs/{program.id}/cohorts/new", data={**COHORT, "facilitators": [str(outsider.id)]}
    )
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Cohort.id))) == 0


def test_cohort_names_are_unique_within_a_program(app, program, admin, login):
    make_cohort(program, name="Mornings")
    response = login(admin).post(
        f"/admin/programs/{program.id}/cohorts/new", data={**COHORT, "name": "mornings"}
    )
    assert response.status_code == 422
    assert "This program already has a cohort with this name." in response.text


def test_a_pattern_change_cancels_off_pattern_sessions_and_they_stay_listed(app, program, admin, login):
    client = login(admin)
    client.post(f"/admin/programs/{program.id}/cohorts/new", data={**COHORT, "meeting_days": ["0", "2", "4"]})
    cohort = db.session.scalar(select(Cohort))
    before = {s.id for s in sessions_of(cohort.id)}

    response = client.post(f"/admin/cohorts/{cohort.id}/edit", data=COHORT)  # now Tue/Thu

    assert response.status_code == 303
    sessions = sessions_of(cohort.id)
    cancelled = [s for s in sessions if s.status == "cancelled"]
    scheduled = [s for s in sessions if s.status == "scheduled"]
    assert {s.id for s in cancelled} == before
    assert all(s.cancelled_reason == PATTERN_CHANGED for s in cancelled)
    assert {s.session_date.weekday() for s in scheduled} == {1, 3}
    assert len(scheduled) == 2 * app.config["IOP_SESSION_HORIZON_WEEKS"]
    page = client.get(f"/admin/cohorts/{cohort.id}").text
    assert page.count(PATTERN_CHANGED) == len(cancelled)
    assert page.count("badge-cancelled") == len(cancelled)
    assert "cohort.update" in db.session.scalars(select(AuditEvent.action)).all()


def test_a_pattern_change_leaves_sessions_with_attendance_alone(app, program, admin, login):
    cohort = make_cohort(program, meeting_days="0123456", start_time=time(9, 0))
    recorded = make_session(cohort, program.today() + timedelta(days=1))
    enrollment = make_enrollment(cohort)
    db.session.add(
        Attendance(
            session=recorded,
            enrollment=enrollment,
            status="present",
            minutes_attended=180,
            updated_by_id=admin.id,
        )
    )
    db.session.commit()
    login(admin).post(f"/admin/cohorts/{cohort.id}/edit", data={**COHORT, "start_time": "10:00"})
    db.session.refresh(recorded)
    assert recorded.status == "scheduled"


def test_editing_only_the_name_keeps_every_session(app, program, admin, login):
    cohort = make_cohort(program, meeting_days="13", start_time=time(17, 30), duration_minutes=180)
    make_session(cohort, program.today() + timedelta(days=(1 - program.today().weekday()) % 7))
    response = login(admin).post(f"/admin/cohorts/{cohort.id}/edit", data={**COHORT, "name": "Renamed"})
    assert response.status_code == 303
    assert [s.status for s in sessions_of(cohort.id)] == ["scheduled"]
    db.session.refresh(cohort)
    assert cohort.name == "Renamed"


def test_the_edit_form_starts_from_the_cohort(app, program, admin, login):
    cohort = make_cohort(
        program, name="Closed group", meeting_days="24", start_time=time(8, 15), admission="closed"
    )
    page = login(admin).get(f"/admin/cohorts/{cohort.id}/edit").text
    assert 'value="Closed group"' in page
    assert 'value="08:15"' in page
    assert 'checked id="admission-1"' in page or 'id="admission-1" checked' in page


def test_a_cancelled_session_stays_visible_with_its_reason(app, program, admin, login):
    cohort = make_cohort(program)
    cancelled = make_session(
        cohort,
        program.today() + timedelta(days=2),
        status="cancelled",
        cancelled_reason="Clinic closed: holiday",
    )
    page = login(admin).get(f"/admin/cohorts/{cohort.id}").text
    assert "Clinic closed: holiday" in page
    assert "Cancelled" in page
    assert f'href="/sessions/{cancelled.id}"' in page
