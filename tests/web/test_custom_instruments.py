"""Admin: a program's custom instruments, and instrument_for / instruments_for_program."""

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from iop.clinical.instruments import GAD7, PHQ9, score
from iop.extensions import db
from iop.models import AssessmentResponse, AuditEvent, CustomInstrument
from iop.services.custom_instruments import instrument_for, instruments_for_program
from tests.factories import make_cohort, make_custom_instrument, make_enrollment, make_program, make_user

VALID = {
    "key": "resilience",
    "name": "Resilience check",
    "items": "I bounced back after setbacks\n\nI asked for help when I needed it\n  I kept my routines  \n",
    "scale_min": "0",
    "scale_max": "4",
    "option_labels": "Never\nRarely\nSometimes\nOften\nAlways",
    "higher_is_better": "y",
    "reliable_change": "3",
    "bands": "low | Low | 0 | 5\nhigh | High | 6 | 12",
    "active": "y",
}


@pytest.fixture
def program(app):
    return make_program("Riverside")


@pytest.fixture
def admin_client(login, program):
    return login(make_user("admin", programs=[program]))


def instrument_count() -> int:
    return db.session.scalar(select(func.count(CustomInstrument.id)))


def post_new(client, program, **changes):
    return client.post(f"/admin/programs/{program.id}/instruments/new", data=VALID | changes)


def test_valid_instrument_is_created_and_audited(admin_client, program):
    response = post_new(admin_client, program)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/programs/{program.id}/instruments/"
    row = db.session.scalar(select(CustomInstrument))
    assert row.key == "resilience" and row.program_id == program.id
    assert json.loads(row.items_json) == [
        "I bounced back after setbacks",
        "I asked for help when I needed it",
        "I kept my routines",
    ]
    assert json.loads(row.bands_json) == [["low", "Low", 0, 5], ["high", "High", 6, 12]]
    assert (row.scale_min, row.scale_max, row.higher_is_better, row.reliable_change) == (0, 4, True, 3)
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "instrument.create")
    ).object_id == str(row.id)
    listing = admin_client.get(f"/admin/programs/{program.id}/instruments/").text
    assert "Resilience check was created." in listing
    assert "PHQ-9" in listing and "GAD-7" in listing


def test_bands_that_leave_a_gap_show_the_clinical_message_at_the_bands_field(admin_client, program):
    response = post_new(admin_client, program, bands="low | Low | 0 | 4\nhigh | High | 6 | 12")
    assert response.status_code == 422
    assert 'id="bands-error"' in response.text
    assert "Bands &#39;low&#39; and &#39;high&#39; leave total 5 without a band." in response.text
    assert "high | High | 6 | 12" in response.text  # what was typed comes back
    assert instrument_count() == 0


def test_bands_must_reach_the_highest_total(admin_client, program):
    response = post_new(admin_client, program, bands="all | All | 0 | 10")
    assert response.status_code == 422
    assert "Bands must end at the highest possible total 12, not 10." in response.text


def test_a_malformed_band_line_is_named(admin_client, program):
    response = post_new(admin_client, program, bands="low | Low | 0 | 5\nhigh, High, 6, 12")
    assert response.status_code == 422
    assert "Line 2: write key | label | low | high" in response.text


def test_label_count_must_match_the_scale(admin_client, program):
    response = post_new(admin_client, program, option_labels="Never\nSometimes\nAlways")
    assert response.status_code == 422
    assert 'id="option_labels-error"' in response.text
    assert "Give one label per answer: 5 for 0 to 4, or none to show the numbers; got 3." in response.text
    assert instrument_count() == 0


def test_labels_may_be_left_out(admin_client, program):
    assert post_new(admin_client, program, option_labels="").status_code == 303
    assert instrument_for(program.id, "resilience").options[0] == (0, "0")


def test_duplicate_key_in_the_program_is_refused(admin_client, program):
    make_custom_instrument(program)
    response = post_new(admin_client, program, name="Another")
    assert response.status_code == 422
    assert "This program already has an instrument with this key." in response.text
    assert instrument_count() == 1


def test_same_key_in_another_program_is_fine(admin_client, program):
    make_custom_instrument(make_program("Elsewhere"))
    response = post_new(admin_client, program)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/programs/{program.id}/instruments/"
    assert db.session.scalar(select(func.count()).where(CustomInstrument.key == "resilience")) == 2


@pytest.mark.parametrize("key", ["phq9", "gad7"])
def test_standard_keys_are_refused(admin_client, program, key):
    response = post_new(admin_client, program, key=key)
    assert response.status_code == 422
    assert f"{key} is the standard" in response.text
    assert instrument_count() == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"key": "Resilience Scale"}, "Start with a letter; use lowercase letters"),
        ({"items": "  \n "}, "Enter at least one item."),
        ({"scale_max": "0"}, "The highest answer must be above the lowest."),
        ({"scale_max": "12", "option_labels": ""}, "A scale can have at most 11 answers"),
        ({"scale_min": "", "option_labels": ""}, "Enter the lowest answer"),
        ({"reliable_change": "0"}, "Enter a whole number of 1 or more"),
        ({"name": ""}, "Enter the instrument&#39;s name."),
    ],
)
def test_each_field_says_what_is_wrong(admin_client, program, changes, message):
    response = post_new(admin_client, program, **changes)
    assert response.status_code == 422
    assert message in response.text
    assert instrument_count() == 0


def test_editing_changes_wording_and_bands_and_is_audited(admin_client, program):
    row = make_custom_instrument(program)
    form = admin_client.get(f"/admin/instruments/{row.id}/edit").text
    assert "low | Low | 0 | 5" in form
    response = admin_client.post(
        f"/admin/instruments/{row.id}/edit",
        data=VALID | {"name": "Resilience", "bands": "", "active": ""},
    )
    assert response.status_code == 303
    db.session.refresh(row)
    assert (row.name, row.bands_json, row.active) == ("Resilience", "[]", False)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "instrument.update"))
    assert json.loads(event.details)["changed"] == ["active", "bands", "name"]


def _response_for(program, key, answers):
    cohort = make_cohort(program)
    client = make_enrollment(cohort).client
    db.session.add(
        AssessmentResponse(
            client_id=client.id,
            instrument=key,
            administered_on=date(2026, 11, 2),
            answers_json=json.dumps(answers),
            total=sum(answers),
            source="clinician",
            entered_by_id=make_user("clinician", programs=[program]).id,
        )
    )
    db.session.commit()


def test_items_of_an_answered_instrument_cannot_change(admin_client, program):
    row = make_custom_instrument(program)
    _response_for(program, "resilience", [1, 2, 3])
    assert (
        "1 response was recorded with this instrument"
        in admin_client.get(f"/admin/instruments/{row.id}/edit").text
    )
    response = admin_client.post(
        f"/admin/instruments/{row.id}/edit", data=VALID | {"items": "One new item", "bands": ""}
    )
    assert response.status_code == 422
    assert "The items cannot change: 1 response was recorded with them." in response.text
    db.session.refresh(row)
    assert len(json.loads(row.items_json)) == 3
    scale = admin_client.post(
        f"/admin/instruments/{row.id}/edit", data=VALID | {"scale_max": "5", "option_labels": "", "bands": ""}
    )
    assert "The answer scale cannot change" in scale.text
    # Wording of the name and bands may still change.
    assert (
        admin_client.post(f"/admin/instruments/{row.id}/edit", data=VALID | {"name": "Renamed"}).status_code
        == 303
    )


def test_responses_of_another_program_do_not_lock_the_items(admin_client, program):
    row = make_custom_instrument(program)
    _response_for(make_program("Elsewhere"), "resilience", [1, 2, 3])
    response = admin_client.post(
        f"/admin/instruments/{row.id}/edit", data=VALID | {"items": "Only item", "bands": ""}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/programs/{program.id}/instruments/"
    db.session.expire_all()
    assert json.loads(db.session.get(CustomInstrument, row.id).items_json) == ["Only item"]


def test_clinician_is_refused(login, program):
    client = login(make_user("clinician", programs=[program]))
    assert client.get(f"/admin/programs/{program.id}/instruments/new").status_code == 403
    assert post_new(client, program).status_code == 403
    assert instrument_count() == 0


def test_another_programs_admin_gets_404(login, program):
    row = make_custom_instrument(program)
    client = login(make_user("admin", programs=[make_program("Elsewhere")]))
    assert client.get(f"/admin/programs/{program.id}/instruments/").status_code == 404
    assert post_new(client, program, key="other").status_code == 404
    assert client.post(f"/admin/instruments/{row.id}/edit", data=VALID).status_code == 404
    assert instrument_count() == 1


def test_instrument_for_builds_the_stored_definition_and_scores_it(program):
    make_custom_instrument(program)
    instrument = instrument_for(program.id, "resilience")
    assert instrument.items[0] == "I bounced back after setbacks"
    assert (instrument.min_total, instrument.max_total, instrument.higher_is_better) == (0, 12, True)
    assert instrument.reliable_change == 3
    assert score(instrument, [1, 2, 2]).total == 5  # 1 + 2 + 2
    assert score(instrument, [1, 2, 2]).severity == "low"
    assert score(instrument, [2, 2, 2]).severity == "high"  # 6 opens the high band
    assert score(instrument, [4, 4, 4]).total == 12
    with pytest.raises(ValueError, match="outside 0–4"):
        score(instrument, [5, 0, 0])


def test_instrument_for_standard_keys_and_unknown_ones(program):
    assert instrument_for(program.id, "phq9") is PHQ9
    assert instrument_for(program.id, "gad7") is GAD7
    make_custom_instrument(make_program("Elsewhere"), key="calm")
    with pytest.raises(ValueError, match="unknown instrument 'calm'"):
        instrument_for(program.id, "calm")


def test_instruments_for_program_lists_standard_then_active_custom(program):
    make_custom_instrument(program, key="resilience", name="Resilience check")
    make_custom_instrument(program, key="mindful", name="Mindfulness", bands=[])
    make_custom_instrument(program, key="old", name="Old scale", active=False)
    keys = [instrument.key for instrument in instruments_for_program(program.id)]
    assert keys == ["phq9", "gad7", "mindful", "resilience"]
    assert instrument_for(program.id, "old").name == "Old scale"  # inactive still resolves for history
