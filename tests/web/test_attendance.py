"""The attendance grid: each change saves by itself, conflicts and bad input never lose data."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from iop.extensions import db
from iop.models import Attendance, AuditEvent, GroupSession
from tests.factories import make_cohort, make_enrollment, make_program, make_session, make_user

HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(app):
    program = make_program()
    cohort = make_cohort(program, duration_minutes=180)
    members = [make_enrollment(cohort, last_name=name) for name in ("Adams", "Baker", "Chen")]
    group_session = make_session(cohort)
    clinician = make_user("clinician", programs=[program], name="Dana Reyes")
    return {
        "program": program,
        "cohort": cohort,
        "members": members,
        "session": group_session,
        "clinician": clinician,
    }


def row_url(world, member):
    return f"/sessions/{world['session'].id}/attendance/{member.id}"


def save(client, world, member, trigger="status", **fields):
    data = {"version": "0", "status": "present", "minutes_attended": "", "note": "", **fields}
    headers = {**HTMX, "HX-Trigger-Name": trigger} if trigger else {}
    return client.post(row_url(world, member), data=data, headers=headers)


def stored(world, member) -> Attendance | None:
    db.session.expire_all()
    return db.session.scalar(
        select(Attendance).where(
            Attendance.session_id == world["session"].id, Attendance.enrollment_id == member.id
        )
    )


def test_session_page_lists_every_member_as_a_row(world, login):
    response = login(world["clinician"]).get(f"/sessions/{world['session'].id}")
    assert response.status_code == 200
    assert "<html" in response.text
    for member in world["members"]:
        assert f'id="att-row-{member.id}"' in response.text
    assert response.text.index("Adams") < response.text.index("Baker") < response.text.index("Chen")


def test_grid_fragment_is_only_the_grid(world, login):
    response = login(world["clinician"]).get(
        f"/sessions/{world['session'].id}", headers={**HTMX, "HX-Target": "grid"}
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<section id="grid"')
    assert "HX-Request" in response.headers["Vary"]
    assert response.text.count('class="attendance-row') == 3


def test_choosing_a_status_saves_the_row_with_default_minutes(world, login):
    member = world["members"][0]
    response = save(login(world["clinician"]), world, member, status="late")
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.headers["HX-Trigger"] == "attendance-updated"
    assert f'id="att-{member.id}-version" value="1" hx-swap-oob="true"' in response.text
    row = stored(world, member)
    assert (row.status, row.minutes_attended, row.version) == ("late", 135, 1)
    assert db.session.get(GroupSession, world["session"].id).status == "held"


def test_minutes_typed_by_the_clinician_are_kept(world, login):
    member = world["members"][0]
    save(login(world["clinician"]), world, member, trigger="minutes_attended", minutes_attended="150")
    assert stored(world, member).minutes_attended == 150


def test_participation_and_note_are_saved(world, login):
    member = world["members"][1]
    client = login(world["clinician"])
    save(client, world, member)
    response = save(
        client,
        world,
        member,
        trigger="participation",
        version="1",
        minutes_attended="180",
        participation="4",
        note="Shared coping plan",
    )
    assert response.status_code == 200
    row = stored(world, member)
    assert (row.participation, row.note, row.version) == (4, "Shared coping plan", 2)


def test_absence_clears_participation_and_minutes(world, login):
    member = world["members"][0]
    client = login(world["clinician"])
    save(client, world, member, participation="4")
    response = save(
        client, world, member, version="1", status="absent_excused", minutes_attended="180", participation="4"
    )
    assert response.status_code == 200
    row = stored(world, member)
    assert (row.status, row.minutes_attended, row.participation) == ("absent_excused", 0, None)
    # The rating group comes back disabled, out of band.
    assert f'id="att-{member.id}-rating" hx-swap-oob="true"' in response.text


def test_stale_version_is_a_conflict_and_shows_the_fresh_row(world, login, app):
    member = world["members"][0]
    other = make_user("clinician", programs=[world["program"]], name="Sam Ortiz")
    first = app.test_client()
    from tests.factories import sign_in

    sign_in(first, other)
    assert save(first, world, member, status="present").status_code == 200

    response = save(login(world["clinician"]), world, member, status="absent_unexcused", version="0")
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == f"#att-row-{member.id}"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert "Sam Ortiz changed this row" in response.text
    assert 'value="present" hx-post' in response.text.replace("\n", " ") or "checked" in response.text
    row = stored(world, member)
    assert (row.status, row.version) == ("present", 1)


def test_minutes_above_the_session_length_are_refused_in_the_row(world, login):
    member = world["members"][0]
    response = save(
        login(world["clinician"]),
        world,
        member,
        trigger="minutes_attended",
        minutes_attended="400",
        note="typed text stays",
    )
    assert response.status_code == 422
    assert "Minutes must be between 0 and 180" in response.text
    assert 'value="400"' in response.text
    assert 'value="typed text stays"' in response.text
    assert response.headers["HX-Retarget"] == f"#att-row-{member.id}"
    assert stored(world, member) is None


def test_a_rating_of_seven_is_refused(world, login):
    member = world["members"][0]
    response = save(login(world["clinician"]), world, member, trigger="participation", participation="7")
    assert response.status_code == 422
    assert "Participation is rated from 1 to 5." in response.text
    assert stored(world, member) is None


def test_rating_an_absent_client_is_refused(world, login):
    member = world["members"][0]
    response = save(
        login(world["clinician"]),
        world,
        member,
        trigger="participation",
        status="absent_excused",
        participation="3",
    )
    assert response.status_code == 422
    assert "An absent client is not rated." in response.text
    assert stored(world, member) is None


def test_plain_form_post_redirects_back_to_the_session(world, login):
    member = world["members"][2]
    response = save(login(world["clinician"]), world, member, trigger=None, status="present")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/sessions/{world['session'].id}#att-row-{member.id}")
    assert stored(world, member).minutes_attended == 180


def test_plain_form_post_with_bad_input_returns_the_whole_page_with_the_row_error(world, login):
    member = world["members"][2]
    response = save(login(world["clinician"]), world, member, trigger=None, minutes_attended="-5")
    assert response.status_code == 422
    assert "<html" in response.text
    assert "Minutes must be between 0 and 180" in response.text
    assert 'value="-5"' in response.text  # what was typed comes back
    assert stored(world, member) is None


def test_mark_all_present_leaves_recorded_rows_alone(world, login):
    client = login(world["clinician"])
    adams, baker, chen = world["members"]
    save(client, world, adams, status="absent_excused")
    response = client.post(
        f"/sessions/{world['session'].id}/mark-all-present", headers={**HTMX, "HX-Target": "grid"}
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="grid"')
    assert stored(world, adams).status == "absent_excused"
    assert stored(world, baker).status == "present"
    assert stored(world, chen).minutes_attended == 180


def test_rolling_admission_and_ended_enrollments_shape_the_roster(world, login):
    cohort = world["cohort"]
    today = world["program"].today()
    late_joiner = make_enrollment(cohort, started_on=today + timedelta(days=1), last_name="Zimmer")
    left = make_enrollment(cohort, started_on=today - timedelta(days=30), ended_on=today, last_name="Young")
    past = make_session(cohort, day=today - timedelta(days=2))
    client = login(world["clinician"])
    today_page = client.get(f"/sessions/{world['session'].id}").text
    past_page = client.get(f"/sessions/{past.id}").text
    assert f"att-row-{late_joiner.id}" not in today_page
    assert f"att-row-{left.id}" not in today_page
    assert f"att-row-{left.id}" in past_page
    # A member who was not enrolled that day cannot be recorded either.
    response = client.post(
        f"/sessions/{past.id}/attendance/{late_joiner.id}",
        data={"version": "0", "status": "present"},
        headers={**HTMX, "HX-Trigger-Name": "status"},
    )
    assert response.status_code == 422
    assert "not a member of the group on that date" in response.text


def test_cancelled_session_takes_no_attendance(world, login):
    cancelled = make_session(
        world["cohort"], day=world["program"].today() + timedelta(days=1), status="cancelled"
    )
    member = world["members"][0]
    response = login(world["clinician"]).post(
        f"/sessions/{cancelled.id}/attendance/{member.id}",
        data={"version": "0", "status": "present"},
        headers={**HTMX, "HX-Trigger-Name": "status"},
    )
    assert response.status_code == 422
    assert "cancelled" in response.text
    assert db.session.scalar(select(func.count(Attendance.id))) == 0


def test_each_save_is_audited_with_the_client(world, login):
    member = world["members"][0]
    save(login(world["clinician"]), world, member)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "attendance.record"))
    assert event.client_id == member.client_id
    assert event.actor_id == world["clinician"].id
    details = json.loads(event.details)
    assert details["before"] is None
    assert details["after"]["status"] == "present"


def test_viewing_the_session_audits_a_view_per_client(world, login):
    login(world["clinician"]).get(f"/sessions/{world['session'].id}")
    viewed = db.session.scalars(select(AuditEvent.client_id).where(AuditEvent.action == "session.view")).all()
    assert sorted(viewed) == sorted(m.client_id for m in world["members"])


def test_unchanged_save_does_not_bump_the_version(world, login):
    member = world["members"][0]
    client = login(world["clinician"])
    save(client, world, member)
    response = save(client, world, member, trigger="note", version="1", minutes_attended="180")
    assert response.status_code == 200
    assert stored(world, member).version == 1
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "attendance.record")) == 1


def test_a_refused_rating_shows_the_stored_rating(world, login):
    member = world["members"][0]
    client = login(world["clinician"])
    save(client, world, member, participation="4")
    response = save(client, world, member, trigger="participation", version="1", participation="7")
    assert response.status_code == 422
    assert "Participation is rated from 1 to 5." in response.text
    assert f'id="att-{member.id}-rating-4" name="participation" value="4"\n         checked' in response.text
    assert stored(world, member).participation == 4


def test_a_stale_page_without_a_status_hears_of_the_conflict(world, login, app):
    from tests.factories import sign_in

    member = world["members"][0]
    colleague = app.test_client()
    sign_in(colleague, make_user("clinician", programs=[world["program"]], name="Sam Ortiz"))
    assert save(colleague, world, member, status="present").status_code == 200
    response = save(login(world["clinician"]), world, member, trigger="note", status="", note="Arrived upset")
    assert response.status_code == 409
    assert "Sam Ortiz changed this row" in response.text
    assert "Choose a status first" not in response.text
    # What this clinician typed is kept beside the colleague's row, to put back on purpose.
    assert "Your note, not saved" in response.text and "Arrived upset" in response.text


def test_a_session_still_to_come_takes_no_attendance_note_or_signature(world, login):
    from iop import clock

    world["session"].starts_at = clock.now() + timedelta(days=2)
    db.session.commit()
    client = login(world["clinician"])
    member = world["members"][0]
    refused = save(client, world, member)
    assert refused.status_code == 422 and "attendance can be taken once it has started" in refused.text
    url = f"/sessions/{world['session'].id}"
    marked = client.post(f"{url}/mark-all-present", headers=HTMX)
    assert "once it has started" in marked.text
    note = client.post(f"{url}/note", data={"version": "0", "topic": "TIPP"}, headers=HTMX)
    assert note.status_code == 422 and "its note can be written once it has started" in note.text
    client.post(f"{url}/sign", headers=HTMX)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Attendance.id))) == 0
    session = db.session.get(GroupSession, world["session"].id)
    assert (session.topic, session.signed_at, session.status) == ("", None, "scheduled")


@pytest.mark.parametrize("existing", [True, False], ids=["update", "insert"])
def test_a_save_that_loses_the_race_after_its_check_is_a_conflict_not_an_error(world, existing):
    """Another editor commits between this save's version check and its write (the load test answered
    500 here): the save raises AttendanceConflict with the other's row, and the session stays usable."""
    from iop.services.attendance import AttendanceConflict, AttendanceInput, record_attendance

    member, clinician = world["members"][0], world["clinician"]
    if existing:
        save_row = AttendanceInput(status="present", minutes_attended=None, participation=3, note="")
        record_attendance(world["session"], member, save_row, expected_version=0, actor=clinician)
        db.session.commit()
    row = stored(world, member)
    seen = row.version if row else 0  # what this editor read ...
    with db.engine.begin() as other_editor:  # ... before another editor wrote and committed
        if existing:
            other_editor.execute(
                Attendance.__table__.update()
                .where(Attendance.id == row.id)
                .values(version=seen + 1, status="late", participation=2)
            )
        else:
            other_editor.execute(
                Attendance.__table__.insert().values(
                    session_id=world["session"].id,
                    enrollment_id=member.id,
                    status="late",
                    minutes_attended=150,
                    participation=2,
                    note="",
                    version=1,
                    updated_at=world["session"].starts_at,
                    updated_by_id=clinician.id,
                )
            )
    mine = AttendanceInput(status="absent_excused", minutes_attended=None, participation=None, note="")
    with pytest.raises(AttendanceConflict) as conflict:
        record_attendance(world["session"], member, mine, expected_version=seen, actor=clinician)
    assert (conflict.value.current.status, conflict.value.current.participation) == ("late", 2)
    db.session.commit()  # the session is still usable: nothing of the lost save is written
    assert (stored(world, member).status, stored(world, member).version) == ("late", seen + 1)


def test_the_database_refuses_a_status_outside_the_clinical_list(world, login):
    import sqlalchemy.exc

    from iop.clinical.attendance import STATUSES

    member = world["members"][0]
    for status in STATUSES:  # every listed status is stored (and the row removed again)
        row = Attendance(
            session_id=world["session"].id,
            enrollment_id=member.id,
            status=status,
            minutes_attended=0,
            updated_by_id=world["clinician"].id,
        )
        db.session.add(row)
        db.session.flush()
        db.session.delete(row)
        db.session.flush()
    db.session.add(
        Attendance(
            session_id=world["session"].id,
            enrollment_id=member.id,
            status="asleep",
            minutes_attended=0,
            updated_by_id=world["clinician"].id,
        )
    )
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_note_typed_before_a_status_is_kept_and_the_row_stays_unrecorded(world, login):
    member = world["members"][0]
    client = login(world["clinician"])
    response = save(client, world, member, trigger="note", status="", note="Camera off")
    assert response.status_code == 200
    assert "Choose a status first" not in response.text
    assert f'id="att-{member.id}-version" value="1" hx-swap-oob="true"' in response.text
    row = stored(world, member)
    assert (row.status, row.minutes_attended, row.participation, row.note) == (None, None, None, "Camera off")
    assert db.session.get(GroupSession, world["session"].id).status == "scheduled"  # not held by a note
    page = client.get(f"/sessions/{world['session'].id}").text
    assert '<span id="recorded-count">0</span> of 3 recorded' in page
    assert "No status yet" in page

    # Choosing the status later records the row with its default minutes and keeps the note.
    save(client, world, member, version="1", status="late", note="Camera off")
    row = stored(world, member)
    assert (row.status, row.minutes_attended, row.note, row.version) == ("late", 135, "Camera off", 2)


def test_a_recorded_status_cannot_be_cleared(world, login):
    member = world["members"][0]
    client = login(world["clinician"])
    save(client, world, member)
    response = save(client, world, member, trigger="note", version="1", status="", note="x")
    assert response.status_code == 422
    assert "cannot be cleared" in response.text
    assert (stored(world, member).status, stored(world, member).note) == ("present", "")


def test_a_rating_needs_a_status(world, login):
    member = world["members"][0]
    response = save(
        login(world["clinician"]), world, member, trigger="participation", status="", participation="3"
    )
    assert response.status_code == 422
    assert "Choose a status before rating." in response.text
    assert stored(world, member) is None


def test_mark_all_present_records_rows_holding_only_a_note_and_then_goes(world, login):
    client = login(world["clinician"])
    adams, baker, chen = world["members"]
    save(client, world, adams, trigger="note", status="", note="Joined late from work")
    response = client.post(
        f"/sessions/{world['session'].id}/mark-all-present", headers={**HTMX, "HX-Target": "grid"}
    )
    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "attendance-updated"
    assert "Mark all unrecorded present" not in response.text
    assert '<span id="recorded-count">3</span> of 3 recorded' in response.text
    row = stored(world, adams)
    assert (row.status, row.minutes_attended, row.note) == ("present", 180, "Joined late from work")
    assert stored(world, chen).status == "present"


def test_the_last_row_recorded_removes_mark_all_out_of_band(world, login):
    client = login(world["clinician"])
    adams, baker, chen = world["members"]
    first = save(client, world, adams)
    assert 'id="mark-all"' not in first.text  # others are still unrecorded
    save(client, world, baker)
    last = save(client, world, chen)
    assert '<div id="mark-all" hx-swap-oob="true"></div>' in last.text
    page = client.get(f"/sessions/{world['session'].id}").text
    assert "Mark all unrecorded present" not in page


def test_the_recorded_count_follows_each_save_of_a_stored_row(world, login):
    """A stored row's save counts the grid with the row it reads: a note-only row given a status adds one,
    a recorded row given another status adds none."""
    client = login(world["clinician"])
    adams, baker, chen = world["members"]
    save(client, world, baker)
    save(client, world, chen)
    noted = save(client, world, adams, trigger="note", status="", note="Joined late from work")
    assert '<span id="recorded-count" hx-swap-oob="true">2</span>' in noted.text
    assert 'id="mark-all"' not in noted.text
    recorded = save(client, world, adams, version="1", note="Joined late from work")
    assert '<span id="recorded-count" hx-swap-oob="true">3</span>' in recorded.text
    assert '<div id="mark-all" hx-swap-oob="true"></div>' in recorded.text
    late = save(client, world, adams, version="2", status="late", note="Joined late from work")
    assert '<span id="recorded-count" hx-swap-oob="true">3</span>' in late.text
    assert (stored(world, adams).status, stored(world, adams).version) == ("late", 3)


def test_a_saved_row_names_its_new_editor_and_version_at_once(world):
    """The row the service returns is the row as stored: the new version and editor, no reload needed."""
    from iop.services.attendance import AttendanceInput, record_attendance

    colleague = make_user("case_manager", programs=[world["program"]], name="Sam Ortiz")
    adams = world["members"][0]
    present = AttendanceInput(status="present", minutes_attended=None, participation=None, note="")
    record_attendance(world["session"], adams, present, expected_version=0, actor=world["clinician"])
    db.session.commit()
    late = AttendanceInput(
        status="late", minutes_attended=None, participation=None, note="", status_changed=True
    )
    saved = record_attendance(world["session"], adams, late, expected_version=1, actor=colleague)
    assert (saved.row.version, saved.row.updated_by.full_name, saved.row.minutes_attended) == (
        2,
        "Sam Ortiz",
        135,
    )
    db.session.commit()
    row = stored(world, adams)
    assert (row.status, row.version, row.updated_by.full_name) == ("late", 2, "Sam Ortiz")


def test_a_member_of_another_cohort_is_not_found_in_this_session(world, login):
    outsider = make_enrollment(make_cohort(world["program"]))
    client = login(world["clinician"])
    assert save(client, world, outsider).status_code == 404
    unknown = client.post(
        f"/sessions/{world['session'].id}/attendance/{outsider.id + 1000}",
        data={"version": "0", "status": "present"},
        headers={**HTMX, "HX-Trigger-Name": "status"},
    )
    assert unknown.status_code == 404
    assert stored(world, outsider) is None


def test_a_session_of_another_program_is_not_found(world, login):
    other_cohort = make_cohort(make_program())
    other_session, member = make_session(other_cohort), make_enrollment(other_cohort)
    client = login(world["clinician"])
    response = client.post(
        f"/sessions/{other_session.id}/attendance/{member.id}",
        data={"version": "0", "status": "present"},
        headers={**HTMX, "HX-Trigger-Name": "status"},
    )
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(Attendance.id))) == 0


def test_an_admin_only_in_the_sessions_program_may_not_record_there(world, login):
    """The route is the care team's: a clinician elsewhere who is only an admin here is refused (403)."""
    elsewhere = make_program()
    admin_here = make_user(grants={elsewhere: ("clinician",), world["program"]: ("admin",)})
    response = save(login(admin_here), world, world["members"][0])
    assert response.status_code == 403
    assert stored(world, world["members"][0]) is None


def test_mark_all_present_before_the_start_is_refused_in_the_grid(world, login):
    from iop import clock

    world["session"].starts_at = clock.now() + timedelta(hours=3)
    db.session.commit()
    response = login(world["clinician"]).post(
        f"/sessions/{world['session'].id}/mark-all-present", headers={**HTMX, "HX-Target": "grid"}
    )
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<section id="grid"')
    assert 'role="alert">This group starts' in response.text
    assert db.session.scalar(select(func.count(Attendance.id))) == 0


def test_plain_mark_all_post_redirects_with_the_count(world, login):
    client = login(world["clinician"])
    response = client.post(f"/sessions/{world['session'].id}/mark-all-present")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/sessions/{world['session'].id}")
    assert "Marked 3 present." in client.get(response.headers["Location"]).text
    assert [stored(world, m).status for m in world["members"]] == ["present"] * 3
