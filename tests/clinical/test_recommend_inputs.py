"""What the weekly recommendation accepts: its evidence, its thresholds and the weeks it reviews."""

import math
from datetime import date, datetime

import pytest

from iop.clinical.attendance import last_completed_week_end, review_weeks, week_end_of
from iop.clinical.recommend import (
    FAMILY_CONCERNS,
    Evidence,
    ScoreEntry,
    Thresholds,
    ThresholdsError,
    recommend,
)
from iop.clinical.review_reasons import CONCERN_WORDS, day, mean, percent, rating
from iop.clinical.thresholds import DEFAULT_THRESHOLDS, LABELS

WEEK_END = date(2024, 11, 17)


def evidence(**changes) -> Evidence:
    return Evidence(**{"week_end": WEEK_END, "enrolled_on": date(2024, 10, 1), **changes})


# --- evidence ----------------------------------------------------------------------------------


def test_evidence_defaults_are_empty_none_or_false():
    built = Evidence(week_end=WEEK_END, enrolled_on=WEEK_END)
    assert (built.scores, built.goal_ratings, built.family_concerns) == ((), (), ())
    assert built.attendance_rates == (None, None)
    assert (built.adherence, built.mean_participation) == (None, None)
    assert not (built.medication_active or built.goals_exist or built.open_safety_alert)


def test_evidence_is_built_with_keywords_only():
    with pytest.raises(TypeError):
        Evidence(WEEK_END, WEEK_END)


def test_lists_become_tuples_so_evidence_stays_frozen_and_hashable():
    built = evidence(
        scores=[ScoreEntry("phq9", date(2024, 11, 1), 5, ["suicide_risk"])],
        attendance_rates=[0.5, None],
        goal_ratings=[[date(2024, 11, 2), 1]],
        family_concerns=[[date(2024, 11, 3), "withdrawal"]],
    )
    assert built.scores == (ScoreEntry("phq9", date(2024, 11, 1), 5, frozenset({"suicide_risk"})),)
    assert built.attendance_rates == (0.5, None)
    assert built.goal_ratings == ((date(2024, 11, 2), 1),)
    assert built.family_concerns == ((date(2024, 11, 3), "withdrawal"),)
    same_as_tuples = evidence(
        scores=(ScoreEntry("phq9", date(2024, 11, 1), 5, frozenset({"suicide_risk"})),),
        attendance_rates=(0.5, None),
        goal_ratings=((date(2024, 11, 2), 1),),
        family_concerns=((date(2024, 11, 3), "withdrawal"),),
    )
    assert built == same_as_tuples and hash(built) == hash(same_as_tuples)
    with pytest.raises(AttributeError):
        built.week_end = date(2024, 11, 24)


def test_score_entries_may_be_given_as_plain_tuples():
    built = evidence(
        scores=[("gad7", date(2024, 11, 1), 7), ("phq9", date(2024, 11, 1), 9, {"suicide_risk"})]
    )
    assert built.scores == (
        ScoreEntry("gad7", date(2024, 11, 1), 7),
        ScoreEntry("phq9", date(2024, 11, 1), 9, frozenset({"suicide_risk"})),
    )


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ((), frozenset()),
        (["suicide_risk"], {"suicide_risk"}),
        ({"a", "b"}, {"a", "b"}),
        ("suicide_risk", {"suicide_risk"}),
    ],
)
def test_score_flags_are_any_iterable_of_strings(flags, expected):
    assert ScoreEntry("phq9", WEEK_END, 3, flags).flags == frozenset(expected)


@pytest.mark.parametrize(
    ("instrument", "total", "message"),
    [
        ("phq9", 28, "PHQ-9 total on 2024-11-17 28 is outside 0–27"),
        ("phq9", -1, "outside 0–27"),
        ("gad7", 22, "GAD-7 total on 2024-11-17 22 is outside 0–21"),
        ("gad7", 7.5, "must be a whole number"),
        ("phq9", True, "must be a whole number"),
    ],
)
def test_impossible_totals_are_refused(instrument, total, message):
    with pytest.raises(ValueError, match=message):
        ScoreEntry(instrument, WEEK_END, total)


def test_totals_of_other_instruments_are_not_checked_because_they_do_not_drive_the_rules():
    assert ScoreEntry("wsas", WEEK_END, 40).total == 40


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (lambda: ScoreEntry("", WEEK_END, 3), "instrument must be a key"),
        (lambda: ScoreEntry("phq9", datetime(2024, 11, 17, 9), 3), "phq9 day must be a date"),
        (lambda: ScoreEntry("phq9", "2024-11-17", 3), "phq9 day must be a date"),
        (lambda: ScoreEntry("phq9", WEEK_END, 3, [1]), "flags on 2024-11-17 must be strings"),
    ],
)
def test_malformed_score_entries_are_refused(entry, message):
    with pytest.raises(ValueError, match=message):
        entry()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"enrolled_on": date(2024, 11, 18)}, "week_end 2024-11-17 is before enrolled_on 2024-11-18"),
        ({"week_end": datetime(2024, 11, 17)}, "week_end must be a date"),
        ({"enrolled_on": None}, "enrolled_on must be a date"),
        ({"scores": "phq9"}, "scores must be a list or tuple"),
        ({"scores": [("phq9", WEEK_END)]}, "each score must be a ScoreEntry"),
        ({"attendance_rates": (0.5,)}, "needs two rates"),
        ({"attendance_rates": (0.5, 0.5, 0.5)}, "needs two rates"),
        (
            {"attendance_rates": (1.01, 0.5)},
            "attendance rate of the week before must be a number from 0 to 1",
        ),
        ({"attendance_rates": (0.5, -0.1)}, "attendance rate of the reviewed week"),
        ({"attendance_rates": (math.nan, 0.5)}, "attendance rate of the week before"),
        ({"attendance_rates": (True, 0.5)}, "attendance rate of the week before"),
        ({"adherence": 1.2}, "adherence must be a number from 0 to 1"),
        ({"adherence": "80%"}, "adherence must be a number"),
        ({"mean_participation": 0.5}, "mean_participation must be a number from 1 to 5"),
        ({"mean_participation": 5.5}, "mean_participation"),
        ({"medication_active": 1}, "medication_active must be True or False"),
        ({"goals_exist": "yes"}, "goals_exist must be True or False"),
        ({"open_safety_alert": None}, "open_safety_alert must be True or False"),
        ({"goal_ratings": [(WEEK_END, 3)]}, "goal rating on 2024-11-17 must be a whole number from -2 to 2"),
        ({"goal_ratings": [(WEEK_END, 0.5)]}, "whole number from -2 to 2"),
        ({"goal_ratings": [(WEEK_END,)]}, r"each of goal_ratings must be a \(day, value\) pair"),
        ({"goal_ratings": [("2024-11-17", 0)]}, "goal rating day must be a date"),
        (
            {"family_concerns": [(WEEK_END, "anger")]},
            "family concern on 2024-11-17 must be one of safety, substance_use",
        ),
        ({"family_concerns": [(None, "safety")]}, "family concern day must be a date"),
    ],
)
def test_evidence_that_could_make_the_result_wrong_is_refused_with_a_clear_message(changes, message):
    with pytest.raises(ValueError, match=message):
        evidence(**changes)


def test_evidence_may_end_on_the_day_of_enrollment():
    assert Evidence(week_end=WEEK_END, enrolled_on=WEEK_END).enrolled_on == WEEK_END


def test_recommend_needs_evidence():
    with pytest.raises(ValueError, match="recommend needs an Evidence"):
        recommend({"week_end": WEEK_END})


def test_every_family_concern_has_words():
    assert (
        set(CONCERN_WORDS)
        == set(FAMILY_CONCERNS)
        == {"safety", "substance_use", "missed_medication", "withdrawal"}
    )


# --- thresholds --------------------------------------------------------------------------------


def test_default_thresholds_are_those_of_section_5_5():
    assert DEFAULT_THRESHOLDS.as_dict() == {
        "min_days_enrolled": 28,
        "window_days": 14,
        "step_down_total_below": 10,
        "urgent_phq9_total": 20,
        "disengagement_attendance_below": 0.50,
        "step_down_attendance": 0.80,
        "step_down_adherence": 0.80,
        "step_down_participation": 3.0,
        "step_down_goal_rating": 0,
    }
    assert set(LABELS) == set(DEFAULT_THRESHOLDS.as_dict())


def test_thresholds_round_trip_through_their_stored_form():
    custom = Thresholds(min_days_enrolled=21, step_down_attendance=0.75, step_down_participation=3.5)
    assert Thresholds.from_mapping(custom.as_dict()) == custom
    assert Thresholds.from_mapping({}) == DEFAULT_THRESHOLDS


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("min_days_enrolled", -1),
        ("min_days_enrolled", 366),
        ("min_days_enrolled", 28.0),
        ("min_days_enrolled", True),
        ("window_days", 0),
        ("window_days", -14),
        ("step_down_total_below", 0),
        ("step_down_total_below", 22),
        ("urgent_phq9_total", 0),
        ("urgent_phq9_total", 28),
        ("disengagement_attendance_below", -0.1),
        ("disengagement_attendance_below", math.nan),
        ("step_down_attendance", 1.01),
        ("step_down_attendance", "0.8"),
        ("step_down_adherence", 80),
        ("step_down_adherence", math.inf),
        ("step_down_participation", 0.5),
        ("step_down_participation", 5.01),
        ("step_down_goal_rating", -3),
        ("step_down_goal_rating", 3),
        ("step_down_goal_rating", 0.5),
    ],
)
def test_nonsense_thresholds_are_refused_naming_the_field(name, value):
    with pytest.raises(ThresholdsError, match=name) as error:
        Thresholds(**{name: value})
    assert list(error.value.field_errors) == [name]
    assert isinstance(error.value, ValueError)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("min_days_enrolled", 0),
        ("window_days", 1),
        ("step_down_total_below", 1),
        ("step_down_total_below", 21),
        ("urgent_phq9_total", 27),
        ("disengagement_attendance_below", 0),
        ("step_down_attendance", 1),
        ("step_down_adherence", 0),
        ("step_down_participation", 5),
        ("step_down_goal_rating", -2),
        ("step_down_goal_rating", 2),
    ],
)
def test_thresholds_at_the_ends_of_their_ranges_are_accepted(name, value):
    # The urgent PHQ-9 total may not sit below the step-down total, so it moves up with it.
    companion = {"urgent_phq9_total": 21} if name == "step_down_total_below" and value > 20 else {}
    assert getattr(Thresholds(**{name: value}, **companion), name) == value


def test_a_disengagement_rate_above_the_step_down_rate_is_refused():
    assert Thresholds(disengagement_attendance_below=0.8, step_down_attendance=0.8)
    with pytest.raises(
        ThresholdsError, match=r"disengagement_attendance_below \(0.81\) must not be above"
    ) as error:
        Thresholds(disengagement_attendance_below=0.81, step_down_attendance=0.8)
    assert list(error.value.field_errors) == ["disengagement_attendance_below"]


def test_an_urgent_phq9_total_low_enough_to_step_down_is_refused():
    assert Thresholds(urgent_phq9_total=10, step_down_total_below=10)
    with pytest.raises(ThresholdsError, match=r"urgent_phq9_total \(9\) must not be below"):
        Thresholds(urgent_phq9_total=9, step_down_total_below=10)


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(ThresholdsError) as error:
        Thresholds.from_mapping({"window_days": 0, "step_down_adherence": 2, "step_down_goal_rating": 9})
    assert set(error.value.field_errors) == {"window_days", "step_down_adherence", "step_down_goal_rating"}


def test_unknown_threshold_names_are_refused():
    with pytest.raises(ThresholdsError, match="unknown threshold 'phq9_cutoff'"):
        Thresholds.from_mapping({"phq9_cutoff": 10})
    with pytest.raises(ThresholdsError, match="must be a mapping"):
        Thresholds.from_mapping([("window_days", 14)])


def test_thresholds_are_frozen_and_built_with_keywords():
    with pytest.raises(AttributeError):
        DEFAULT_THRESHOLDS.window_days = 7
    with pytest.raises(TypeError):
        Thresholds(28)


# --- the weeks of a review ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "day_in_week",
    [date(2024, 11, 11), date(2024, 11, 14), date(2024, 11, 17)],
    ids=["monday", "thursday", "sunday"],
)
def test_week_end_of_is_the_sunday_of_the_week(day_in_week):
    assert week_end_of(day_in_week) == WEEK_END


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2024, 11, 18), date(2024, 11, 17)),  # a Monday: the week that ended yesterday
        (date(2024, 11, 24), date(2024, 11, 17)),  # a Sunday: its own week is not over
        (date(2025, 1, 1), date(2024, 12, 29)),
    ],
)
def test_last_completed_week_end(today, expected):
    assert last_completed_week_end(today) == expected


def test_review_weeks_are_the_week_before_and_the_reviewed_week():
    assert review_weeks(WEEK_END) == (
        (date(2024, 11, 4), date(2024, 11, 10)),
        (date(2024, 11, 11), date(2024, 11, 17)),
    )


# --- how numbers and dates read ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "text"),
    [
        (0.0, "0 %"),
        (0.4999, "49.9 %"),
        (0.5, "50 %"),
        (0.57, "57 %"),
        (0.7999, "79.9 %"),
        (0.8, "80 %"),
        (1, "100 %"),
    ],
)
def test_percentages_round_down_so_they_never_reach_a_threshold_they_miss(rate, text):
    assert percent(rate) == text


@pytest.mark.parametrize(
    ("value", "text"), [(3, "3.0"), (2.99, "2.99"), (2.999, "2.99"), (3.5, "3.5"), (4.25, "4.25")]
)
def test_means_keep_a_decimal_and_round_down(value, text):
    assert mean(value) == text


@pytest.mark.parametrize(("value", "text"), [(-2, "-2"), (-1, "-1"), (0, "0"), (1, "+1"), (2, "+2")])
def test_goal_ratings_carry_their_sign(value, text):
    assert rating(value) == text


def test_dates_show_the_year_only_when_it_differs_from_the_week_end():
    assert day(date(2024, 11, 4), WEEK_END) == "Nov 4"
    assert day(date(2023, 12, 30), WEEK_END) == "Dec 30, 2023"
