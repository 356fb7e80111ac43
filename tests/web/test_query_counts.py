"""The busiest pages load what they show with a fixed number of SQL statements (no N+1)."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from iop.extensions import db
from iop.models import Attendance
from tests.factories import make_cohort, make_enrollment, make_program, make_session, make_user

MAX_STATEMENTS = 12


@contextmanager
def counting_statements():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def build_cohort(members: int):
    program = make_program()
    cohort = make_cohort(program)
    clinician = make_user("clinician", programs=[program])
    today = program.today()
    enrollments = [make_enrollment(cohort, started_on=today - timedelta(days=20)) for _ in range(members)]
    sessions = [
        make_session(cohort, day=today - timedelta(days=offset), status="held") for offset in (0, 2, 4, 7, 9)
    ]
    db.session.add_all(
        Attendance(
            session_id=s.id,
            enrollment_id=e.id,
            status="present",
            minutes_attended=180,
            participation=4,
            updated_by_id=clinician.id,
        )
        for s in sessions
        for e in enrollments
    )
    db.session.commit()
    return {"cohort": cohort, "session": sessions[0], "clinician": clinician}


def statements_for(client, url: str) -> list[str]:
    client.get(url)  # warm up: first-request work (session touch) is not part of the page
    with counting_statements() as statements:
        assert client.get(url).status_code == 200
    return statements


@pytest.mark.parametrize("page", ["session", "cohort"])
def test_page_statement_count_does_not_grow_with_members(app, login, page):
    counts = {}
    for members in (5, 40):
        world = build_cohort(members)
        client = login(world["clinician"])
        url = f"/sessions/{world['session'].id}" if page == "session" else f"/cohorts/{world['cohort'].id}"
        counts[members] = len(statements_for(client, url))
    assert counts[5] == counts[40], counts
    assert counts[40] <= MAX_STATEMENTS, counts


def build_history(weeks: int):
    """One client with `weeks` weeks of groups, weekly PHQ-9 and GAD-7, and daily dose logs."""
    from iop.models import AssessmentResponse, DoseLog, Medication

    program = make_program()
    cohort = make_cohort(program)
    clinician = make_user("clinician", programs=[program])
    today = program.today()
    start = today - timedelta(days=7 * weeks)
    enrollment = make_enrollment(cohort, started_on=start)
    sessions = [
        make_session(cohort, day=start + timedelta(days=offset), status="held")
        for offset in range(0, 7 * weeks, 7)
    ]
    medication = Medication(
        client_id=enrollment.client_id,
        name="Sertraline",
        dose="50 mg",
        doses_per_day=1,
        started_on=start,
        created_by_id=clinician.id,
    )
    db.session.add(medication)
    db.session.flush()
    for week, s in enumerate(sessions):
        db.session.add(
            Attendance(
                session_id=s.id,
                enrollment_id=enrollment.id,
                status="present",
                minutes_attended=180,
                participation=3,
                updated_by_id=clinician.id,
            )
        )
        for key, total, severity in (
            ("phq9", max(4, 18 - week), "moderate"),
            ("gad7", max(3, 14 - week), "mild"),
        ):
            db.session.add(
                AssessmentResponse(
                    client_id=enrollment.client_id,
                    enrollment_id=enrollment.id,
                    instrument=key,
                    administered_on=s.session_date,
                    answers_json="[]",
                    total=total,
                    severity=severity,
                    source="clinician",
                    entered_by_id=clinician.id,
                )
            )
    db.session.add_all(
        DoseLog(
            medication_id=medication.id,
            day=start + timedelta(days=day),
            status="taken",
            recorded_by_id=clinician.id,
        )
        for day in range(7 * weeks)
    )
    db.session.commit()
    return {"cohort": cohort, "client_id": enrollment.client_id, "clinician": clinician}


@pytest.mark.parametrize("page", ["overview", "cohort"])
def test_statement_count_does_not_grow_with_history(app, login, page):
    counts = {}
    for weeks in (6, 24):
        world = build_history(weeks)
        client = login(world["clinician"])
        url = f"/clients/{world['client_id']}" if page == "overview" else f"/cohorts/{world['cohort'].id}"
        counts[weeks] = len(statements_for(client, url))
    assert counts[6] == counts[24], counts
    assert counts[24] <= MAX_STATEMENTS, counts


def build_family(consents: int):
    """One client with `consents` family members, each with three weeks of observations and an invitation."""
    from tests.factories import make_consent, make_family_user, make_invitation, make_observation

    program = make_program()
    enrollment = make_enrollment(make_cohort(program), started_on=program.today() - timedelta(days=40))
    clinician = make_user("clinician", programs=[program])
    for _ in range(consents):
        family = make_family_user()
        consent = make_consent(
            enrollment.client,
            clinician,
            family=family,
            granted_on=program.today() - timedelta(days=30),
            signed_on=program.today() - timedelta(days=30),
            scope_attendance_summary=True,
        )
        for weeks_ago in (0, 1, 2):
            make_observation(consent, observed_on=program.today() - timedelta(days=7 * weeks_ago))
        make_invitation(make_consent(enrollment.client, clinician), clinician)
    return enrollment.client, clinician


def test_the_family_tab_statement_count_does_not_grow_with_family_members(app, login):
    counts = {}
    for consents in (1, 6):
        client_record, clinician = build_family(consents)
        client = login(clinician)
        statements = statements_for(client, f"/clients/{client_record.id}/family")
        counts[consents] = len(statements)
    assert counts[1] == counts[6], counts
    assert counts[6] <= MAX_STATEMENTS, counts


def build_thread(messages: int):
    """One client with a thread of `messages` messages both ways, by three clinicians, marked handled."""
    from iop.models import MessageThread, SecureMessage
    from iop.services.secure_messages import set_handled

    program = make_program()
    enrollment = make_enrollment(make_cohort(program), started_on=program.today() - timedelta(days=20))
    clinicians = [make_user("clinician", programs=[program]) for _ in range(3)]
    for number in range(messages):
        staff = clinicians[number % 3]
        from_client = number % 2 == 0
        db.session.add(
            SecureMessage(
                client_id=enrollment.client_id,
                author_kind="client" if from_client else "staff",
                author_id=None if from_client else staff.id,
                body=f"Message {number}",
                read_by_id=staff.id if from_client else None,
                submission_key=f"count-key-{messages}-{number:06d}",
            )
        )
    db.session.add(MessageThread(client_id=enrollment.client_id))
    db.session.flush()
    set_handled(enrollment.client, clinicians[0], True)
    db.session.commit()
    return enrollment.client_id, clinicians[0]


def test_the_messages_tab_statement_count_does_not_grow_with_the_thread(app, login):
    counts = {}
    for messages in (3, 30):
        client_id, clinician = build_thread(messages)
        client = login(clinician)
        counts[messages] = len(statements_for(client, f"/clients/{client_id}/messages"))
    assert counts[3] == counts[30], counts
    assert counts[30] <= MAX_STATEMENTS, counts


def build_open_alerts(alerts: int):
    """A program with `alerts` open safety alerts (PHQ-9 item 9 above 0), each of another client."""
    from iop.services.assessments import record_assessment

    program = make_program()
    cohort = make_cohort(program)
    clinician = make_user("clinician", programs=[program])
    case_manager = make_user("case_manager", programs=[program])
    for _ in range(alerts):
        enrollment = make_enrollment(cohort, started_on=program.today() - timedelta(days=10))
        record_assessment(
            enrollment.client, "phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1], program.today(), "clinician", clinician
        )
    db.session.commit()
    return case_manager


@pytest.mark.parametrize("url", ["/reviews/", "/alerts/"])
def test_alert_cards_statement_count_does_not_grow_with_open_alerts(app, login, url):
    counts = {}
    for alerts in (1, 4):
        client = login(build_open_alerts(alerts))
        statements = statements_for(client, url)
        counts[alerts] = len(statements)
    assert counts[1] == counts[4], counts
    assert counts[4] <= MAX_STATEMENTS, counts


def build_self_reports(days: int):
    """One client with `days` days of check-ins and wearable data (imported twice), `days` homework
    completions, shared journal entries and feedback on groups, and their personal link's activity."""
    from iop.models import DailyCheckin, SessionFeedback
    from iop.services.homework import HomeworkInput, assign_homework, mark_done
    from iop.services.journal import write_entry
    from tests.factories import make_client_link
    from tests.web.test_wearables_tab import import_days

    program = make_program()
    cohort = make_cohort(program)
    today = program.today()
    enrollment = make_enrollment(cohort, started_on=today - timedelta(days=40))
    person = enrollment.client
    clinician = make_user("clinician", programs=[program])
    link, _ = make_client_link(person, clinician)
    for ago in range(days):
        db.session.add(
            DailyCheckin(
                client_id=person.id,
                day=today - timedelta(days=ago),
                mood=5,
                anxiety=4,
                cravings=3,
                stress=5,
                sleep_hours=7,
                submission_key=f"count-checkin-{days}-{ago:06d}",
            )
        )
        write_entry(link, f"Entry {ago}", True, f"count-journal-{days}-{ago:06d}")
        group = make_session(cohort, day=today - timedelta(days=ago), status="held")
        db.session.add(
            SessionFeedback(
                client_id=person.id, session_id=group.id, felt_heard=4, useful=4, plan_to_use=5, comment=""
            )
        )
    for number in range(days):
        assignment = assign_homework(
            person, HomeworkInput(f"Practice {number}", "daily", None, ""), clinician
        )
        db.session.flush()
        mark_done(link, assignment, "done")
    db.session.commit()
    import_days(link, [(ago, "7h", 60, 40, 5000) for ago in range(days)])
    import_days(link, [(ago, "6h", 61, 41, 6000) for ago in range(days)])
    return person, clinician


def test_the_self_reports_tab_statement_count_does_not_grow_with_what_the_client_reported(app, login):
    counts = {}
    for days in (1, 12):
        person, clinician = build_self_reports(days)
        client = login(clinician)
        page = client.get(f"/clients/{person.id}/self-reports").get_data(as_text=True)
        assert "Entry 0" in page and "Practice 0" in page and "Imported wearable data" in page
        counts[days] = len(statements_for(client, f"/clients/{person.id}/self-reports"))
    assert counts[1] == counts[12], counts
    assert counts[12] <= MAX_STATEMENTS, counts


# The attendance toggle, a stored row given another status: the sign-in session, the session with its
# member, the row with the grid's counts, the versioned UPDATE and the audit append: the chain's lock and
# head in one statement on PostgreSQL (migration 0020), two on SQLite, then the insert.
TOGGLE_STATEMENTS = {"postgresql": 6, "sqlite": 7}


def build_recorded_session(members: int):
    """Today's session, already under way, with every member recorded present."""
    program = make_program()
    cohort = make_cohort(program)
    clinician = make_user("clinician", programs=[program])
    enrollments = [
        make_enrollment(cohort, started_on=program.today() - timedelta(days=20)) for _ in range(members)
    ]
    group_session = make_session(cohort, status="held")
    db.session.add_all(
        Attendance(
            session_id=group_session.id,
            enrollment_id=e.id,
            status="present",
            minutes_attended=180,
            updated_by_id=clinician.id,
        )
        for e in enrollments
    )
    db.session.commit()
    return {"session": group_session, "clinician": clinician}


def toggle_statements(client, world, status: str) -> list[str]:
    member_id = db.session.scalar(
        select(Attendance.enrollment_id).where(Attendance.session_id == world["session"].id).limit(1)
    )
    version = db.session.scalar(
        select(Attendance.version).where(
            Attendance.session_id == world["session"].id, Attendance.enrollment_id == member_id
        )
    )
    with counting_statements() as statements:
        response = client.post(
            f"/sessions/{world['session'].id}/attendance/{member_id}",
            data={"version": str(version), "status": status, "minutes_attended": "", "note": ""},
            headers={"HX-Request": "true", "HX-Trigger-Name": "status"},
        )
    assert response.status_code == 200, response.text
    assert f'value="{version + 1}" hx-swap-oob="true"' in response.text  # saved, as a new version
    return statements


def test_the_attendance_toggle_takes_a_fixed_few_statements(app, login):
    """The grid's hot path: the same few statements however large the group, and no savepoint around
    the versioned UPDATE (a lost race there is a 409 without one)."""
    counts = {}
    for members in (5, 40):
        world = build_recorded_session(members)
        client = login(world["clinician"])
        client.get(f"/sessions/{world['session'].id}")  # first-request work (the session touch) apart
        statements = toggle_statements(client, world, "late")
        counts[members] = len(statements)
        assert not [s for s in statements if "SAVEPOINT" in s.upper()], statements
    assert counts[5] == counts[40] == TOGGLE_STATEMENTS[db.engine.dialect.name], counts
