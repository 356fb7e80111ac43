"""Admin screens: who may use them, and that every page renders."""

import pytest

from tests.factories import make_cohort, make_enrollment, make_program, make_session, make_user


@pytest.fixture
def setup(app):
    """One program with a cohort, a session and a clinician; an admin of it; a second program."""
    program = make_program("Northside Adult IOP")
    cohort = make_cohort(program, name="Evening group")
    group_session = make_session(cohort)
    clinician = make_user("clinician", programs=[program], name="Casey Clinician")
    admin = make_user("admin", programs=[program], name="Alex Admin")
    return {
        "program": program,
        "cohort": cohort,
        "session": group_session,
        "clinician": clinician,
        "admin": admin,
    }


def admin_urls(program_id: int, cohort_id: int, user_id: int) -> list[str]:
    return [
        "/admin/",
        "/admin/programs/",
        "/admin/programs/new",
        f"/admin/programs/{program_id}/edit",
        f"/admin/programs/{program_id}/cohorts/new",
        f"/admin/cohorts/{cohort_id}",
        f"/admin/cohorts/{cohort_id}/edit",
        "/admin/staff/",
        "/admin/staff/new",
        f"/admin/staff/{user_id}/edit",
    ]


def test_every_admin_page_renders_for_an_admin(setup, login):
    client = login(setup["admin"])
    for url in admin_urls(setup["program"].id, setup["cohort"].id, setup["clinician"].id):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "<h1>" in response.text, url


def test_index_lists_the_admins_programs_with_cohort_counts(setup, login):
    make_enrollment(setup["cohort"])
    make_enrollment(setup["cohort"])
    other = make_program("Someone Else's Program")
    response = login(setup["admin"]).get("/admin/")
    assert "Northside Adult IOP" in response.text
    assert "Evening group" in response.text
    assert "<td>2</td>" in response.text  # current members
    assert "<td>1</td>" in response.text  # upcoming sessions (today's)
    assert other.name not in response.text


@pytest.mark.parametrize("role", ["clinician", "case_manager"])
def test_care_team_is_refused_every_admin_route(setup, login, role):
    client = login(make_user(role, programs=[setup["program"]]))
    for url in admin_urls(setup["program"].id, setup["cohort"].id, setup["clinician"].id):
        assert client.get(url).status_code == 403, url
        if url.endswith(("new", "edit")):
            assert client.post(url, data={"name": "x"}).status_code == 403, url


def test_signed_out_visitor_is_sent_to_sign_in(setup, client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_admin_of_another_program_gets_404_for_its_ids(setup, login):
    program_b = make_program("Program B")
    cohort_b = make_cohort(program_b)
    staff_b = make_user("clinician", programs=[program_b])
    client = login(make_user("admin", programs=[program_b]))
    program_id, cohort_id, user_id = setup["program"].id, setup["cohort"].id, setup["clinician"].id
    forms = [
        f"/admin/programs/{program_id}/edit",
        f"/admin/programs/{program_id}/cohorts/new",
        f"/admin/cohorts/{cohort_id}/edit",
        f"/admin/staff/{user_id}/edit",
    ]
    for url in [*forms, f"/admin/cohorts/{cohort_id}"]:
        assert client.get(url).status_code == 404, url
    for url in forms:
        assert client.post(url, data={"name": "Taken over"}).status_code == 404, url
    assert client.get(f"/admin/cohorts/{cohort_b.id}").status_code == 200
    assert client.get(f"/admin/staff/{staff_b.id}/edit").status_code == 200


def test_new_cohort_in_a_foreign_program_is_404(setup, login):
    client = login(make_user("admin", programs=[make_program()]))
    assert client.get(f"/admin/programs/{setup['program'].id}/cohorts/new").status_code == 404
    response = client.post(f"/admin/programs/{setup['program'].id}/cohorts/new", data={"name": "Taken over"})
    assert response.status_code == 404
    assert "Taken over" not in [cohort.name for cohort in setup["program"].cohorts]


def test_forms_carry_a_csrf_token_and_refuse_a_post_without_it(setup, make_app):
    from iop.extensions import db
    from tests.factories import sign_in

    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        sign_in(client, db.session.merge(setup["admin"]))
        assert 'name="csrf_token"' in client.get("/admin/programs/new").text
        response = client.post("/admin/programs/new", data={"name": "No token", "population": "adult"})
        assert response.status_code == 400
        db.session.remove()
