"""Admin: creating and editing programs."""

from sqlalchemy import func, select

from iop.extensions import db
from iop.models import AuditEvent, Program
from tests.factories import make_cohort, make_program, make_user


def events(action: str) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def program_count() -> int:
    return db.session.scalar(select(func.count(Program.id)))


def an_admin():
    """An admin of one program ("Home"): only someone who administers a program may create another."""
    return make_user("admin", programs=[make_program("Home")])


def test_creating_a_program_assigns_the_creator_and_is_audited(app, login):
    admin = an_admin()
    client = login(admin)
    response = client.post(
        "/admin/programs/new",
        data={"name": "  Riverside Teen IOP ", "timezone": "America/Chicago", "population": "adolescent"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/"
    program = db.session.scalar(select(Program).where(Program.name != "Home"))
    assert program.name == "Riverside Teen IOP"
    assert program.timezone == "America/Chicago"
    assert program.min_weekly_hours == 6  # ASAM 2.1 default for adolescents, left blank
    db.session.refresh(admin)
    assert program.id in admin.program_ids
    assert admin.roles_in(program.id) == {"admin"}  # the creator administers the new program
    [event] = events("program.create")
    assert event.actor_id == admin.id
    assert event.object_id == str(program.id)
    assert "Riverside Teen IOP was created" in client.get("/admin/").text


def test_adult_program_defaults_to_nine_hours_and_keeps_an_entered_minimum(app, login):
    client = login(an_admin())
    client.post("/admin/programs/new", data={"name": "A", "timezone": "Europe/London", "population": "adult"})
    client.post(
        "/admin/programs/new",
        data={"name": "B", "timezone": "Europe/London", "population": "adult", "min_weekly_hours": "12.5"},
    )
    client.post(
        "/admin/programs/new",
        data={"name": "C", "timezone": "Europe/London", "population": "adult", "min_weekly_hours": "9.3"},
    )
    refused = client.post(
        "/admin/programs/new",
        data={"name": "D", "timezone": "Europe/London", "population": "adult", "min_weekly_hours": "9.25"},
    )
    assert "Use at most one decimal place" in refused.text
    hours = dict(
        db.session.execute(select(Program.name, Program.min_weekly_hours).where(Program.name != "Home")).all()
    )
    assert hours == {"A": 9, "B": 12.5, "C": 9.3}


def test_invalid_program_comes_back_with_what_was_typed_and_saves_nothing(app, login):
    client = login(an_admin())
    response = client.post(
        "/admin/programs/new",
        data={
            "name": "Typed name",
            "timezone": "Mars/Olympus_Mons",
            "population": "adult",
            "min_weekly_hours": "41",
        },
    )
    assert response.status_code == 422
    assert 'value="Typed name"' in response.text
    assert 'value="41"' in response.text
    assert "Choose a time zone from the list." in response.text
    assert "Enter between 1 and 40 hours" in response.text
    assert program_count() == 1  # the admin's own
    assert events("program.create") == []


def test_program_needs_a_name_and_a_time_zone(app, login):
    response = login(an_admin()).post("/admin/programs/new", data={"population": "adult"})
    assert response.status_code == 422
    assert "Enter the program&#39;s name." in response.text
    assert "Choose the time zone the program runs in." in response.text
    assert 'aria-invalid="true"' in response.text


def test_program_names_are_unique(app, login):
    make_program("Northside")
    response = login(an_admin()).post(
        "/admin/programs/new",
        data={"name": "northside", "timezone": "America/New_York", "population": "adult"},
    )
    assert response.status_code == 422
    assert "Another program already has this name." in response.text
    assert program_count() == 2


def test_editing_a_program_saves_and_is_audited(app, login):
    program = make_program("Old name", timezone="America/New_York")
    client = login(make_user("admin", programs=[program]))
    page = client.get(f"/admin/programs/{program.id}/edit").text
    assert 'value="Old name"' in page
    assert '<option selected value="America/New_York">' in page
    response = client.post(
        f"/admin/programs/{program.id}/edit",
        data={
            "name": "New name",
            "timezone": "America/Denver",
            "population": "adult",
            "min_weekly_hours": "10",
        },
    )
    assert response.status_code == 303
    db.session.refresh(program)
    assert (program.name, program.timezone, program.min_weekly_hours) == ("New name", "America/Denver", 10)
    [event] = events("program.update")
    assert "America/Denver" in event.details


def test_time_zone_is_fixed_once_the_program_has_cohorts(app, login):
    program = make_program("Zoned", timezone="America/New_York")
    make_cohort(program)
    client = login(make_user("admin", programs=[program]))
    assert 'name="timezone"' not in client.get(f"/admin/programs/{program.id}/edit").text
    client.post(
        f"/admin/programs/{program.id}/edit",
        data={"name": "Zoned", "timezone": "Asia/Tokyo", "population": "adult", "min_weekly_hours": "9"},
    )
    db.session.refresh(program)
    assert program.timezone == "America/New_York"


def test_programs_list_shows_only_the_admins_programs(app, login):
    mine = make_program("Mine")
    make_program("Not mine")
    page = login(make_user("admin", programs=[mine])).get("/admin/programs/").text
    assert "Mine" in page
    assert "Not mine" not in page
    assert '<th scope="col">Time zone</th>' in page
