"""The Self-reports tab's wearable part: reported sleep against the wearable's, resting heart rate, HRV and
steps as charts with a table alternative, and the client's imports; another client's data never shows."""

from datetime import timedelta

import pytest

from iop.extensions import db
from iop.models import DailyCheckin
from iop.services.wearables import confirm_import, default_choices, stage_upload, staged_table
from tests.factories import make_client_link, make_cohort, make_enrollment, make_program, make_user, sign_in
from tests.web.test_query_counts import statements_for


def import_days(link, rows):
    """Import a Garmin-style file of (days ago, sleep hours, resting HR, HRV, steps) through the service."""
    today = link.client.program.today()
    lines = ["Date,Resting Heart Rate,Duration,Overnight HRV,Total Steps,Body Battery"]
    for ago, sleep, resting, hrv, steps in rows:
        lines.append(f"{(today - timedelta(days=ago)).isoformat()},{resting},{sleep},{hrv},{steps},50")
    upload = stage_upload(link, "garmin.csv", ("\n".join(lines) + "\n").encode())
    confirm_import(upload, link, default_choices(upload, staged_table(upload)))
    db.session.commit()
    return upload


@pytest.fixture
def wearing(app, client):
    program = make_program("Wearable tab program")
    cohort = make_cohort(program)
    today = program.today()
    person = make_enrollment(cohort, first_name="Ira", started_on=today - timedelta(days=40)).client
    clinician = make_user("clinician", programs=[program])
    link, _ = make_client_link(person, clinician)
    db.session.add(
        DailyCheckin(
            client_id=person.id,
            day=today - timedelta(days=1),
            mood=6,
            anxiety=4,
            cravings=3,
            stress=5,
            sleep_hours=6.5,
            submission_key="wearable-tab-checkin-0001",
        )
    )
    db.session.commit()
    import_days(link, [(1, "7h 30min", 58, 44, 8123), (2, "6h", 61, 38, 4000), (40, "8h", 60, 40, 100)])
    neighbour = make_enrollment(cohort, first_name="Bo", started_on=today - timedelta(days=40)).client
    import_days(make_client_link(neighbour, clinician)[0], [(1, "9h", 77, 99, 4321)])
    sign_in(client, clinician)
    return {"client": person, "today": today, "clinician": clinician}


def test_the_tab_shows_the_wearable_beside_reported_sleep_as_charts_and_a_table(wearing, client):
    page = client.get(f"/clients/{wearing['client'].id}/self-reports").get_data(as_text=True)
    assert "Wearable data: the last 4 weeks" in page
    assert "Days with wearable data</dt><dd>2 of 28" in page
    assert (
        "Mean sleep: wearable</dt><dd>6.8 hours" in page and "Mean sleep: check-ins</dt><dd>6.5 hours" in page
    )
    assert "Mean resting heart rate</dt><dd>60 bpm" in page and "Mean HRV</dt><dd>41 ms" in page
    assert "Mean steps</dt><dd>6,062" in page
    assert 'canvas data-chart="wearable_sleep"' in page and 'canvas data-chart="wearable_heart"' in page
    text = " ".join(page.split())
    yesterday = (wearing["today"] - timedelta(days=1)).strftime("%a, %b %d").replace(" 0", " ")
    assert (
        f'<th scope="row">{yesterday}</th> <td>6.5</td> <td>7.5</td> <td>58</td> <td>44</td> <td>8,123</td>'
        in text
    )
    assert text.count("no wearable data</td>") == 26
    assert "Garmin: 3 days (3 new, 0 replaced)" in text


def test_the_chart_json_carries_the_wearable_series_with_gaps(wearing, client):
    data = client.get(f"/clients/{wearing['client'].id}/self-reports/trends").get_json()
    series = data["series"]
    assert series["wearable_sleep_hours"][-3:] == [6.0, 7.5, None]
    assert series["sleep_hours"][-3:] == [None, 6.5, None]
    assert series["resting_hr"][-3:] == [61.0, 58.0, None]
    assert series["hrv_ms"][-3:] == [38.0, 44.0, None]
    assert series["steps"][-3:] == [4000, 8123, None]
    assert len(series["steps"]) == 28


def test_another_clients_wearable_data_never_shows(wearing, client):
    page = client.get(f"/clients/{wearing['client'].id}/self-reports").get_data(as_text=True)
    data = client.get(f"/clients/{wearing['client'].id}/self-reports/trends").get_json()
    assert "4,321" not in page and "77</td>" not in page and 4321 not in data["series"]["steps"]


def test_a_client_without_wearable_data_says_so(app, client):
    program = make_program("No wearable program")
    person = make_enrollment(make_cohort(program)).client
    sign_in(client, make_user("clinician", programs=[program]))
    page = client.get(f"/clients/{person.id}/self-reports").get_data(as_text=True)
    assert "No wearable data in the last 4 weeks." in page and "has not imported wearable data" in page
    assert 'data-chart="wearable_sleep"' not in page


def test_the_tab_statement_count_does_not_grow_with_wearable_days_or_imports(app, login):
    """The wearable days and the import history are one statement, however many days and imports (the
    whole tab is held to the page budget in tests/web/test_query_counts.py)."""
    counts = {}
    for days in (0, 3, 28):
        program = make_program()
        clinician = make_user("clinician", programs=[program])
        person = make_enrollment(make_cohort(program), started_on=program.today() - timedelta(days=40)).client
        link, _ = make_client_link(person, clinician)
        if days:
            import_days(link, [(ago, "7h", 60, 40, 5000) for ago in range(days)])
            import_days(link, [(ago, "6h", 61, 41, 6000) for ago in range(days)])
        counts[days] = len(statements_for(login(clinician), f"/clients/{person.id}/self-reports"))
    assert counts[0] == counts[3] == counts[28], counts
