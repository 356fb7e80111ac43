"""Reliable change, response and remission at their exact thresholds."""

from datetime import date, datetime, timedelta

import pytest

from iop.clinical.change import Change, baseline_and_latest, classify
from iop.clinical.instruments import GAD7, PHQ9, custom_instrument


def flags(change: Change) -> tuple[bool, bool, bool, bool]:
    return (
        change.reliable_improvement,
        change.reliable_deterioration,
        change.response,
        change.remission,
    )


# --- reliable change ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "baseline", "current", "improved", "deteriorated"),
    [
        ("phq9", 15, 10, False, False),  # drop 5
        ("phq9", 15, 9, True, False),  # drop 6
        ("phq9", 27, 0, True, False),  # drop 27
        ("phq9", 10, 15, False, False),  # rise 5
        ("phq9", 10, 16, False, True),  # rise 6
        ("phq9", 0, 27, False, True),
        ("phq9", 12, 12, False, False),
        ("gad7", 12, 9, False, False),  # drop 3
        ("gad7", 12, 8, True, False),  # drop 4
        ("gad7", 8, 11, False, False),  # rise 3
        ("gad7", 8, 12, False, True),  # rise 4
        ("gad7", 21, 0, True, False),
        ("gad7", 0, 21, False, True),
    ],
)
def test_reliable_change_thresholds(key, baseline, current, improved, deteriorated):
    change = classify(key, baseline, current)
    assert change.delta == current - baseline
    assert (change.reliable_improvement, change.reliable_deterioration) == (improved, deteriorated)


@pytest.mark.parametrize(("instrument", "threshold"), [(PHQ9, 6), (GAD7, 4)])
def test_every_pair_of_totals_follows_the_published_rules(instrument, threshold):
    totals = range(instrument.min_total, instrument.max_total + 1)
    for baseline in totals:
        for current in totals:
            change = classify(instrument.key, baseline, current)
            drop = baseline - current
            assert change.delta == -drop
            assert change.reliable_improvement == (drop >= threshold)
            assert change.reliable_deterioration == (-drop >= threshold)
            assert change.response == (baseline > 0 and drop * 2 >= baseline)
            assert change.remission == (current < 5)


def test_classify_records_what_it_compared():
    assert classify("phq9", 18, 7) == Change(
        instrument="phq9",
        baseline=18,
        current=7,
        delta=-11,
        reliable_improvement=True,
        reliable_deterioration=False,
        response=True,
        remission=False,
    )


# --- response and remission --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "baseline", "current", "response"),
    [
        ("phq9", 20, 10, True),  # exactly 50 %
        ("phq9", 20, 11, False),  # 45 %
        ("phq9", 15, 7, True),  # 53 %
        ("phq9", 15, 8, False),  # 46.7 %, just under half of an odd baseline
        ("phq9", 1, 0, True),
        ("phq9", 27, 13, True),  # 51.9 %
        ("phq9", 27, 14, False),  # 48.1 %
        ("gad7", 14, 7, True),
        ("gad7", 14, 8, False),
        ("gad7", 21, 10, True),
        ("gad7", 21, 11, False),
    ],
)
def test_response_is_a_drop_of_at_least_half(key, baseline, current, response):
    assert classify(key, baseline, current).response is response


@pytest.mark.parametrize("key", ["phq9", "gad7"])
def test_baseline_zero_can_never_respond(key):
    change = classify(key, 0, 0)
    assert change.response is False
    assert change.remission is True  # still below 5


@pytest.mark.parametrize(
    ("key", "current", "remission"),
    [("phq9", 4, True), ("phq9", 5, False), ("gad7", 4, True), ("gad7", 5, False)],
)
def test_remission_is_current_below_five(key, current, remission):
    assert classify(key, 12, current).remission is remission


def test_remission_without_response_and_response_without_remission():
    assert flags(classify("phq9", 6, 4)) == (False, False, False, True)
    assert flags(classify("phq9", 24, 12)) == (True, False, True, False)


# --- invalid input -----------------------------------------------------------------------------


def test_unknown_instrument_is_a_value_error():
    with pytest.raises(ValueError, match="unknown instrument 'xyz'"):
        classify("xyz", 10, 5)


@pytest.mark.parametrize(
    ("key", "baseline", "current", "message"),
    [
        ("phq9", 28, 5, "PHQ-9 baseline 28 is outside 0–27"),
        ("phq9", 5, -1, "PHQ-9 current total -1 is outside 0–27"),
        ("gad7", 22, 5, "GAD-7 baseline 22 is outside 0–21"),
        ("gad7", 5, 7.0, "GAD-7 current total must be a whole number, got 7.0"),
        ("gad7", True, 5, "GAD-7 baseline must be a whole number, got True"),
        ("phq9", None, 5, "PHQ-9 baseline must be a whole number, got None"),
    ],
)
def test_totals_outside_the_instrument_are_rejected(key, baseline, current, message):
    with pytest.raises(ValueError) as caught:
        classify(key, baseline, current)
    assert str(caught.value) == message


# --- custom instruments ------------------------------------------------------------------------


def custom(higher_is_better: bool, reliable_change: int | None):
    """Five items scored 1–5: totals 5–25."""
    return custom_instrument(
        "custom",
        "Custom scale",
        ["a", "b", "c", "d", "e"],
        1,
        5,
        higher_is_better=higher_is_better,
        reliable_change=reliable_change,
    )


@pytest.mark.parametrize(
    ("baseline", "current", "improved", "deteriorated"),
    [(10, 13, False, False), (10, 14, True, False), (14, 11, False, False), (14, 10, False, True)],
)
def test_higher_is_better_custom_instrument_improves_upwards(baseline, current, improved, deteriorated):
    change = classify(custom(higher_is_better=True, reliable_change=4), baseline, current)
    assert change.delta == current - baseline
    assert (change.reliable_improvement, change.reliable_deterioration) == (improved, deteriorated)


@pytest.mark.parametrize(
    ("baseline", "current", "improved", "deteriorated"),
    [(14, 11, False, False), (14, 10, True, False), (10, 13, False, False), (10, 14, False, True)],
)
def test_lower_is_better_custom_instrument_improves_downwards(baseline, current, improved, deteriorated):
    change = classify(custom(higher_is_better=False, reliable_change=4), baseline, current)
    assert (change.reliable_improvement, change.reliable_deterioration) == (improved, deteriorated)


@pytest.mark.parametrize("higher_is_better", [True, False])
def test_custom_instrument_without_threshold_is_never_reliable(higher_is_better):
    instrument = custom(higher_is_better, reliable_change=None)
    assert flags(classify(instrument, 5, 25)) == (False, False, False, False)
    assert flags(classify(instrument, 25, 5)) == (False, False, False, False)


def test_custom_instrument_never_reports_response_or_remission():
    # 20 -> 5 would be a response and a remission on PHQ-9, but those cut-offs mean nothing here.
    change = classify(custom(higher_is_better=False, reliable_change=4), 20, 5)
    assert flags(change) == (True, False, False, False)
    assert change.instrument == "custom"


def test_custom_totals_outside_the_custom_range_are_rejected():
    with pytest.raises(ValueError, match="Custom scale baseline 4 is outside 5–25"):
        classify(custom(False, 4), 4, 10)


def test_standard_instrument_objects_work_like_their_keys():
    assert classify(PHQ9, 20, 10) == classify("phq9", 20, 10)
    assert classify(GAD7, 20, 3) == classify("gad7", 20, 3)


# --- baseline and latest -----------------------------------------------------------------------


def test_baseline_and_latest_is_none_without_responses():
    assert baseline_and_latest([]) is None
    assert baseline_and_latest(iter(())) is None


def test_baseline_and_latest_orders_by_time_not_input_order():
    responses = [
        (date(2024, 3, 15), 9),
        (date(2024, 3, 1), 18),
        (date(2024, 3, 29), 6),
        (date(2024, 3, 8), 14),
    ]
    assert baseline_and_latest(responses) == (18, 6)


def test_a_single_response_is_both_baseline_and_latest():
    assert baseline_and_latest([(date(2024, 3, 1), 12)]) == (12, 12)


def test_baseline_and_latest_accepts_datetimes_and_generators():
    start = datetime(2024, 3, 1, 9, 0)
    responses = ((start + timedelta(hours=hours), total) for hours, total in [(5, 11), (0, 20), (30, 8)])
    assert baseline_and_latest(responses) == (20, 8)


def test_same_time_ties_keep_the_first_baseline_and_the_last_latest():
    same_day = date(2024, 3, 1)
    assert baseline_and_latest([(same_day, 15), (same_day, 16), (same_day, 14)]) == (15, 14)
