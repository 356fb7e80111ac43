"""Exposure progress: first vs latest anxiety before the same situation."""

from datetime import date, timedelta

import pytest

from iop.clinical.exposure import Exercise, exposure_progress, situation_key

START = date(2026, 9, 7)


def exercise(situation="social events", week=0, before=80, after=50, days=0) -> Exercise:
    return Exercise(situation, START + timedelta(weeks=week, days=days), before, after)


def test_no_exercises_no_progress():
    assert exposure_progress([]) == []


def test_one_exercise_has_nothing_to_compare_yet():
    [progress] = exposure_progress([exercise(before=70, after=40)])
    assert progress.exercises == 1
    assert (progress.first_before, progress.latest_before, progress.latest_after) == (70, 70, 40)
    assert progress.change == 0
    assert progress.describe() == "Anxiety before social events: 70 (one exercise so far)"


def test_first_and_latest_before_ratings_over_six_weeks():
    history = [exercise(week=w, before=b) for w, b in [(0, 80), (1, 75), (3, 60), (6, 45)]]
    [progress] = exposure_progress(history)
    assert progress.describe() == "Anxiety before social events: 80 → 45 over 6 weeks"
    assert (progress.first_on, progress.latest_on) == (START, START + timedelta(weeks=6))
    assert progress.change == -35
    assert progress.exercises == 4


def test_order_of_input_does_not_matter():
    history = [exercise(week=6, before=45), exercise(week=0, before=80), exercise(week=3, before=60)]
    [progress] = exposure_progress(history)
    assert (progress.first_before, progress.latest_before) == (80, 45)


def test_same_day_exercises_keep_the_order_given():
    [progress] = exposure_progress([exercise(before=80, after=70), exercise(before=60, after=30)])
    assert (progress.first_before, progress.latest_before, progress.latest_after) == (80, 60, 30)
    assert progress.describe() == "Anxiety before social events: 80 → 60 on the same day"


def test_rising_anxiety_is_shown_as_it_is():
    [progress] = exposure_progress([exercise(before=40), exercise(week=2, before=65)])
    assert progress.change == 25
    assert progress.describe() == "Anxiety before social events: 40 → 65 over 2 weeks"


@pytest.mark.parametrize(
    ("days", "span"),
    [
        (1, "over 1 day"),
        (6, "over 6 days"),
        (13, "over 13 days"),
        (14, "over 2 weeks"),
        (20, "over 2 weeks"),
        (21, "over 3 weeks"),
        (45, "over 6 weeks"),
    ],
)
def test_span_reads_in_days_then_whole_weeks(days, span):
    [progress] = exposure_progress([exercise(), exercise(days=days, before=50)])
    assert progress.span == span


def test_situations_differing_only_in_case_and_spacing_are_one():
    history = [exercise("Social  events", before=80), exercise(" social events ", week=1, before=70)]
    [progress] = exposure_progress(history)
    assert progress.situation == "Social events"  # as first written, spacing tidied
    assert progress.exercises == 2
    assert situation_key("  Riding THE bus ") == "riding the bus"


def test_each_situation_separately_most_recent_first():
    history = [
        exercise("social events", week=0, before=80),
        exercise("driving", week=1, before=90),
        exercise("social events", week=2, before=60),
        exercise("driving", week=4, before=70),
        exercise("elevators", week=4, before=50),
    ]
    progress = exposure_progress(history)
    assert [p.situation for p in progress] == ["driving", "elevators", "social events"]
    assert [(p.first_before, p.latest_before) for p in progress] == [(90, 70), (50, 50), (80, 60)]


def test_extremes_of_the_scale():
    [progress] = exposure_progress([exercise(before=100, after=100), exercise(week=1, before=0, after=0)])
    assert progress.describe() == "Anxiety before social events: 100 → 0 over 7 days"
