"""Admins change a program's review thresholds; bad numbers come back field by field as typed."""

from sqlalchemy import select

from iop.extensions import db
from iop.models import AuditEvent
from tests.factories import make_program, make_user


def test_the_form_shows_the_defaults_and_saves_a_change(app, login):
    program = make_program()
    admin = make_user("admin", programs=[program])
    client = login(admin)
    page = client.get(f"/admin/programs/{program.id}/thresholds").get_data(as_text=True)
    assert 'name="min_days_enrolled"' in page and 'value="28"' in page
    data = {**program.review_thresholds.as_dict(), "min_days_enrolled": 35, "step_down_attendance": 0.75}
    response = client.post(f"/admin/programs/{program.id}/thresholds", data=data)
    assert response.status_code == 303
    db.session.expire_all()
    thresholds = db.session.get(type(program), program.id).review_thresholds
    assert (thresholds.min_days_enrolled, thresholds.step_down_attendance) == (35, 0.75)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "program.thresholds")) is not None


def test_bad_thresholds_come_back_with_a_message_per_field_and_what_was_typed(app, login):
    program = make_program()
    client = login(make_user("admin", programs=[program]))
    data = {
        **program.review_thresholds.as_dict(),
        "window_days": 0,
        "urgent_phq9_total": 5,
        "step_down_adherence": "",
    }
    response = client.post(f"/admin/programs/{program.id}/thresholds", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a number." in html  # step_down_adherence left empty
    assert 'value="0"' in html and 'value="5"' in html
    db.session.expire_all()
    assert db.session.get(type(program), program.id).review_thresholds_json is None


def test_numbers_that_contradict_each_other_are_refused(app, login):
    program = make_program()
    client = login(make_user("admin", programs=[program]))
    data = {**program.review_thresholds.as_dict(), "urgent_phq9_total": 5}
    html = client.post(f"/admin/programs/{program.id}/thresholds", data=data).get_data(as_text=True)
    assert "cannot also call for an urgent review" in html
