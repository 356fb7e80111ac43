"""Check-in adherence, the program's coping skills, and the self-report questionnaire window: pure rules."""

from datetime import date, timedelta

import pytest

from iop.clinical.checkins import (
    DEFAULT_COPING_SKILLS,
    QUESTIONNAIRE_EXPIRES_AFTER_DAYS,
    Adherence,
    CheckinDay,
    QuestionnaireWindow,
    checkin_adherence,
    coping_skill_problems,
    coping_skills,
    mean,
    questionnaire_window,
    summarise_checkins,
    tidy_coping_skills,
)

MON = date(2026, 11, 30)


def test_adherence_counts_days_with_a_check_in_over_the_window():
    days = [MON, MON + timedelta(days=2), MON + timedelta(days=2), MON - timedelta(days=1)]
    result = checkin_adherence(days, MON, MON + timedelta(days=6), enrolled_on=MON - timedelta(days=30))
    assert result == Adherence(2, 7) and result.rate == pytest.approx(2 / 7)


def test_adherence_starts_on_the_day_of_admission():
    result = checkin_adherence(
        [MON + timedelta(days=5)], MON, MON + timedelta(days=6), enrolled_on=MON + timedelta(days=4)
    )
    assert result == Adherence(1, 3)


def test_adherence_with_no_days_to_count_has_no_rate():
    result = checkin_adherence([], MON, MON + timedelta(days=6), enrolled_on=MON + timedelta(days=10))
    assert result == Adherence(0, 0) and result.rate is None


def test_adherence_of_a_single_day_window():
    assert checkin_adherence([MON], MON, MON, enrolled_on=MON).rate == 1.0


def test_mean_ignores_missing_values_and_is_none_when_empty():
    assert mean([2, None, 4]) == 3 and mean([]) is None and mean([None]) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, DEFAULT_COPING_SKILLS),
        ("", DEFAULT_COPING_SKILLS),
        ("  \n \n", DEFAULT_COPING_SKILLS),
        (" Box breathing \n\nCall my sponsor", ("Box breathing", "Call my sponsor")),
    ],
)
def test_coping_skills_come_from_the_program_or_the_default_list(text, expected):
    assert coping_skills(text) == expected


def test_the_first_questionnaire_is_due_on_admission_and_open_three_days():
    window = questionnaire_window(None, MON, MON)
    assert (window.due_on, window.expires_on) == (MON, MON + timedelta(days=QUESTIONNAIRE_EXPIRES_AFTER_DAYS))
    assert window.is_open(MON) and window.is_open(MON + timedelta(days=3))
    assert not window.is_open(MON - timedelta(days=1))


def test_the_next_is_due_a_week_after_the_latest_and_not_open_before():
    window = questionnaire_window(MON, MON - timedelta(days=14), MON + timedelta(days=3))
    assert window.due_on == MON + timedelta(days=7) and not window.is_open(MON + timedelta(days=3))


@pytest.mark.parametrize(
    ("days_after_due", "expected_due_offset"),
    [(3, 0), (4, 7), (10, 7), (11, 14), (17, 14), (18, 21)],
)
def test_an_expired_window_gives_way_to_the_next_weekly_one(days_after_due, expected_due_offset):
    latest = MON - timedelta(days=7)  # due on MON
    today = MON + timedelta(days=days_after_due)
    window = questionnaire_window(latest, MON - timedelta(days=30), today)
    assert window.due_on == MON + timedelta(days=expected_due_offset)
    assert window.expires_on >= today


def _day(offset, mood=5, cravings=2, sleep=None):
    return CheckinDay(MON + timedelta(days=offset), mood, 4, cravings, 3, sleep)


def test_a_summary_gives_adherence_and_means_of_the_window_only():
    rows = [_day(-1, mood=0), _day(0, mood=4, cravings=6, sleep=6.0), _day(3, mood=6, cravings=2)]
    summary = summarise_checkins(rows, MON, MON + timedelta(days=13), enrolled_on=MON - timedelta(days=40))
    assert summary.adherence == Adherence(2, 14)
    assert (summary.mean_mood, summary.mean_cravings, summary.mean_sleep_hours) == (5, 4, 6.0)


def test_a_summary_without_check_ins_has_no_means():
    summary = summarise_checkins([], MON, MON + timedelta(days=13), enrolled_on=MON)
    assert summary.adherence == Adherence(0, 14)
    assert (summary.mean_mood, summary.mean_anxiety, summary.mean_cravings, summary.mean_sleep_hours) == (
        None,
    ) * 4


def test_a_summary_ignores_check_ins_from_before_admission():
    summary = summarise_checkins(
        [_day(0, mood=1), _day(5, mood=9)], MON, MON + timedelta(days=6), MON + timedelta(days=5)
    )
    assert summary.adherence == Adherence(1, 2) and summary.mean_mood == 9


def test_a_custom_cadence_is_due_that_many_days_after_the_latest_answer():
    window = questionnaire_window(MON, MON - timedelta(days=60), MON + timedelta(days=14), interval_days=14)
    assert (window.due_on, window.expires_on) == (MON + timedelta(days=14), MON + timedelta(days=17))


def test_a_custom_cadence_skips_missed_periods_whole():
    # Due on day 14, closed after day 17: on day 18 the next one is due on day 28.
    window = questionnaire_window(MON, MON - timedelta(days=60), MON + timedelta(days=18), interval_days=14)
    assert window.due_on == MON + timedelta(days=28)


@pytest.mark.parametrize(("interval", "open_days"), [(1, 0), (2, 1), (3, 2), (4, 3), (30, 3)])
def test_a_short_cadence_closes_before_the_next_one_opens(interval, open_days):
    window = questionnaire_window(MON, MON - timedelta(days=60), MON + timedelta(days=interval), interval)
    assert (window.expires_on - window.due_on).days == open_days
    assert window.expires_on < window.due_on + timedelta(days=interval)


def test_a_daily_questionnaire_missed_yesterday_is_due_today_not_late():
    window = questionnaire_window(MON, MON - timedelta(days=60), MON + timedelta(days=3), interval_days=1)
    assert window == QuestionnaireWindow(MON + timedelta(days=3), MON + timedelta(days=3))


def test_a_cadence_below_one_day_is_refused():
    with pytest.raises(ValueError, match="at least one day"):
        questionnaire_window(MON, MON, MON, interval_days=0)


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("Grounding\n  grounding  ", ["List each skill once: “Grounding” is there more than once."]),
        ("\n\n  \n", []),
        ("\n".join(str(n) for n in range(30)), []),
        ("\n".join(str(n) for n in range(31)), ["List at most 30 skills; this list has 31."]),
        ("a" * 80, []),
    ],
)
def test_coping_skill_problems(text, problems):
    assert coping_skill_problems(text) == problems


def test_a_tidied_list_keeps_one_skill_a_line_and_empty_is_none():
    assert tidy_coping_skills(" Box   breathing \r\n\r\n TIPP ") == "Box breathing\nTIPP"
    assert tidy_coping_skills("  \n ") is None


# ---- the roster's worrying-trend marker -----------------------------------------------------------

from iop.clinical.checkins import worrying_trend  # noqa: E402

TODAY = date(2026, 12, 7)


def _series(moods, cravings=None, start_days_ago=None):
    """Check-ins on consecutive days ending today (oldest first), moods and cravings as given."""
    cravings = cravings or [3] * len(moods)
    first = TODAY - timedelta(days=len(moods) - 1 if start_days_ago is None else start_days_ago)
    return [
        CheckinDay(first + timedelta(days=index), mood, 4, craving, 4)
        for index, (mood, craving) in enumerate(zip(moods, cravings, strict=True))
    ]


def test_no_checkins_is_no_trend():
    assert worrying_trend([], TODAY) == ()


def test_steady_checkins_are_no_trend():
    assert worrying_trend(_series([6] * 10), TODAY) == ()


def test_mood_two_points_below_the_seven_before_is_worrying():
    reasons = worrying_trend(_series([6] * 7 + [4, 4, 4]), TODAY)
    assert reasons == ("Mood down from 6.0 to 4.0 (last 3 check-ins)",)


def test_mood_just_under_two_points_below_is_not():
    # 7 before at 6, the latest three 4, 4, 5: a mean of 4.33, a drop of 1.67.
    assert worrying_trend(_series([6] * 7 + [4, 4, 5]), TODAY) == ()


def test_cravings_rising_by_two_is_worrying_and_just_under_is_not():
    rising = worrying_trend(_series([6] * 10, [2] * 7 + [4, 4, 4]), TODAY)
    assert rising == ("Cravings up from 2.0 to 4.0 (last 3 check-ins)",)
    assert worrying_trend(_series([6] * 10, [2] * 7 + [4, 4, 3]), TODAY) == ()


def test_the_comparison_needs_three_earlier_checkins():
    assert worrying_trend(_series([6, 6] + [3, 3, 3]), TODAY) == ()
    assert worrying_trend(_series([6, 6, 6] + [3, 3, 3]), TODAY) == (
        "Mood down from 6.0 to 3.0 (last 3 check-ins)",
    )


def test_only_the_seven_before_the_latest_three_are_the_baseline():
    # An old high mood beyond the 7 earlier check-ins does not count.
    assert worrying_trend(_series([10, 10] + [5] * 7 + [4, 4, 4]), TODAY) == ()


def test_mood_two_in_the_last_three_days_is_worrying_and_three_is_not():
    assert worrying_trend(_series([5, 5, 2, 5]), TODAY) == ("Mood 2 on Dec 6",)
    assert worrying_trend(_series([5, 5, 3, 5]), TODAY) == ()


def test_low_mood_four_days_ago_is_outside_the_last_three_days():
    checkins = [CheckinDay(TODAY - timedelta(days=3), 1, 4, 3, 4), CheckinDay(TODAY, 6, 4, 3, 4)]
    assert worrying_trend(checkins, TODAY) == ()
    checkins[0] = CheckinDay(TODAY - timedelta(days=2), 1, 4, 3, 4)
    assert worrying_trend(checkins, TODAY) == ("Mood 1 on Dec 5",)


def test_checkins_older_than_the_window_are_ignored():
    old = _series([6] * 7 + [3, 3, 3], start_days_ago=40)
    assert worrying_trend(old, TODAY) == ()
    edge = [CheckinDay(TODAY - timedelta(days=27 + index), 6, 4, 3, 4) for index in range(7)]
    latest = [CheckinDay(TODAY - timedelta(days=index), 3, 4, 3, 4) for index in range(3)]
    # Only the earlier check-in dated 27 days ago is inside the 28-day window: too few to compare.
    assert worrying_trend(edge + latest, TODAY) == ()
    inside = [CheckinDay(TODAY - timedelta(days=25 + index), 6, 4, 3, 4) for index in range(3)]
    assert worrying_trend(inside + latest, TODAY) == ("Mood down from 6.0 to 3.0 (last 3 check-ins)",)


def test_several_reasons_are_all_named():
    reasons = worrying_trend(_series([7] * 7 + [4, 4, 1], [1] * 7 + [5, 5, 5]), TODAY)
    assert reasons == (
        "Mood 1 on Dec 7",
        "Mood down from 7.0 to 3.0 (last 3 check-ins)",
        "Cravings up from 1.0 to 5.0 (last 3 check-ins)",
    )
