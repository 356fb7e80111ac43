"""An htmx request gets the block its HX-Target names; a target that names no block is a bug."""

import pytest

from iop.htmx import UnknownTarget, wanted_block
from tests.factories import make_cohort, make_enrollment, make_program, make_user

HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(app):
    program = make_program()
    enrollment = make_enrollment(make_cohort(program))
    return {"client_id": enrollment.client_id, "clinician": make_user("clinician", programs=[program])}


def test_a_target_that_names_a_block_gets_only_that_block(world, login):
    response = login(world["clinician"]).get(
        f"/clients/{world['client_id']}/goals", headers=HTMX | {"HX-Target": "record"}
    )
    assert response.text.lstrip().startswith('<div id="record">')


def test_a_target_that_names_no_block_is_an_error_in_tests(world, login):
    client = login(world["clinician"])
    with pytest.raises(UnknownTarget, match="'recrod' names no block"):
        client.get(f"/clients/{world['client_id']}/goals", headers=HTMX | {"HX-Target": "recrod"})


def test_in_production_a_target_that_names_no_block_still_gets_the_whole_page(app):
    app.testing = False
    try:
        with app.test_request_context(headers=HTMX | {"HX-Target": "recrod"}):
            assert wanted_block(("record",)) is None
        with app.test_request_context(headers=HTMX | {"HX-Target": "record"}):
            assert wanted_block(("record",)) == "record"
    finally:
        app.testing = True
