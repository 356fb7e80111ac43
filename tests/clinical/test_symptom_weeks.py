"""Counted symptoms summed per Monday–Sunday week."""

from datetime import date

from iop.clinical.symptoms import SymptomCount, WeekCell, weekly_counts
from iop.clinical.weeks import week_start, week_starts

MONDAY = date(2026, 11, 16)


def test_week_starts_on_monday():
    assert week_start(date(2026, 11, 22)) == MONDAY  # a Sunday
    assert week_start(MONDAY) == MONDAY
    assert week_start(date(2026, 11, 23)) == date(2026, 11, 23)


def test_week_starts_end_with_the_given_days_week_oldest_first():
    assert week_starts(date(2026, 11, 19), 3) == [date(2026, 11, 2), date(2026, 11, 9), MONDAY]


def test_counts_in_a_week_are_summed_with_the_worst_severity():
    counts = [
        SymptomCount("Panic attacks", date(2026, 11, 16), 2, 5),
        SymptomCount("Panic attacks", date(2026, 11, 22), 1, 8),
        SymptomCount("Panic attacks", date(2026, 11, 20), 0, None),
    ]
    [row] = weekly_counts(counts, [MONDAY])
    assert row.symptom == "Panic attacks"
    assert row.cells == (WeekCell(total=3, worst_severity=8, entries=3),)


def test_unlogged_weeks_are_none_not_zero():
    weeks = week_starts(date(2026, 11, 16), 3)
    [row] = weekly_counts([SymptomCount("Nightmares", date(2026, 11, 11), 0)], weeks)
    assert row.cells == (None, WeekCell(0, None, 1), None)


def test_symptoms_outside_the_weeks_are_left_out_and_names_fold_case():
    weeks = [MONDAY]
    counts = [
        SymptomCount("self-harm urges", date(2026, 11, 17), 1, 4),
        SymptomCount("Self-harm  Urges", date(2026, 11, 18), 2, 3),
        SymptomCount("Binge episodes", date(2026, 11, 1), 5),
        SymptomCount("Anger outbursts", date(2026, 11, 19), 1),
    ]
    rows = weekly_counts(counts, weeks)
    assert [row.symptom for row in rows] == ["Anger outbursts", "self-harm urges"]
    assert rows[1].cells == (WeekCell(3, 4, 2),)


def test_nothing_logged_gives_no_rows():
    assert weekly_counts([], week_starts(MONDAY, 6)) == []
