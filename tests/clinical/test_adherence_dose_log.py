"""Dose-log adherence: rate over logged medication-days, coverage, and the label the UI shows."""

from datetime import date, datetime, timedelta

import pytest

from iop.clinical.adherence import (
    DoseEntry,
    DoseLogRate,
    MedicationCourse,
    adherence_label,
    dose_log_rate,
)


def day(number: int) -> date:
    """Day `number` of March 2024."""
    return date(2024, 3, 1) + timedelta(days=number - 1)


ONCE_DAILY = MedicationCourse("sertraline", doses_per_day=1, start=day(1))
WEEK = (day(1), day(7))


def logs(medication_id: str, statuses_by_day: dict[int, str]) -> list[DoseEntry]:
    return [DoseEntry(medication_id, day(number), status) for number, status in statuses_by_day.items()]


def test_every_dose_taken_on_every_day_is_full_adherence():
    entries = logs("sertraline", dict.fromkeys(range(1, 8), "taken"))
    assert dose_log_rate([ONCE_DAILY], entries, *WEEK) == DoseLogRate(
        rate=1.0, coverage=1.0, taken=7.0, scheduled=7, logged_days=7, active_days=7
    )


@pytest.mark.parametrize(
    ("status", "rate"), [("taken", 1.0), ("partial", 0.5), ("missed", 0.0), ("refused", 0.0)]
)
def test_each_status_counts_its_share_of_the_days_doses(status, rate):
    twice_daily = MedicationCourse("lithium", doses_per_day=2, start=day(1))
    result = dose_log_rate([twice_daily], logs("lithium", {3: status}), *WEEK)
    assert result.rate == rate
    assert (result.taken, result.scheduled) == (2 * rate, 2)


def test_rate_counts_only_logged_days_and_coverage_shows_the_rest():
    # 4 taken + 2 partial (1) + missed + refused over 8 logged of 10 active days.
    statuses = {
        1: "taken",
        2: "taken",
        3: "partial",
        4: "missed",
        5: "taken",
        6: "refused",
        7: "partial",
        9: "taken",
    }
    result = dose_log_rate([ONCE_DAILY], logs("sertraline", statuses), day(1), day(10))
    assert result == DoseLogRate(
        rate=5 / 8, coverage=0.8, taken=5.0, scheduled=8, logged_days=8, active_days=10
    )


def test_multiple_medications_with_different_doses_and_active_ranges():
    courses = [
        MedicationCourse("quetiapine", doses_per_day=2, start=date(2024, 2, 1)),  # active all week
        MedicationCourse("naltrexone", doses_per_day=1, start=day(4), end=day(6)),  # 3 active days
        MedicationCourse("bupropion", doses_per_day=3, start=day(1), end=day(2)),  # 2 active days
    ]
    entries = [
        *logs("quetiapine", {1: "taken", 2: "partial", 3: "missed", 4: "taken"}),  # 2 + 1 + 0 + 2 = 5 of 8
        *logs("naltrexone", {4: "taken", 5: "refused"}),  # 1 + 0 of 2
        *logs("bupropion", {2: "partial"}),  # 1.5 of 3
    ]
    result = dose_log_rate(courses, entries, *WEEK)
    assert result.taken == 7.5
    assert result.scheduled == 13
    assert result.rate == 7.5 / 13
    assert (result.logged_days, result.active_days) == (7, 7 + 3 + 2)
    assert result.coverage == 7 / 12


def test_logs_outside_the_window_or_the_course_are_ignored():
    course = MedicationCourse("sertraline", doses_per_day=1, start=day(3), end=day(5))
    entries = logs("sertraline", {1: "missed", 2: "missed", 3: "taken", 4: "taken", 6: "missed", 9: "missed"})
    result = dose_log_rate([course], entries, *WEEK)
    assert (result.rate, result.logged_days, result.active_days) == (1.0, 2, 3)


def test_a_course_that_ended_before_the_window_has_no_active_days():
    course = MedicationCourse("sertraline", doses_per_day=1, start=date(2024, 1, 1), end=date(2024, 2, 29))
    result = dose_log_rate([course], [], *WEEK)
    assert (result.active_days, result.coverage, result.rate) == (0, 0.0, None)


def test_a_later_entry_for_the_same_day_corrects_the_earlier_one():
    entries = [DoseEntry("sertraline", day(2), "missed"), DoseEntry("sertraline", day(2), "taken")]
    result = dose_log_rate([ONCE_DAILY], entries, *WEEK)
    assert (result.rate, result.logged_days) == (1.0, 1)


def test_nothing_logged_is_no_data_not_zero_adherence():
    result = dose_log_rate([ONCE_DAILY], [], *WEEK)
    assert result == DoseLogRate(
        rate=None, coverage=0.0, taken=0.0, scheduled=0, logged_days=0, active_days=7
    )
    assert adherence_label(result) == "not enough data"


def test_no_medications_is_no_data():
    result = dose_log_rate([], [], *WEEK)
    assert (result.rate, result.coverage, result.active_days) == (None, 0.0, 0)
    assert adherence_label(result) == "not enough data"


def test_inputs_may_be_generators():
    entries = (DoseEntry("sertraline", day(n), "taken") for n in range(1, 8))
    assert dose_log_rate(iter([ONCE_DAILY]), entries, *WEEK).rate == 1.0


# --- the label -----------------------------------------------------------------------------------


def result_with(rate: float | None, coverage: float) -> DoseLogRate:
    return DoseLogRate(rate=rate, coverage=coverage, taken=0.0, scheduled=0, logged_days=0, active_days=0)


@pytest.mark.parametrize(
    ("rate", "coverage", "label"),
    [
        (0.80, 1.0, "adherent"),
        (0.7999, 1.0, "not adherent"),
        (1.0, 0.5, "adherent"),  # coverage exactly at the minimum is enough
        (1.0, 0.49, "not enough data"),  # a perfect rate from too few logged days
        (0.2, 0.49, "not enough data"),
        (None, 0.0, "not enough data"),
    ],
)
def test_label_needs_both_a_rate_and_enough_coverage(rate, coverage, label):
    assert adherence_label(result_with(rate, coverage)) == label


def test_minimum_coverage_can_be_set_by_the_caller():
    assert adherence_label(result_with(0.9, 0.6), min_coverage=0.7) == "not enough data"
    assert adherence_label(result_with(0.9, 0.2), min_coverage=0.0) == "adherent"
    assert adherence_label(result_with(None, 0.0), min_coverage=0.0) == "not enough data"
    with pytest.raises(ValueError, match="min_coverage"):
        adherence_label(result_with(0.9, 0.6), min_coverage=1.5)


def test_dose_log_rate_of_exactly_eighty_percent_is_adherent():
    entries = logs("sertraline", {1: "taken", 2: "taken", 3: "taken", 4: "taken", 5: "missed"})
    result = dose_log_rate([ONCE_DAILY], entries, day(1), day(5))
    assert result.rate == 0.8
    assert adherence_label(result) == "adherent"


def test_two_partials_in_ten_days_is_ninety_percent():
    statuses = dict.fromkeys(range(1, 11), "taken") | {4: "partial", 8: "partial"}
    result = dose_log_rate([ONCE_DAILY], logs("sertraline", statuses), day(1), day(10))
    assert result.rate == 0.9


# --- invalid input -------------------------------------------------------------------------------


def test_window_ending_before_it_starts_is_rejected():
    with pytest.raises(ValueError, match="window ends"):
        dose_log_rate([ONCE_DAILY], [], day(7), day(1))


def test_unknown_status_is_rejected():
    with pytest.raises(ValueError, match="status 'skipped' is not one of taken, partial, missed, refused"):
        DoseEntry("sertraline", day(1), "skipped")


def test_log_for_an_unlisted_medication_is_rejected():
    with pytest.raises(ValueError, match="unknown medication lithium"):
        dose_log_rate([ONCE_DAILY], logs("lithium", {2: "taken"}), *WEEK)


def test_the_same_medication_listed_twice_is_rejected():
    with pytest.raises(ValueError, match="listed twice"):
        dose_log_rate([ONCE_DAILY, ONCE_DAILY], [], *WEEK)


@pytest.mark.parametrize("doses_per_day", [0, -1, 1.5, True])
def test_doses_per_day_must_be_a_positive_whole_number(doses_per_day):
    with pytest.raises(ValueError, match="doses per day"):
        MedicationCourse("sertraline", doses_per_day=doses_per_day, start=day(1))


def test_a_course_cannot_end_before_it_starts():
    with pytest.raises(ValueError, match="ends .* before it starts"):
        MedicationCourse("sertraline", doses_per_day=1, start=day(5), end=day(4))


def test_dates_must_be_dates_not_datetimes():
    with pytest.raises(ValueError, match="dose log day must be a date"):
        DoseEntry("sertraline", datetime(2024, 3, 1, 8, 0), "taken")
    with pytest.raises(ValueError, match="start must be a date"):
        MedicationCourse("sertraline", doses_per_day=1, start="2024-03-01")  # type: ignore[arg-type]
