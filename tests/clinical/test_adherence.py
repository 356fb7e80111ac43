"""PDC from pharmacy fills, exactly as DESIGN §5.3 describes it, and the adherence threshold."""

from collections import namedtuple
from datetime import date, datetime, timedelta
from itertools import permutations

import pytest

from iop.clinical.adherence import (
    ADHERENT_THRESHOLD,
    adherence_label,
    is_adherent,
    pdc,
)


def day(number: int) -> date:
    """Day `number` of a 31-day March 2024 (day 32 is April 1, day 0 is February 29)."""
    return date(2024, 3, 1) + timedelta(days=number - 1)


MARCH = (day(1), day(31))


# --- PDC ---------------------------------------------------------------------------------------


def test_one_fill_covering_the_whole_window_is_full_adherence():
    assert pdc([(day(1), 31)], *MARCH) == 1.0


def test_no_fills_is_zero():
    assert pdc([], *MARCH) == 0.0


def test_gaps_between_fills_are_uncovered_days():
    # Days 1–10 and 16–25 covered: 20 of 31.
    assert pdc([(day(1), 10), (day(16), 10)], *MARCH) == 20 / 31


def test_a_fill_is_inclusive_of_its_first_day_only_for_its_supply():
    # A 1-day fill covers just its own day.
    assert pdc([(day(5), 1)], *MARCH) == 1 / 31


def test_an_early_refill_is_shifted_to_after_the_supply_on_hand():
    # Days 1–20, then the day-15 refill is used from day 21: days 21–30. 30 of 31.
    assert pdc([(day(1), 20), (day(15), 10)], *MARCH) == 30 / 31


def test_a_chain_of_early_refills_shifts_each_one_forward():
    # Day 1 covers 1–10, day 3 shifts to 11–20, day 5 shifts to 21–30.
    assert pdc([(day(1), 10), (day(3), 10), (day(5), 10)], *MARCH) == 30 / 31


def test_a_refill_starting_inside_shifted_supply_is_shifted_again():
    # Day 1 covers 1–10, day 5 shifts to 11–20, day 15 starts while that supply remains: 21–30.
    assert pdc([(day(1), 10), (day(5), 10), (day(15), 10)], *MARCH) == 30 / 31


def test_a_refill_after_supply_runs_out_is_not_shifted():
    # Day 1 covers 1–10; day 11 is the day after the supply ends, so it starts on time.
    assert pdc([(day(1), 10), (day(11), 10)], *MARCH) == 20 / 31
    assert pdc([(day(1), 10), (day(13), 10)], *MARCH) == 20 / 31


def test_two_fills_on_the_same_day_run_back_to_back():
    assert pdc([(day(1), 10), (day(1), 10)], *MARCH) == 20 / 31


def test_a_fill_before_the_window_counts_the_days_it_covers_inside():
    # February 20 + 30 days covers February 20 – March 20: 20 days of March.
    assert pdc([(date(2024, 2, 20), 30)], *MARCH) == 20 / 31


def test_a_fill_before_the_window_pushes_a_refill_inside_it():
    # Supply until March 20, so the March 10 fill covers March 21 – April 4: all of March.
    assert pdc([(date(2024, 2, 20), 30), (day(10), 15)], *MARCH) == 1.0


def test_a_fill_used_up_before_the_window_counts_nothing():
    assert pdc([(date(2024, 1, 1), 30)], *MARCH) == 0.0
    assert pdc([(date(2024, 2, 1), 29)], *MARCH) == 0.0  # covers February 1–29, ends the day before


def test_supply_past_the_window_end_is_ignored():
    # Day 25 with 90 days' supply covers days 25–31 inside March: 7 of 31.
    assert pdc([(day(25), 90)], *MARCH) == 7 / 31


def test_a_fill_after_the_window_counts_nothing():
    assert pdc([(day(32), 30)], *MARCH) == 0.0


def test_fills_in_any_order_give_the_same_result():
    fills = [(date(2024, 2, 25), 10), (day(1), 10), (day(18), 5), (day(28), 30), (day(5), 7)]
    expected = pdc(sorted(fills), *MARCH)
    for order in permutations(fills):
        assert pdc(list(order), *MARCH) == expected
    # 25 Feb covers to 5 Mar; 1 Mar → 6–15; 5 Mar → 16–22; 18 Mar → 23–27; 28 Mar → 28–31: all 31.
    assert expected == 1.0


def test_result_is_capped_at_one_even_with_far_more_supply_than_days():
    fills = [(day(1), 90), (day(2), 90), (date(2024, 1, 1), 365), (day(31), 1)]
    assert pdc(fills, *MARCH) == 1.0


def test_a_huge_supply_does_not_overflow_the_calendar():
    assert pdc([(day(1), 10**9)], *MARCH) == 1.0


@pytest.mark.parametrize(
    ("fills", "expected"),
    [
        ([(day(5), 1)], 1.0),
        ([(day(4), 2)], 1.0),
        ([(day(4), 1)], 0.0),
        ([(day(6), 10)], 0.0),
        ([(day(1), 3), (day(2), 1)], 0.0),  # the day-2 fill is shifted to day 4
        ([(day(1), 3), (day(2), 2)], 1.0),  # shifted to days 4–5
        ([], 0.0),
    ],
)
def test_a_single_day_window(fills, expected):
    assert pdc(fills, day(5), day(5)) == expected


def test_fills_may_be_any_iterable_of_pairs():
    Fill = namedtuple("Fill", "fill_date days_supply")
    assert pdc((Fill(day(1), 10) for _ in range(1)), *MARCH) == 10 / 31


def test_pdc_returns_a_float():
    assert isinstance(pdc([(day(1), 31)], *MARCH), float)


def test_window_ending_before_it_starts_is_rejected():
    with pytest.raises(ValueError, match="window ends"):
        pdc([], day(2), day(1))


@pytest.mark.parametrize("days_supply", [0, -5, 1.5, 30.0, True, "30", None])
def test_days_supply_must_be_a_positive_whole_number(days_supply):
    with pytest.raises(ValueError, match="days' supply must be a positive whole number, got"):
        pdc([(day(1), days_supply)], *MARCH)


@pytest.mark.parametrize("fill_date", [datetime(2024, 3, 1, 9, 0), "2024-03-01", None])
def test_fill_date_must_be_a_date(fill_date):
    with pytest.raises(ValueError, match="fill date must be a date"):
        pdc([(fill_date, 10)], *MARCH)


def test_window_limits_must_be_dates():
    with pytest.raises(ValueError, match="window start must be a date"):
        pdc([], datetime(2024, 3, 1), day(31))


# --- the adherence threshold -------------------------------------------------------------------


def test_threshold_is_the_pqa_eighty_percent():
    assert ADHERENT_THRESHOLD == 0.80


@pytest.mark.parametrize(
    ("value", "adherent"),
    [(0.80, True), (0.7999, False), (0.8000001, True), (1.0, True), (1, True), (0.0, False), (0, False)],
)
def test_is_adherent_at_the_threshold(value, adherent):
    assert is_adherent(value) is adherent


def test_no_data_is_never_adherent():
    assert is_adherent(None) is False
    assert adherence_label(None) == "not enough data"


@pytest.mark.parametrize("value", [1.2, -0.1, "0.9", True])
def test_is_adherent_rejects_what_is_not_a_proportion(value):
    with pytest.raises(ValueError, match="adherence must be a proportion"):
        is_adherent(value)


def test_pdc_of_exactly_eighty_percent_is_adherent():
    value = pdc([(day(1), 24)], day(1), day(30))
    assert value == 0.8
    assert is_adherent(value)
    assert adherence_label(value) == "adherent"


def test_pdc_just_under_eighty_percent_is_not_adherent():
    value = pdc([(day(1), 23)], day(1), day(30))
    assert adherence_label(value) == "not adherent"
    assert adherence_label(0.7999) == "not adherent"
