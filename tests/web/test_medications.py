"""The medications tab: the dose grid's one-tap cycle, fills, side effects, adherence as DESIGN §5.3."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from iop.clinical.weeks import week_start
from iop.extensions import db
from iop.models import AuditEvent, DoseLog, Fill, Medication, SideEffect
from iop.services.adherence import adherence_summary, weekly_adherence
from tests.factories import (
    log_doses,
    make_cohort,
    make_enrollment,
    make_fill,
    make_medication,
    make_program,
    make_user,
)
from tests.web.test_query_counts import counting_statements

HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(app):
    program = make_program()
    cohort = make_cohort(program)
    enrollment = make_enrollment(cohort, first_name="Robin", last_name="Hale")
    clinician = make_user("clinician", programs=[program])
    return {
        "program": program,
        "client": enrollment.client,
        "other_client": make_enrollment(cohort).client,
        "clinician": clinician,
        "today": program.today(),
    }


def meds_url(world, suffix=""):
    return f"/clients/{world['client'].id}/medications{suffix}"


def dose_url(world, medication, day):
    return meds_url(world, f"/{medication.id}/doses/{day.isoformat()}")


def stored_status(medication, day):
    db.session.expire_all()
    return db.session.scalar(
        select(DoseLog.status).where(DoseLog.medication_id == medication.id, DoseLog.day == day)
    )


def next_status_in(cell_html: str) -> str:
    """The status the cell's next tap will set, as drawn into its hidden field."""
    marker = 'name="status" value="'
    start = cell_html.index(marker) + len(marker)
    return cell_html[start : cell_html.index('"', start)]


def days_ago(world, n):
    return world["today"] - timedelta(days=n)


# --- the page ---------------------------------------------------------------------------------------


def test_medications_page_lists_medications_and_the_weeks_grid(world, login):
    make_medication(world["client"], world["clinician"], prescriber="Dr. Okafor")
    page = login(world["clinician"]).get(meds_url(world)).text
    assert "<html" in page
    assert "Sertraline" in page and "50 mg" in page and "Dr. Okafor" in page
    assert "Doses, week of" in page
    assert page.count('class="dose-cell') == 7
    assert 'aria-current="page">Medications</a>' in page


def test_medications_tab_as_htmx_is_only_the_record_block(world, login):
    response = login(world["clinician"]).get(meds_url(world), headers={**HTMX, "HX-Target": "record"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<div id="record">')


def test_week_links_are_real_hrefs_for_the_chosen_week(world, login):
    make_medication(world["client"], world["clinician"])
    monday = week_start(world["today"]) - timedelta(days=7)
    page = (
        login(world["clinician"])
        .get(meds_url(world, f"?week={(monday + timedelta(days=3)).isoformat()}"))
        .text
    )
    assert f"week of {monday:%b} {monday.day}," in page
    previous = (monday - timedelta(days=7)).isoformat()
    assert f'href="/clients/{world["client"].id}/medications?week={previous}"' in page
    assert f'hx-get="/clients/{world["client"].id}/medications?week={previous}"' in page


def test_each_cell_has_an_accessible_name_with_medication_day_and_status(world, login):
    medication = make_medication(world["client"], world["clinician"])
    day = days_ago(world, 1)
    log_doses(medication, world["clinician"], {day: "taken"})
    page = login(world["clinician"]).get(meds_url(world, f"?week={day.isoformat()}")).text
    name = f"Sertraline 50 mg, {day:%a %b} {day.day}: "
    assert f'<span class="visually-hidden">{name}</span><span class="dose-status">taken</span>' in page


# --- the dose grid ----------------------------------------------------------------------------------


def test_one_tap_per_cell_cycles_taken_partial_missed_refused_then_clears(world, login):
    medication = make_medication(world["client"], world["clinician"])
    day = days_ago(world, 2)
    client = login(world["clinician"])
    seen = []
    tap = "taken"
    for _ in range(6):
        response = client.post(dose_url(world, medication, day), data={"status": tap}, headers=HTMX)
        assert response.status_code == 200
        assert response.headers["HX-Trigger"] == "adherence-updated"
        assert response.text.lstrip().startswith('<form class="dose-cell')
        seen.append(stored_status(medication, day))
        tap = next_status_in(response.text)
    assert seen == ["taken", "partial", "missed", "refused", None, "taken"]


def test_a_repeated_tap_is_harmless(world, login):
    medication = make_medication(world["client"], world["clinician"])
    day = days_ago(world, 1)
    client = login(world["clinician"])
    for _ in range(2):
        client.post(dose_url(world, medication, day), data={"status": "taken"}, headers=HTMX)
    assert stored_status(medication, day) == "taken"
    assert db.session.query(DoseLog).count() == 1


def test_a_plain_form_post_redirects_to_the_week_of_the_day(world, login):
    medication = make_medication(world["client"], world["clinician"])
    day = days_ago(world, 8)
    response = login(world["clinician"]).post(dose_url(world, medication, day), data={"status": "missed"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"?week={week_start(day).isoformat()}")
    assert stored_status(medication, day) == "missed"


def test_a_future_day_is_refused_and_drawn_locked(world, login):
    medication = make_medication(world["client"], world["clinician"])
    tomorrow = world["today"] + timedelta(days=1)
    client = login(world["clinician"])
    response = client.post(dose_url(world, medication, tomorrow), data={"status": "taken"}, headers=HTMX)
    assert response.status_code == 422
    assert "a day still to come" in response.text and "disabled" in response.text
    assert stored_status(medication, tomorrow) is None


def test_a_day_outside_the_prescription_is_refused(world, login):
    medication = make_medication(
        world["client"], world["clinician"], started_on=days_ago(world, 10), ended_on=days_ago(world, 5)
    )
    client = login(world["clinician"])
    for day in (days_ago(world, 11), days_ago(world, 4)):
        response = client.post(dose_url(world, medication, day), data={"status": "taken"}, headers=HTMX)
        assert response.status_code == 422
        assert "not prescribed" in response.text
        assert stored_status(medication, day) is None
    plain = client.post(dose_url(world, medication, days_ago(world, 4)), data={"status": "taken"})
    assert plain.status_code == 422 and "<html" in plain.text and "was not prescribed on" in plain.text


def test_an_unknown_status_or_malformed_day_is_refused(world, login):
    medication = make_medication(world["client"], world["clinician"])
    client = login(world["clinician"])
    day = days_ago(world, 1)
    assert (
        client.post(dose_url(world, medication, day), data={"status": "eaten"}, headers=HTMX).status_code
        == 422
    )
    assert (
        client.post(
            meds_url(world, f"/{medication.id}/doses/2026-13-40"), data={"status": "taken"}
        ).status_code
        == 404
    )
    assert stored_status(medication, day) is None


def test_another_clients_medication_answers_404(world, login):
    foreign = make_medication(world["other_client"], world["clinician"])
    response = login(world["clinician"]).post(
        dose_url(world, foreign, days_ago(world, 1)), data={"status": "taken"}
    )
    assert response.status_code == 404
    assert stored_status(foreign, days_ago(world, 1)) is None


def test_dose_taps_are_audited_with_the_client(world, login):
    medication = make_medication(world["client"], world["clinician"])
    login(world["clinician"]).post(dose_url(world, medication, days_ago(world, 1)), data={"status": "taken"})
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "dose.record"))
    assert event.client_id == world["client"].id
    assert event.actor_id == world["clinician"].id


# --- medications, fills and side effects ------------------------------------------------------------


def medication_data(world, **fields):
    return {
        "name": "Bupropion XL",
        "dose": "150 mg",
        "doses_per_day": "1",
        "prescriber": "Dr. Lee",
        "started_on": days_ago(world, 3).isoformat(),
        "ended_on": "",
    } | fields


def test_adding_a_medication_stores_it_and_audits(world, login):
    response = login(world["clinician"]).post(meds_url(world), data=medication_data(world))
    assert response.status_code == 303
    medication = db.session.scalar(select(Medication))
    assert (medication.name, medication.dose, medication.doses_per_day, medication.started_on) == (
        "Bupropion XL",
        "150 mg",
        1,
        days_ago(world, 3),
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "medication.create"))
    assert event.client_id == world["client"].id


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"doses_per_day": "0"}, "Doses per day run from 1 to 12."),
        ({"name": ""}, "Enter the medication&#39;s name."),
        ({"ended_on": "2000-01-01"}, "The end date cannot come before the start date."),
    ],
)
def test_a_refused_medication_keeps_what_was_typed(world, login, fields, message):
    response = login(world["clinician"]).post(meds_url(world), data=medication_data(world, **fields))
    assert response.status_code == 422
    assert message in response.text
    assert 'value="150 mg"' in response.text
    assert db.session.scalar(select(Medication)) is None


def test_ending_a_medication_locks_its_later_days(world, login):
    medication = make_medication(world["client"], world["clinician"])
    client = login(world["clinician"])
    ended = days_ago(world, 2)
    response = client.post(
        meds_url(world, f"/{medication.id}/end"), data={f"end-{medication.id}-ended_on": ended.isoformat()}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Medication, medication.id).ended_on == ended
    assert (
        client.post(dose_url(world, medication, days_ago(world, 1)), data={"status": "taken"}).status_code
        == 422
    )


def test_ending_before_the_start_is_refused(world, login):
    medication = make_medication(world["client"], world["clinician"], started_on=days_ago(world, 5))
    response = login(world["clinician"]).post(
        meds_url(world, f"/{medication.id}/end"),
        data={f"end-{medication.id}-ended_on": days_ago(world, 9).isoformat()},
    )
    assert response.status_code == 422
    assert "cannot come before the start" in response.text
    db.session.expire_all()
    assert db.session.get(Medication, medication.id).ended_on is None


def post_fill(client, world, medication, **fields):
    data = {"filled_on": days_ago(world, 1).isoformat(), "days_supply": "30"} | fields
    return client.post(
        meds_url(world, f"/{medication.id}/fills"),
        data={f"fill-{medication.id}-{k}": v for k, v in data.items()},
    )


def test_a_fill_is_recorded_and_audited(world, login):
    medication = make_medication(world["client"], world["clinician"])
    assert post_fill(login(world["clinician"]), world, medication).status_code == 303
    fill = db.session.scalar(select(Fill))
    assert (fill.filled_on, fill.days_supply) == (days_ago(world, 1), 30)
    assert (
        db.session.scalar(select(AuditEvent.client_id).where(AuditEvent.action == "medication.fill"))
        == world["client"].id
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"days_supply": "0"}, "Days&#39; supply runs from 1 to 365."),
        ({"days_supply": "366"}, "Days&#39; supply runs from 1 to 365."),
        ({"days_supply": ""}, "Enter the days&#39; supply."),
        ({"filled_on": "2999-01-01"}, "The date cannot be in the future."),
    ],
)
def test_a_refused_fill_keeps_what_was_typed(world, login, fields, message):
    medication = make_medication(world["client"], world["clinician"])
    response = post_fill(login(world["clinician"]), world, medication, **fields)
    assert response.status_code == 422
    assert message in response.text
    assert (
        f'id="medication-{medication.id}" open' in response.text
    )  # the refused form is shown, not folded away
    assert db.session.scalar(select(Fill)) is None


def post_side_effect(client, world, medication, **fields):
    data = {"description": "Nausea", "severity": "4", "reported_on": world["today"].isoformat()} | fields
    prefix = f"side-effect-{medication.id}-"
    return client.post(
        meds_url(world, f"/{medication.id}/side-effects"), data={prefix + k: v for k, v in data.items()}
    )


def test_a_side_effect_is_recorded_and_listed(world, login):
    medication = make_medication(world["client"], world["clinician"])
    client = login(world["clinician"])
    assert post_side_effect(client, world, medication).status_code == 303
    report = db.session.scalar(select(SideEffect))
    assert (report.description, report.severity) == ("Nausea", 4)
    assert "Nausea · severity 4/10" in client.get(meds_url(world)).text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"severity": "11"}, "Severity runs from 0 to 10."),
        ({"severity": "-1"}, "Severity runs from 0 to 10."),
        ({"description": ""}, "Say what the client noticed."),
    ],
)
def test_a_refused_side_effect_keeps_what_was_typed(world, login, fields, message):
    medication = make_medication(world["client"], world["clinician"])
    response = post_side_effect(
        login(world["clinician"]), world, medication, **{"description": "Headache"} | fields
    )
    assert response.status_code == 422
    assert message in response.text
    assert db.session.scalar(select(SideEffect)) is None


# --- adherence (DESIGN §5.3) -------------------------------------------------------------------------


def build_adherence_case(world):
    """Sertraline 1/day all window, Buspirone 2/day for its last 7 days, logs and overlapping fills.

    Dose log: Sertraline 10 logged days (6 taken, 2 partial, 1 missed, 1 refused) = 7 of 10 doses;
    Buspirone 4 logged days (3 taken, 1 partial) × 2 = 7 of 8 doses. Rate 14/18; coverage 14 of 21 days.
    PDC (Sertraline only): a fill 20 days ago for 10 days covers days −13…−11 (3 days); a refill 12 days
    ago for 5 days is shifted to −10…−6 (5 days); a fill 2 days ago for 30 covers −2…0 (3 days): 11/14.
    """
    clinician = world["clinician"]
    sertraline = make_medication(world["client"], clinician)
    buspirone = make_medication(
        world["client"],
        clinician,
        name="Buspirone",
        dose="10 mg",
        doses_per_day=2,
        started_on=days_ago(world, 6),
    )
    statuses = ["taken"] * 6 + ["partial"] * 2 + ["missed", "refused"]
    log_doses(sertraline, clinician, {days_ago(world, 13 - i): s for i, s in enumerate(statuses)})
    log_doses(
        buspirone, clinician, {days_ago(world, 6 - i): s for i, s in enumerate(["taken"] * 3 + ["partial"])}
    )
    make_fill(sertraline, clinician, days_ago(world, 20), 10)
    make_fill(sertraline, clinician, days_ago(world, 2), 30)
    make_fill(sertraline, clinician, days_ago(world, 12), 5)  # recorded out of order on purpose
    return sertraline, buspirone


def test_adherence_summary_counts_partial_as_half_and_reports_coverage_and_pdc(world):
    sertraline, _ = build_adherence_case(world)
    summary = adherence_summary(world["client"], days_ago(world, 13), world["today"])
    log = summary.dose_log
    assert (log.taken, log.scheduled) == (14, 18)
    assert log.rate == pytest.approx(14 / 18)
    assert (log.logged_days, log.active_days) == (14, 21)
    assert log.coverage == pytest.approx(14 / 21)
    assert summary.dose_log_label == "not adherent"
    assert summary.pdc_by_medication == {sertraline.id: pytest.approx(11 / 14)}
    assert summary.pdc == pytest.approx(11 / 14)
    assert summary.pdc_label == "not adherent"


def test_adherence_panel_shows_the_hand_computed_numbers(world, login):
    build_adherence_case(world)
    page = login(world["clinician"]).get(meds_url(world, "/adherence")).text
    assert "<html" not in page and page.lstrip().startswith('<section id="adherence"')
    assert 'hx-trigger="adherence-updated from:body"' in page
    assert "78 %" in page  # 14/18
    assert "14 of 18 doses" in page
    assert "67 %" in page and "14 of 21 medication-days logged" in page  # coverage
    assert "79 %" in page  # PDC 11/14
    assert ">not adherent<" in page


def test_adherent_only_from_eighty_percent(world):
    medication = make_medication(world["client"], world["clinician"])
    # 8 taken and 2 missed of 10 logged days: exactly 0.80, coverage 10/14.
    log_doses(
        medication,
        world["clinician"],
        {days_ago(world, i): "taken" if i < 8 else "missed" for i in range(10)},
    )
    summary = adherence_summary(world["client"], days_ago(world, 13), world["today"])
    assert summary.dose_log.rate == pytest.approx(0.8)
    assert summary.dose_log_label == "adherent"
    assert summary.pdc is None and summary.pdc_label is None


def test_thin_logs_say_not_enough_data_even_when_all_taken(world, login):
    medication = make_medication(world["client"], world["clinician"])
    log_doses(medication, world["clinician"], {days_ago(world, i): "taken" for i in range(3)})
    page = login(world["clinician"]).get(meds_url(world)).text
    assert "100 %" in page
    assert ">not enough data<" in page
    assert ">adherent<" not in page
    assert "Proportion of days covered" not in page  # no fills, no PDC


def test_weekly_adherence_takes_several_clients_in_two_queries(world, app):
    first = make_medication(world["client"], world["clinician"])
    second = make_medication(world["other_client"], world["clinician"])
    monday = week_start(world["today"]) - timedelta(days=14)
    log_doses(first, world["clinician"], {monday + timedelta(days=i): "taken" for i in range(7)})
    log_doses(second, world["clinician"], {monday + timedelta(days=i): "partial" for i in range(7)})
    weeks = [monday, monday + timedelta(days=7)]
    client_ids = [world["client"].id, world["other_client"].id]
    db.session.expire_all()
    with counting_statements() as statements:
        result = weekly_adherence(client_ids, weeks, today=world["today"])
    assert len(statements) == 2  # medications with their dose logs, fills
    assert [w.summary.dose_log.rate for w in result[client_ids[0]]] == [1.0, None]
    assert [w.summary.dose_log_label for w in result[client_ids[1]]] == ["not adherent", "not enough data"]
    assert result[client_ids[0]][0].week_start == monday


def test_medications_tab_statement_count_does_not_grow_with_dose_logs(world, login):
    client = login(world["clinician"])
    counts = {}
    for days in (3, 28):
        medication = make_medication(world["client"], world["clinician"], name=f"Drug {days}")
        log_doses(medication, world["clinician"], {days_ago(world, i): "taken" for i in range(days)})
        make_fill(medication, world["clinician"], days_ago(world, days), 30)
        client.get(meds_url(world))  # warm up, as tests/web/test_query_counts.py does
        with counting_statements() as statements:
            assert client.get(meds_url(world)).status_code == 200
        counts[days] = len(statements)
    assert counts[3] == counts[28], counts
    assert counts[28] <= 12, counts


def test_ending_asks_first_and_says_what_it_does(world, login):
    make_medication(world["client"], world["clinician"], name="Sertraline", dose="50 mg")
    page = login(world["clinician"]).get(meds_url(world)).text
    assert '<summary role="button" class="secondary outline compact">End…' in page
    assert "End Sertraline 50 mg? Doses after its last day no longer count." in page
    assert "Yes, end Sertraline" in page


def test_an_end_can_be_undone(world, login):
    medication = make_medication(world["client"], world["clinician"], name="Sertraline")
    client = login(world["clinician"])
    ended = client.post(
        meds_url(world, f"/{medication.id}/end"),
        data={f"end-{medication.id}-ended_on": world["today"].isoformat()},
        headers=HTMX,
    )
    assert ended.status_code == 200 and "Sertraline ends on" in ended.text
    assert "Undo end" in ended.text
    undone = client.post(meds_url(world, f"/{medication.id}/undo-end"), headers=HTMX)
    assert undone.status_code == 200 and "Sertraline continues" in undone.text
    db.session.expire_all()
    assert db.session.get(Medication, medication.id).ended_on is None
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "medication"))
    assert list(actions)[-2:] == ["medication.end", "medication.undo_end"]


def test_an_ended_medication_restarts_as_a_new_course(world, login):
    today = world["today"]
    medication = make_medication(
        world["client"],
        world["clinician"],
        name="Sertraline",
        started_on=today - timedelta(days=30),
        ended_on=today - timedelta(days=10),
    )
    client = login(world["clinician"])
    url = meds_url(world, f"/{medication.id}/restart")
    refused = client.post(
        url, data={f"restart-{medication.id}-started_on": (today - timedelta(days=10)).isoformat()}
    )
    assert refused.status_code == 422 and "A new course starts after the last one ended" in refused.text
    assert (
        client.post(url, data={f"restart-{medication.id}-started_on": today.isoformat()}).status_code == 303
    )
    courses = db.session.scalars(select(Medication).order_by(Medication.id)).all()
    assert [(m.name, m.started_on, m.ended_on) for m in courses] == [
        ("Sertraline", today - timedelta(days=30), today - timedelta(days=10)),
        ("Sertraline", today, None),
    ]


def test_route_and_as_needed_are_recorded_and_prn_does_not_count_in_adherence(world, login):
    client = login(world["clinician"])
    response = client.post(
        meds_url(world),
        data={
            "name": "Hydroxyzine",
            "dose": "25 mg",
            "doses_per_day": "3",
            "route": "oral",
            "as_needed": "y",
            "started_on": (world["today"] - timedelta(days=20)).isoformat(),
        },
    )
    assert response.status_code == 303
    medication = db.session.scalar(select(Medication))
    assert (medication.route, medication.as_needed) == ("oral", True)
    page = client.get(meds_url(world)).text
    assert "As needed" in page and "By mouth" in page
    summary = adherence_summary(world["client"], world["today"] - timedelta(days=13), world["today"])
    assert not summary.has_medications


def test_an_unknown_route_is_refused_on_its_field(world, login):
    response = login(world["clinician"]).post(
        meds_url(world),
        data={
            "name": "X",
            "dose": "1 mg",
            "doses_per_day": "1",
            "route": "ear",
            "started_on": world["today"].isoformat(),
        },
    )
    assert response.status_code == 422
    assert "Not a valid choice" in response.text
