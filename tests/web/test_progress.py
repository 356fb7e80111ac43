"""The client overview (charts with text alternatives) and the progress JSON share one read model."""

from datetime import timedelta

import pytest

from iop.extensions import db
from iop.models import AssessmentResponse, Attendance, DoseLog, Medication
from tests.factories import make_cohort, make_enrollment, make_program, make_session, make_user


@pytest.fixture
def world(app):
    program = make_program(min_weekly_hours=9)
    cohort = make_cohort(program, duration_minutes=180)
    clinician = make_user("clinician", programs=[program])
    today = program.today()
    monday = today - timedelta(days=today.weekday()) - timedelta(days=14)
    enrollment = make_enrollment(cohort, started_on=monday, first_name="Ana", last_name="Lopez")
    for offset, minutes, rating in ((0, 180, 3), (2, 180, 4), (4, 90, 2), (7, 180, 4)):
        s = make_session(cohort, day=monday + timedelta(days=offset), status="held")
        db.session.add(
            Attendance(
                session_id=s.id,
                enrollment_id=enrollment.id,
                status="present",
                minutes_attended=minutes,
                participation=rating,
                updated_by_id=clinician.id,
            )
        )
    for days, phq9, severity in ((0, 18, "moderately_severe"), (7, 14, "moderate"), (14, 11, "moderate")):
        db.session.add(
            AssessmentResponse(
                client_id=enrollment.client_id,
                enrollment_id=enrollment.id,
                instrument="phq9",
                administered_on=monday + timedelta(days=days),
                answers_json="[]",
                total=phq9,
                severity=severity,
                source="self_report",
                entered_by_id=clinician.id,
            )
        )
    medication = Medication(
        client_id=enrollment.client_id,
        name="Sertraline",
        dose="50 mg",
        doses_per_day=1,
        started_on=monday,
        created_by_id=clinician.id,
    )
    db.session.add(medication)
    db.session.flush()
    # First week: 6 of 7 days logged, 5 taken and 1 partial → 5.5 / 6.
    statuses = ["taken", "taken", "taken", "partial", "taken", "taken"]
    db.session.add_all(
        DoseLog(
            medication_id=medication.id,
            day=monday + timedelta(days=day),
            status=status,
            recorded_by_id=clinician.id,
        )
        for day, status in enumerate(statuses)
    )
    db.session.commit()
    return {"client_id": enrollment.client_id, "clinician": clinician, "monday": monday, "program": program}


def test_progress_api_reports_scores_change_weeks_and_adherence(world, login):
    response = login(world["clinician"]).get(f"/api/v1/clients/{world['client_id']}/progress")
    assert response.status_code == 200
    data = response.json
    phq9 = data["instruments"][0]
    assert phq9["key"] == "phq9"
    assert [s["total"] for s in phq9["scores"]] == [18, 14, 11]
    # 18 → 11 is a drop of 7: reliable improvement (≥ 6), not yet a response (needs ≥ 9).
    assert phq9["scores"][-1]["reliable_change"] == "improvement"
    assert phq9["change"]["reliable_improvement"] and not phq9["change"]["response"]
    assert [b["key"] for b in phq9["bands"]][:2] == ["minimal", "mild"]
    assert data["adherent_threshold"] == 0.8
    first_week = data["weeks"][0]
    assert first_week["week_start"] == world["monday"].isoformat()
    assert (first_week["scheduled_hours"], first_week["attended_hours"]) == (9.0, 7.5)
    assert first_week["meets_minimum"] is False
    assert first_week["mean_participation"] == 3.0
    assert first_week["adherence"] == pytest.approx(5.5 / 6, abs=0.001)
    assert first_week["adherence_coverage"] == pytest.approx(6 / 7, abs=0.001)


def test_overview_page_has_charts_their_data_and_tables(world, login):
    page = login(world["clinician"]).get(f"/clients/{world['client_id']}").text
    assert 'data-chart="instrument" data-key="phq9"' in page
    assert 'data-chart="hours"' in page and 'data-chart="adherence"' in page
    assert f'data-progress-url="/api/v1/clients/{world["client_id"]}/progress?visit=' in page
    assert "Reliable improvement" in page
    # Each chart's marks explained beside it, the decision lines too (drawn on the staff's charts only).
    assert page.count('chart marks"') == page.count('data-chart="instrument"') >= 1
    assert "Circle: a total" in page and "Dashed line: a level-of-care decision" in page
    assert "<td>18</td>" in page  # the chart's text alternative
    assert "gen/charts.js" in page


def test_an_overview_visit_is_one_audit_event(world, login):
    import re

    from sqlalchemy import select

    from iop.models import AuditEvent

    client = login(world["clinician"])
    page = client.get(f"/clients/{world['client_id']}").text
    chart_url = re.search(r'data-progress-url="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert "visit=" in chart_url
    assert client.get(chart_url).status_code == 200  # the charts' fetch
    views = lambda: db.session.scalars(  # noqa: E731
        select(AuditEvent.details).where(
            AuditEvent.action == "client.view", AuditEvent.client_id == world["client_id"]
        )
    ).all()
    assert views() == ['{"tab": "overview"}']
    # Any other read of the JSON is a view of its own: without the page's note, or with a forged one.
    client.get(f"/api/v1/clients/{world['client_id']}/progress")
    client.get(f"/api/v1/clients/{world['client_id']}/progress?visit=forged.token")
    assert views() == ['{"tab": "overview"}'] + ['{"via": "api", "what": "progress"}'] * 2


def test_the_overview_visit_note_covers_only_its_own_user_and_two_minutes(world, login):
    import re

    import time_machine
    from sqlalchemy import func, select

    from iop import clock
    from iop.models import AuditEvent

    browser = login(world["clinician"])
    page = browser.get(f"/clients/{world['client_id']}").text
    token = re.search(r"visit=([^\"&]+)", page).group(1)
    api_views = lambda: db.session.scalar(  # noqa: E731
        select(func.count(AuditEvent.id)).where(AuditEvent.details == '{"via": "api", "what": "progress"}')
    )
    # Within two minutes the same user's fetch is the visit's; another user with the same URL is audited.
    browser.get(f"/api/v1/clients/{world['client_id']}/progress?visit={token}")
    assert api_views() == 0
    colleague = make_user("clinician", programs=[world["clinician"].programs[0]])
    db.session.commit()
    login(colleague).get(f"/api/v1/clients/{world['client_id']}/progress?visit={token}")
    assert api_views() == 1
    with time_machine.travel(clock.now() + timedelta(seconds=121), tick=False):
        browser.get(f"/api/v1/clients/{world['client_id']}/progress?visit={token}")
    assert api_views() == 2


def test_overview_fragment_for_tab_navigation(world, login):
    response = login(world["clinician"]).get(
        f"/clients/{world['client_id']}", headers={"HX-Request": "true", "HX-Target": "record"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="record">')
    assert 'aria-current="page"' in response.text


def test_progress_api_hides_other_programs_clients(world, app):
    outsider = make_user("clinician", programs=[make_program()])
    client = app.test_client()
    from tests.factories import sign_in

    sign_in(client, outsider)
    response = client.get(f"/api/v1/clients/{world['client_id']}/progress")
    assert response.status_code == 404 and response.json == {"error": "Not found"}
    assert app.test_client().get(f"/api/v1/clients/{world['client_id']}/progress").status_code == 401
