"""Entering PHQ-9 and GAD-7: exact scores, incomplete forms keep their answers, corrections supersede."""

import json

import pytest
from sqlalchemy import func, select

from iop.extensions import db
from iop.models import Alert, AssessmentResponse, AuditEvent
from tests.factories import make_cohort, make_enrollment, make_program, make_user

HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(app):
    program = make_program()
    cohort = make_cohort(program)
    enrollment = make_enrollment(cohort, first_name="Robin", last_name="Hale")
    return {
        "program": program,
        "client": enrollment.client,
        "enrollment": enrollment,
        "clinician": make_user("clinician", programs=[program], name="Dana Reyes"),
    }


def new_url(world, instrument="phq9"):
    return f"/clients/{world['client'].id}/assessments/new?instrument={instrument}"


def post(client, world, answers, instrument="phq9", **fields):
    data = {f"item-{n}": str(v) for n, v in enumerate(answers, start=1) if v is not None}
    data |= {"administered_on": world["program"].today().isoformat(), "source": "self_report", **fields}
    return client.post(new_url(world, instrument), data=data)


def responses():
    db.session.expire_all()
    return db.session.scalars(select(AssessmentResponse).order_by(AssessmentResponse.id)).all()


def test_form_shows_every_phq9_item_as_published_with_four_answers(world, login):
    page = login(world["clinician"]).get(new_url(world)).text
    assert "<html" in page
    assert page.count('class="assessment-item"') == 9
    assert (
        "<legend>9. Thoughts that you would be better off dead or of hurting yourself in some way</legend>"
        in page
    )
    assert page.count('name="item-9"') == 4
    for label in ("Not at all", "Several days", "More than half the days", "Nearly every day"):
        assert label in page


def test_form_fragment_is_only_the_form(world, login):
    response = login(world["clinician"]).get(new_url(world), headers={**HTMX, "HX-Target": "questionnaire"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<section id="questionnaire"')


def test_phq9_is_stored_with_the_published_total_and_band(world, login):
    # 1+2+1+2+1+2+1+2+0 = 12: "moderate" (10–14).
    response = post(login(world["clinician"]), world, [1, 2, 1, 2, 1, 2, 1, 2, 0], source="clinician")
    assert response.status_code == 303
    (stored,) = responses()
    assert (stored.instrument, stored.total, stored.severity, stored.flags) == (
        "phq9",
        12,
        "moderate",
        frozenset(),
    )
    assert json.loads(stored.answers_json) == [1, 2, 1, 2, 1, 2, 1, 2, 0]
    assert (stored.source, stored.entered_by_id, stored.enrollment_id) == (
        "clinician",
        world["clinician"].id,
        world["enrollment"].id,
    )
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.record"))
    assert audit.client_id == world["client"].id


def test_result_shows_total_and_severity_on_the_client_page(world, login):
    client = login(world["clinician"])
    post(client, world, [3, 3, 3, 3, 3, 0, 0, 0], instrument="gad7")  # 15: GAD-7 "severe" (15–21)
    page = client.get(f"/clients/{world['client'].id}/assessments").text
    assert "GAD-7 recorded: total 15, Severe." in page
    assert "<td>15</td>" in page and "<td>Severe</td>" in page
    assert responses()[0].severity == "severe"


@pytest.mark.parametrize(
    ("answers", "total", "severity"),
    [
        ([0] * 9, 0, "minimal"),
        ([1, 1, 1, 1, 0, 0, 0, 0, 0], 4, "minimal"),
        ([1] * 5 + [0] * 4, 5, "mild"),
        ([2] * 7 + [1, 0], 15, "moderately_severe"),
        ([3] * 6 + [2, 0, 0], 20, "severe"),
    ],
)
def test_phq9_band_boundaries_are_stored_exactly(world, login, answers, total, severity):
    post(login(world["clinician"]), world, answers)
    assert (responses()[0].total, responses()[0].severity) == (total, severity)


def test_incomplete_phq9_keeps_answers_shows_each_missing_item_and_saves_nothing(world, login):
    answers = [2, None, 1, None, 0, 3, 1, 2, None]
    response = post(login(world["clinician"]), world, answers)
    assert response.status_code == 422
    page = response.text
    assert responses() == []
    for number in (2, 4, 9):
        assert f"Choose an answer for item {number}." in page
        assert f'id="item-{number}" class="assessment-item" aria-invalid="true"' in page
    assert "Choose an answer for item 1." not in page
    assert 'name="item-1" value="2" checked' in page
    assert 'name="item-6" value="3" checked' in page
    assert 'name="item-8" value="2" checked' in page
    assert 'name="item-2" value="0" checked' not in page
    assert "3 items still need an answer" in page


def test_a_correction_supersedes_and_both_stay_in_the_history(world, login):
    client = login(world["clinician"])
    post(client, world, [1, 1, 1, 1, 1, 1, 1, 1, 0])
    (first,) = responses()
    form = client.get(new_url(world) + f"&supersedes={first.id}").text
    assert 'name="item-1" value="1" checked' in form  # the old answers start the correction
    assert post(client, world, [1, 1, 1, 1, 1, 1, 1, 0, 0], supersedes=str(first.id)).status_code == 303
    old, new = responses()
    assert (old.total, new.total) == (8, 7)
    assert old.superseded_by_id == new.id and new.superseded_by_id is None
    page = client.get(f"/clients/{world['client'].id}/assessments").text
    assert page.count("Superseded by a correction") == 1
    assert "<td>8</td>" in page and "<td>7</td>" in page


def test_an_already_corrected_response_cannot_be_corrected_again(world, login):
    client = login(world["clinician"])
    post(client, world, [0] * 9)
    (first,) = responses()
    post(client, world, [1] + [0] * 8, supersedes=str(first.id))
    response = post(client, world, [2] + [0] * 8, supersedes=str(first.id))
    assert response.status_code == 422
    assert len(responses()) == 2


def test_another_clients_response_cannot_be_superseded(world, login):
    other = make_enrollment(make_cohort(make_program()))
    db.session.add(
        AssessmentResponse(
            client_id=other.client_id,
            instrument="phq9",
            administered_on=world["program"].today(),
            answers_json="[0,0,0,0,0,0,0,0,0]",
            total=0,
            severity="minimal",
            flags_text="",
            source="self_report",
            entered_by_id=world["clinician"].id,
        )
    )
    db.session.commit()
    foreign = responses()[0]
    response = post(login(world["clinician"]), world, [0] * 9, supersedes=str(foreign.id))
    assert response.status_code == 404
    db.session.expire_all()
    assert [(r.client_id, r.superseded_by_id) for r in responses()] == [(other.client_id, None)]


def test_responses_are_immutable(world, login):
    post(login(world["clinician"]), world, [0] * 9)
    stored = responses()[0]
    stored.total = 3
    with pytest.raises(ValueError, match="immutable"):
        db.session.flush()
    db.session.rollback()


def test_item_nine_above_zero_raises_an_alert_in_the_same_request(world, login):
    post(login(world["clinician"]), world, [0, 0, 0, 0, 0, 0, 0, 0, 1])
    (stored,) = responses()
    assert stored.total == 1 and stored.severity == "minimal" and stored.flags == {"suicide_risk"}
    alert = db.session.scalar(select(Alert))
    assert (alert.kind, alert.response_id, alert.acknowledged_at, alert.escalated_at) == (
        "suicide_risk",
        stored.id,
        None,
        None,
    )
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "alert.raise")) == 1


def test_item_nine_of_zero_raises_no_alert_and_is_never_called_safe(world, login):
    client = login(world["clinician"])
    post(client, world, [3, 3, 3, 3, 3, 3, 3, 3, 0])
    assert db.session.scalar(select(func.count(Alert.id))) == 0
    page = client.get(f"/clients/{world['client'].id}").text.lower()
    assert "safe" not in page.replace("safety", "")


def test_a_program_instrument_is_entered_and_scored_like_the_standard_ones(world, login):
    from tests.factories import make_custom_instrument

    make_custom_instrument(world["program"], key="resilience")  # 3 items 0–4, bands low 0–5, high 6–12
    client = login(world["clinician"])
    form = client.get(new_url(world, "resilience")).text
    assert "I bounced back after setbacks" in form and "Always" in form
    assert post(client, world, [4, 3, None], instrument="resilience").status_code == 422
    response = post(client, world, [4, 3, 2], instrument="resilience")
    assert response.status_code == 303
    stored = responses()[0]
    assert (stored.instrument, stored.total, stored.severity) == ("resilience", 9, "high")
    tab = client.get(f"/clients/{world['client'].id}/assessments").text
    assert "Resilience check" in tab and "<td>High</td>" in tab
