"""When PHQ-9 and GAD-7 are due: at admission, then a week after the latest response."""

from datetime import date

from iop.clinical.due import days_overdue, questionnaire_due_on

ADMITTED = date(2026, 11, 2)


def test_the_first_questionnaire_is_due_on_admission():
    assert questionnaire_due_on(None, ADMITTED) == ADMITTED
    assert days_overdue(None, ADMITTED, ADMITTED) == 0
    assert days_overdue(None, ADMITTED, date(2026, 11, 3)) == 1


def test_the_next_is_due_seven_days_after_the_latest():
    latest = date(2026, 11, 10)
    assert questionnaire_due_on(latest, ADMITTED) == date(2026, 11, 17)
    assert days_overdue(latest, ADMITTED, date(2026, 11, 16)) == 0
    assert days_overdue(latest, ADMITTED, date(2026, 11, 17)) == 0  # due today is not yet overdue
    assert days_overdue(latest, ADMITTED, date(2026, 11, 18)) == 1
