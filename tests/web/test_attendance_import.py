"""Attendance from a Zoom or Teams participant report: upload, preview, confirm through the grid's service."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from iop.extensions import db
from iop.models import Attendance, AuditEvent
from iop.participant_reports import MAX_BYTES
from tests.factories import make_cohort, make_enrollment, make_program, make_session, make_user


@pytest.fixture
def world(app):
    program = make_program()
    cohort = make_cohort(program, duration_minutes=180)
    members = {
        name: make_enrollment(cohort, first_name=first, last_name=name)
        for first, name in (("Joanna", "Smith"), ("José", "Müller"), ("Ann", "Lee"), ("Ben", "Okafor"))
    }
    members["Smith"].client.email = "jo@mail.test"
    # Yesterday's 9:00–12:00 group: report times never cross a DST switch, whatever the test date.
    group_session = make_session(cohort, day=program.today() - timedelta(days=1), status="held")
    clinician = make_user("clinician", programs=[program], name="Dana Reyes", email="dana@clinic.test")
    db.session.commit()
    return {"program": program, "session": group_session, "members": members, "clinician": clinician}


def local(world, minutes: float) -> str:
    """A report time `minutes` after the session's start, as Zoom writes it, in program time."""
    moment = world["session"].starts_at + timedelta(minutes=minutes)
    return moment.astimezone(world["program"].zone).strftime("%m/%d/%Y %I:%M:%S %p")


def zoom_report(world) -> bytes:
    rows = [
        ("Dana Reyes", "dana@clinic.test", -5, 185, "No"),
        ("Someone", "JO@mail.test", 0, 60, "Yes"),  # Smith by email
        ("Jo (Joanna Smith)", "", 70, 180, "Yes"),  # Smith again, rejoined after 10 minutes
        ("MÜLLER, José (he/him)", "", 25, 180, "Yes"),  # late by 25
        ("Unknown Person", "", 0, 180, "Yes"),
    ]
    lines = ["Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest"]
    lines += [f'"{n}",{e},{local(world, a)},{local(world, b)},{b - a},{g}' for n, e, a, b, g in rows]
    return "\n".join(lines).encode("utf-8-sig")


def upload(client, world, data: bytes, filename="participants.csv"):
    return client.post(
        f"/sessions/{world['session'].id}/import",
        data={"report": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def confirm(client, world, page: str, **overrides):
    """Post the preview's form as the page drew it (ticks, versions, id), with overrides."""
    import re

    data = {"import_id": re.search(r'name="import_id" type="hidden" value="([^"]+)"', page).group(1)}
    data.update(dict(re.findall(r'name="(version-\d+)" value="(\d+)"', page)))
    ticked = re.findall(r'name="apply" value="(\d+)" id="apply-\d+" checked', page)
    data["apply"] = overrides.pop("apply", ticked)
    data.update(overrides)
    return client.post(f"/sessions/{world['session'].id}/import/confirm", data=data)


def stored(world, name):
    db.session.expire_all()
    return db.session.scalar(
        select(Attendance).where(
            Attendance.session_id == world["session"].id,
            Attendance.enrollment_id == world["members"][name].id,
        )
    )


def test_session_page_links_to_the_import(world, login):
    page = login(world["clinician"]).get(f"/sessions/{world['session'].id}").text
    assert f'href="/sessions/{world["session"].id}/import"' in page


def test_upload_page_has_the_form_and_no_preview(world, login):
    response = login(world["clinician"]).get(f"/sessions/{world['session'].id}/import")
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.text and 'name="csrf_token"' in response.text
    assert "What the report proposes" not in response.text


def test_upload_then_preview_proposes_each_member(world, login):
    client = login(world["clinician"])
    response = upload(client, world, zoom_report(world))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/sessions/{world['session'].id}/import"
    page = client.get(response.headers["Location"]).text
    smith, muller = world["members"]["Smith"].id, world["members"]["Müller"].id
    smith_row = page[page.index(f'id="import-row-{smith}"') :]
    assert "<strong>Present</strong>, 170 min" in smith_row[:2000] and "rejoined 1×" in smith_row[:2000]
    muller_row = page[page.index(f'id="import-row-{muller}"') :]
    assert "<strong>Late</strong>, 155 min" in muller_row[:2000]
    lee_row = page[page.index(f'id="import-row-{world["members"]["Lee"].id}"') :]
    assert (
        "<strong>Absent (unexcused)</strong>, 0 min" in lee_row[:1500]
        and "No row in the report" in lee_row[:1500]
    )
    unmatched = page[page.index('id="unmatched-heading"') :]
    assert "Unknown Person" in unmatched and "no member has this name or email" in unmatched
    staff = page[page.index('id="staff-heading"') :]
    assert "Dana Reyes" in staff and "Dana Reyes" not in unmatched[: unmatched.index('id="staff-heading"')]
    assert stored(world, "Smith") is None  # a preview records nothing


def test_confirm_records_through_the_attendance_service(world, login):
    client = login(world["clinician"])
    upload(client, world, zoom_report(world))
    page = client.get(f"/sessions/{world['session'].id}/import").text
    response = confirm(client, world, page)
    assert response.status_code == 303 and response.headers["Location"] == f"/sessions/{world['session'].id}"
    assert (stored(world, "Smith").status, stored(world, "Smith").minutes_attended) == ("present", 170)
    assert (stored(world, "Müller").status, stored(world, "Müller").minutes_attended) == ("late", 155)
    assert (stored(world, "Lee").status, stored(world, "Lee").minutes_attended) == ("absent_unexcused", 0)
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("attendance.record") == 4 and "attendance.import" in actions
    grid = client.get(response.headers["Location"]).text
    assert "Recorded 4 from the Zoom report." in grid
    # The import is done: the page offers an upload again, not the old preview.
    assert "What the report proposes" not in client.get(f"/sessions/{world['session'].id}/import").text


def test_rows_recorded_by_hand_are_kept_unless_ticked(world, login):
    client = login(world["clinician"])
    hand = Attendance(
        session_id=world["session"].id,
        enrollment_id=world["members"]["Lee"].id,
        status="absent_excused",
        minutes_attended=0,
        note="Called in sick",
        updated_by_id=world["clinician"].id,
    )
    db.session.add(hand)
    db.session.commit()
    upload(client, world, zoom_report(world))
    page = client.get(f"/sessions/{world['session'].id}/import").text
    lee = world["members"]["Lee"].id
    assert f'value="{lee}" id="apply-{lee}" checked' not in page and "kept unless ticked" in page
    confirm(client, world, page)
    assert stored(world, "Lee").status == "absent_excused" and stored(world, "Lee").version == 1


def test_a_ticked_recorded_row_is_replaced_keeping_its_note(world, login):
    client = login(world["clinician"])
    muller = world["members"]["Müller"].id
    db.session.add(
        Attendance(
            session_id=world["session"].id,
            enrollment_id=muller,
            status="present",
            minutes_attended=180,
            participation=4,
            note="Shared a lot",
            updated_by_id=world["clinician"].id,
        )
    )
    db.session.commit()
    upload(client, world, zoom_report(world))
    page = client.get(f"/sessions/{world['session'].id}/import").text
    confirm(client, world, page, apply=[str(muller)])
    row = stored(world, "Müller")
    assert (row.status, row.minutes_attended, row.participation, row.note) == ("late", 155, 4, "Shared a lot")
    assert stored(world, "Smith") is None  # only the ticked member


def test_a_row_changed_since_the_preview_saves_nothing(world, login):
    client = login(world["clinician"])
    upload(client, world, zoom_report(world))
    page = client.get(f"/sessions/{world['session'].id}/import").text
    # A colleague records Lee in the grid meanwhile.
    db.session.add(
        Attendance(
            session_id=world["session"].id,
            enrollment_id=world["members"]["Lee"].id,
            status="present",
            minutes_attended=180,
            updated_by_id=world["clinician"].id,
        )
    )
    db.session.commit()
    response = confirm(client, world, page)
    assert response.status_code == 409
    assert "nothing was saved" in response.text
    assert stored(world, "Smith") is None and stored(world, "Müller") is None
    assert stored(world, "Lee").status == "present"
    lee = world["members"]["Lee"].id
    assert f'value="{lee}" id="apply-{lee}" checked' not in response.text  # ticks start again


def test_nothing_ticked_is_refused_with_a_message(world, login):
    client = login(world["clinician"])
    upload(client, world, zoom_report(world))
    page = client.get(f"/sessions/{world['session'].id}/import").text
    response = confirm(client, world, page, apply=[])
    assert response.status_code == 422 and "Tick at least one member" in response.text
    assert db.session.scalar(select(func.count(Attendance.id))) == 0


def test_a_stale_or_missing_preview_saves_nothing(world, login):
    client = login(world["clinician"])
    response = client.post(f"/sessions/{world['session'].id}/import/confirm", data={"import_id": "x"})
    assert response.status_code == 409 and "Upload the report again" in response.text
    upload(client, world, zoom_report(world))
    page = client.get(f"/sessions/{world['session'].id}/import").text
    response = confirm(client, world, page, import_id="replaced")
    assert response.status_code == 409
    assert db.session.scalar(select(func.count(Attendance.id))) == 0


def test_signed_session_needs_a_reason_and_keeps_amendments(world, login):
    from iop import clock

    client = login(world["clinician"])
    world["session"].signed_at, world["session"].signed_by_id = clock.now(), world["clinician"].id
    db.session.commit()
    upload(client, world, zoom_report(world))
    page = client.get(f"/sessions/{world['session'].id}/import").text
    assert 'name="reason"' in page
    refused = confirm(client, world, page)
    assert refused.status_code == 422 and "say why" in refused.text
    assert db.session.scalar(select(func.count(Attendance.id))) == 0
    assert confirm(client, world, page, reason="Imported the Zoom report").status_code == 303
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("attendance.amend") == 4


def test_teams_utf16_report_is_imported(world, login):
    client = login(world["clinician"])
    lines = [
        "1. Summary",
        "Meeting title\tMorning group",
        "",
        "2. Participants",
        "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole",
        f"Reyes, Dana\t{local(world, -2)}\t{local(world, 181)}\t3h\tdana@clinic.test\t\tOrganizer",
        f"Okafor, Ben\t{local(world, 0)}\t{local(world, 120)}\t2h\tben@mail.test\t\tPresenter",
    ]
    assert upload(client, world, "\r\n".join(lines).encode("utf-16"), "report.csv").status_code == 303
    page = client.get(f"/sessions/{world['session'].id}/import").text
    assert "Microsoft Teams report" in page
    okafor = page[page.index(f'id="import-row-{world["members"]["Okafor"].id}"') :]
    assert "<strong>Left early</strong>, 120 min" in okafor[:2000]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\xff\xd8\xff\xe0 not text \xc3\x28", "not UTF-8 or UTF-16"),
        (b"Name,Join Time,Leave Time\nA\x00B,1,2\n", "NUL bytes"),
        (b"date,steps\n2026-12-07,8000\n", "not a Zoom participant report"),
        (b"x" * (MAX_BYTES + 10), "larger than"),
        (b"Name,Join Time,Leave Time\nAnn Lee,soon,later\n", "Nobody in this report was in the meeting"),
        (
            b"Name,Join Time,Leave Time\nAnn Lee,12/07/2001 09:00 AM,12/07/2001 08:00 AM\n",
            "Nobody in this report",
        ),
    ],
)
def test_hostile_files_come_back_with_a_message(world, login, data, message):
    client = login(world["clinician"])
    response = upload(client, world, data)
    assert response.status_code == 422
    assert message in response.text and 'aria-invalid="true"' in response.text
    assert db.session.scalar(select(func.count(Attendance.id))) == 0


def test_no_file_is_a_field_error(world, login):
    response = login(world["clinician"]).post(
        f"/sessions/{world['session'].id}/import", data={}, content_type="multipart/form-data"
    )
    assert response.status_code == 422 and "Choose the participant report file" in response.text


def test_a_report_of_another_day_is_refused(world, login):
    client = login(world["clinician"])
    shifted = {
        **world,
        "session": type("S", (), {"starts_at": world["session"].starts_at - timedelta(days=2)}),
    }
    data = zoom_report(shifted)
    response = upload(client, world, data)
    assert response.status_code == 422 and "another group or another day" in response.text


def test_a_session_still_to_come_takes_no_import(world, login):
    later = make_session(
        world["session"].cohort, day=world["program"].today() + timedelta(days=3), status="scheduled"
    )
    client = login(world["clinician"])
    world_later = {**world, "session": later}
    response = upload(client, world_later, zoom_report(world_later))
    assert response.status_code == 422 and "once it has started" in response.text


def test_upload_needs_csrf(make_app, world):
    from tests.factories import sign_in

    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    sign_in(client, world["clinician"])
    response = client.post(
        f"/sessions/{world['session'].id}/import",
        data={"report": (io.BytesIO(zoom_report(world)), "r.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Attendance.id))) == 0


def test_an_admin_of_the_program_may_not_import(world, login):
    admin = make_user("admin", programs=[world["program"]])
    response = login(admin).post(
        f"/sessions/{world['session'].id}/import",
        data={"report": (io.BytesIO(zoom_report(world)), "r.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403


def test_a_filename_with_control_characters_is_cleaned(world, login):
    client = login(world["clinician"])
    assert upload(client, world, zoom_report(world), "zo\x00om\x1b.csv").status_code == 303
    page = client.get(f"/sessions/{world['session'].id}/import").text
    assert "<strong>zoom.csv</strong>" in page


def test_a_request_over_the_app_limit_is_a_413_page_not_a_500(world, login):
    client = login(world["clinician"])
    response = upload(client, world, b"x" * (2 * 1024 * 1024))
    assert response.status_code == 413 and "That upload is too large" in response.text
    assert db.session.scalar(select(func.count(Attendance.id))) == 0


def test_a_cancelled_session_takes_no_import(world, login):
    world["session"].status = "cancelled"
    db.session.commit()
    client = login(world["clinician"])
    assert "Import from Zoom or Teams" not in client.get(f"/sessions/{world['session'].id}").text
    response = upload(client, world, zoom_report(world))
    assert response.status_code == 422 and "This session was cancelled" in response.text


def test_the_preview_statement_count_does_not_grow_with_members(app, login):
    from tests.web.test_query_counts import MAX_STATEMENTS, statements_for

    counts = {}
    for size in (4, 30):
        program = make_program()
        cohort = make_cohort(program, duration_minutes=180)
        members = [make_enrollment(cohort) for _ in range(size)]
        group_session = make_session(cohort, day=program.today() - timedelta(days=1), status="held")
        world = {"program": program, "session": group_session}
        lines = ["Name,User Email,Join Time,Leave Time"] + [
            f"{m.client.first_name} {m.client.last_name},,{local(world, 0)},{local(world, 180)}"
            for m in members
        ]
        client = login(make_user("clinician", programs=[program]))
        assert upload(client, world, "\n".join(lines).encode()).status_code == 303
        counts[size] = len(statements_for(client, f"/sessions/{group_session.id}/import"))
    assert counts[4] == counts[30] <= MAX_STATEMENTS, counts
