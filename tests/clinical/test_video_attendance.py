"""The proposal rule of a participant report: intervals merged and clipped, both edges of each threshold."""

from datetime import UTC, datetime, timedelta

import pytest

from iop.clinical.video_attendance import (
    ABSENT_BELOW_MINUTES,
    LATE_AFTER,
    LEFT_EARLY_BEFORE,
    merge_intervals,
    propose,
)

START = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
END = START + timedelta(minutes=180)
SECOND = timedelta(seconds=1)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def test_overlapping_and_touching_intervals_merge_once():
    merged = merge_intervals([(at(50), at(100)), (at(0), at(60)), (at(100), at(120))], START, END)
    assert merged == [(at(0), at(120))]


def test_separate_intervals_stay_apart_in_time_order():
    assert merge_intervals([(at(90), at(180)), (at(0), at(60))], START, END) == [
        (at(0), at(60)),
        (at(90), at(180)),
    ]


def test_intervals_are_clipped_to_the_scheduled_time():
    assert merge_intervals([(at(-30), at(20)), (at(170), at(240))], START, END) == [
        (START, at(20)),
        (at(170), END),
    ]


def test_intervals_outside_the_session_or_backwards_count_for_nothing():
    assert merge_intervals([(at(-60), at(-1)), (at(181), at(200)), (at(50), at(40))], START, END) == []


def test_a_nested_interval_adds_nothing():
    assert merge_intervals([(at(0), at(180)), (at(30), at(40))], START, END) == [(START, END)]


def test_whole_session_is_present_for_its_full_length():
    proposal = propose([(at(-5), at(185))], START, END)
    assert (proposal.status, proposal.minutes_attended, proposal.stretches) == ("present", 180, 1)


def test_no_intervals_is_absent_unexcused_with_no_minutes():
    proposal = propose([], START, END)
    assert (proposal.status, proposal.minutes_attended, proposal.first_join) == ("absent_unexcused", 0, None)


def test_joins_leaves_and_rejoins_are_summed():
    proposal = propose([(at(0), at(60)), (at(70), at(180))], START, END)
    assert (proposal.status, proposal.minutes_attended, proposal.stretches) == ("present", 170, 2)


def test_overlapping_rows_from_two_devices_count_once():
    proposal = propose([(at(0), at(180)), (at(10), at(100))], START, END)
    assert proposal.minutes_attended == 180


def test_minutes_round_down():
    proposal = propose([(START, at(100) - SECOND)], START, END)
    assert proposal.minutes_attended == 99


@pytest.mark.parametrize(
    ("seconds", "status"),
    [(ABSENT_BELOW_MINUTES * 60 - 1, "absent_unexcused"), (ABSENT_BELOW_MINUTES * 60, "left_early")],
)
def test_absent_below_five_minutes_edge(seconds, status):
    proposal = propose([(START, START + timedelta(seconds=seconds))], START, END)
    assert proposal.status == status
    assert proposal.minutes_attended == (0 if status.startswith("absent") else ABSENT_BELOW_MINUTES)


@pytest.mark.parametrize(("late_by", "status"), [(LATE_AFTER, "present"), (LATE_AFTER + SECOND, "late")])
def test_late_edge(late_by, status):
    proposal = propose([(START + late_by, END)], START, END)
    assert proposal.status == status


@pytest.mark.parametrize(
    ("early_by", "status"), [(LEFT_EARLY_BEFORE, "present"), (LEFT_EARLY_BEFORE + SECOND, "left_early")]
)
def test_left_early_edge(early_by, status):
    proposal = propose([(START, END - early_by)], START, END)
    assert proposal.status == status


def test_late_and_left_early_names_the_larger_loss():
    assert propose([(at(30), at(170))], START, END).status == "late"
    assert propose([(at(15), at(120))], START, END).status == "left_early"


def test_late_and_left_early_by_the_same_time_is_late():
    proposal = propose([(at(20), at(160))], START, END)
    assert (proposal.status, proposal.late_minutes, proposal.left_early_minutes) == ("late", 20, 20)


def test_a_gap_in_the_middle_keeps_present_with_fewer_minutes():
    proposal = propose([(at(0), at(30)), (at(120), at(180))], START, END)
    assert (proposal.status, proposal.minutes_attended) == ("present", 90)


def test_time_before_the_start_does_not_make_anyone_on_time():
    proposal = propose([(at(-20), at(-5)), (at(25), END)], START, END)
    assert (proposal.status, proposal.late_minutes, proposal.minutes_attended) == ("late", 25, 155)
