from tests.factories import make_cohort, make_enrollment, make_program, make_session, make_user


def test_session_page_renders_for_clinician(app, login):
    program = make_program()
    cohort = make_cohort(program)
    make_enrollment(cohort)
    s = make_session(cohort)
    client = login(make_user("clinician", programs=[program]))
    response = client.get(f"/sessions/{s.id}")
    assert response.status_code == 200, response.text
    assert "Attendance for" in response.text
