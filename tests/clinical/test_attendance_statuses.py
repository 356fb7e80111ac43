"""The attendance statuses have one owner, iop.clinical.attendance: everything else derives from it."""

from sqlalchemy import CheckConstraint

from iop.clinical import attendance
from iop.models import ABSENT_STATUSES, ATTENDANCE_STATUSES, STATUS_SHORT_LABELS, Attendance


def test_every_status_has_a_label_a_short_label_and_a_default_share():
    assert tuple(attendance.STATUS_LABELS) == attendance.STATUSES
    assert tuple(attendance.STATUS_SHORT_LABELS) == attendance.STATUSES
    assert set(attendance._DEFAULT_SHARE) == set(attendance.STATUSES)


def test_the_absent_statuses_are_statuses_and_are_not_rated():
    assert set(attendance.STATUSES) >= attendance.ABSENT
    assert [s for s in attendance.STATUSES if not attendance.takes_participation(s)] == sorted(
        attendance.ABSENT, key=attendance.STATUSES.index
    )


def test_the_models_names_are_the_clinical_ones():
    assert ATTENDANCE_STATUSES is attendance.STATUS_LABELS
    assert ABSENT_STATUSES is attendance.ABSENT
    assert STATUS_SHORT_LABELS is attendance.STATUS_SHORT_LABELS


def test_the_check_constraint_lists_exactly_the_statuses():
    checks = [c for c in Attendance.__table__.constraints if isinstance(c, CheckConstraint)]
    status_check = next(c for c in checks if c.name.endswith("status"))
    condition = str(status_check.sqltext)
    assert condition == attendance.status_check_sql()
    listed = condition.split("IN (")[1].rstrip(")").replace("'", "").split(", ")
    assert tuple(listed) == attendance.STATUSES
    assert condition.startswith("status IS NULL OR ")  # a row holding only a note
