"""The weekly recommendation (DESIGN.md §5.5): every rule at both edges of its window and threshold."""

from datetime import date, timedelta

import pytest

from iop.clinical.recommend import (
    CONTINUE,
    DISENGAGEMENT_REVIEW,
    STEP_DOWN_CANDIDATE,
    URGENT_REVIEW,
    Evidence,
    Recommendation,
    ScoreEntry,
    Thresholds,
    recommend,
)

WEEK_END = date(2024, 11, 17)  # a Sunday: the reviewed week is Mon Nov 11 … Sun Nov 17


def days_back(days: int) -> date:
    return WEEK_END - timedelta(days=days)


def phq9(days: int, total: int, *flags: str) -> ScoreEntry:
    return ScoreEntry("phq9", days_back(days), total, frozenset(flags))


def gad7(days: int, total: int, *flags: str) -> ScoreEntry:
    return ScoreEntry("gad7", days_back(days), total, frozenset(flags))


READY_SCORES = (phq9(40, 16), phq9(3, 6), gad7(40, 12), gad7(3, 5))


def ready(**changes) -> Evidence:
    """Evidence meeting every step-down condition with room to spare; each test changes one thing."""
    values = {
        "week_end": WEEK_END,
        "enrolled_on": days_back(41),  # 42 days enrolled
        "scores": READY_SCORES,  # PHQ-9 16 → 6 and GAD-7 12 → 5: both responses
        "attendance_rates": (0.9, 0.95),
        "medication_active": True,
        "adherence": 0.9,
        "mean_participation": 3.8,
        "goals_exist": True,
        "goal_ratings": ((days_back(5), 1),),
    }
    values.update(changes)
    return Evidence(**values)


def kind_of(evidence: Evidence, thresholds=None) -> str:
    return recommend(evidence, thresholds).kind


# --- step-down candidate: the evidence every other test starts from ----------------------------


def test_evidence_meeting_every_condition_is_a_step_down_candidate_with_each_condition_as_a_reason():
    result = recommend(ready())
    assert result == Recommendation(
        STEP_DOWN_CANDIDATE,
        (
            "enrolled 42 days — 28 or more",
            "PHQ-9 6 on Nov 14 — below 10, from 16 on Oct 8 (response)",
            "GAD-7 5 on Nov 14 — below 10, from 12 on Oct 8 (response)",
            "attendance 90 % in the week of Nov 4 and 95 % in the week of Nov 11 — 80 % or more both weeks",
            "medication adherence 90 % over the last 14 days — 80 % or more",
            "mean participation 3.8 over the last 14 days — 3.0 or more",
            "goal rated +1 on Nov 12 — 0 or better",
        ),
    )


def test_the_thresholds_argument_is_optional_and_defaults_to_section_5_5():
    assert recommend(ready()) == recommend(ready(), None) == recommend(ready(), Thresholds())


# --- rule 1: urgent review ---------------------------------------------------------------------


def test_an_unacknowledged_safety_alert_is_urgent_whatever_else_is_known():
    result = recommend(ready(open_safety_alert=True))
    assert result.kind == URGENT_REVIEW
    assert result.reasons == ("safety alert still unacknowledged at the end of the week (Nov 17)",)


def test_an_unacknowledged_safety_alert_is_urgent_even_with_no_other_evidence():
    evidence = Evidence(week_end=WEEK_END, enrolled_on=WEEK_END, open_safety_alert=True)
    assert kind_of(evidence) == URGENT_REVIEW


@pytest.mark.parametrize(
    ("days", "urgent"),
    [(0, True), (13, True), (14, False), (30, False), (-1, False)],
    ids=["week_end", "13 days back", "14 days back", "30 days back", "after week_end"],
)
def test_suicide_risk_flag_counts_in_the_last_14_days_only(days, urgent):
    evidence = ready(scores=(*READY_SCORES, phq9(days, 4, "suicide_risk")))
    result = recommend(evidence)
    assert (result.kind == URGENT_REVIEW) == urgent
    if urgent:
        day = days_back(days)
        assert f"PHQ-9 on Nov {day.day} flags suicide risk (item 9 answered above 0)" in result.reasons


def test_suicide_risk_flag_on_an_older_phq9_is_urgent_even_when_a_later_one_is_clear():
    evidence = ready(scores=(phq9(40, 16), phq9(10, 8, "suicide_risk"), phq9(3, 6), gad7(40, 12), gad7(3, 5)))
    assert recommend(evidence).reasons == ("PHQ-9 on Nov 7 flags suicide risk (item 9 answered above 0)",)


def test_suicide_risk_flag_on_another_instrument_is_not_ignored():
    evidence = ready(
        scores=(*READY_SCORES, ScoreEntry("cssrs", days_back(2), 3, frozenset({"suicide_risk"})))
    )
    result = recommend(evidence)
    assert result.kind == URGENT_REVIEW
    assert result.reasons == ("cssrs on Nov 15 flags suicide risk",)


@pytest.mark.parametrize(
    ("days", "urgent"),
    [(0, True), (13, True), (14, False), (-1, False)],
    ids=["week_end", "13 days back", "14 days back", "after week_end"],
)
def test_family_safety_concern_counts_in_the_last_14_days_only(days, urgent):
    result = recommend(ready(family_concerns=((days_back(days), "safety"),)))
    assert (result.kind == URGENT_REVIEW) == urgent
    if urgent:
        assert result.reasons == (f"family reported a safety concern on Nov {days_back(days).day}",)


@pytest.mark.parametrize(
    ("scores", "urgent"),
    [
        ((phq9(40, 3), phq9(3, 9), gad7(3, 5)), True),  # PHQ-9 rise 6
        ((phq9(40, 3), phq9(3, 8), gad7(40, 12), gad7(3, 5)), False),  # rise 5
        ((gad7(40, 2), gad7(3, 6)), True),  # GAD-7 rise 4
        ((gad7(40, 2), gad7(3, 5), phq9(3, 4)), False),  # rise 3
    ],
    ids=["phq9 +6", "phq9 +5", "gad7 +4", "gad7 +3"],
)
def test_reliable_deterioration_of_the_latest_score_is_urgent_at_the_published_amounts(scores, urgent):
    assert (kind_of(ready(scores=scores)) == URGENT_REVIEW) == urgent


def test_a_rise_just_short_of_reliable_can_still_step_down_when_the_other_instrument_improved():
    # PHQ-9 3 → 8 is neither reliable deterioration nor above 10; GAD-7 12 → 5 is a response.
    assert kind_of(ready(scores=(phq9(40, 3), phq9(3, 8), gad7(40, 12), gad7(3, 5)))) == STEP_DOWN_CANDIDATE


def test_deterioration_reason_names_both_totals_their_dates_and_the_amount():
    result = recommend(ready(scores=(phq9(40, 3), phq9(3, 9), gad7(40, 2), gad7(2, 6))))
    assert result.reasons == (
        "PHQ-9 rose from 3 on Oct 8 to 9 on Nov 14, a reliable deterioration (6 or more)",
        "GAD-7 rose from 2 on Oct 8 to 6 on Nov 15, a reliable deterioration (4 or more)",
    )


@pytest.mark.parametrize(("days", "urgent"), [(13, True), (14, False)])
def test_deterioration_is_urgent_only_when_the_latest_score_is_from_the_last_14_days(days, urgent):
    result = recommend(ready(scores=(phq9(40, 3), phq9(days, 9))))
    assert (result.kind == URGENT_REVIEW) == urgent
    if not urgent:
        # Too old to be urgent, but a deterioration still stands in the way of a step-down.
        assert result.kind == CONTINUE
        assert result.reasons[:2] == (
            "no PHQ-9 in the last 14 days (last on Nov 3)",
            "PHQ-9 rose from 3 on Oct 8 to 9 on Nov 3, a reliable deterioration (6 or more)",
        )


@pytest.mark.parametrize(("total", "urgent"), [(19, False), (20, True), (27, True)])
def test_latest_phq9_of_20_or_more_is_urgent(total, urgent):
    result = recommend(ready(scores=(phq9(40, total), phq9(3, total))))
    assert (result.kind == URGENT_REVIEW) == urgent
    if urgent:
        assert result.reasons == (f"PHQ-9 {total} on Nov 14 (severe) — 20 or more needs an urgent review",)
    else:
        assert "PHQ-9 19 on Nov 14 — needs < 10 to step down" in result.reasons


@pytest.mark.parametrize(("days", "urgent"), [(13, True), (14, False)])
def test_phq9_of_20_counts_only_when_the_latest_is_from_the_last_14_days(days, urgent):
    assert (kind_of(ready(scores=(phq9(40, 22), phq9(days, 22)))) == URGENT_REVIEW) == urgent


def test_an_earlier_phq9_of_20_does_not_make_a_lower_latest_urgent():
    assert kind_of(ready(scores=(phq9(40, 22), phq9(10, 21), phq9(3, 12)))) == CONTINUE


def test_gad7_at_its_maximum_is_not_urgent_by_total_alone():
    result = recommend(ready(scores=(gad7(40, 21), gad7(3, 21))))
    assert result.kind == CONTINUE
    assert "GAD-7 21 on Nov 14 — needs < 10 to step down" in result.reasons


def test_every_urgent_trigger_present_is_its_own_reason():
    evidence = ready(
        open_safety_alert=True,
        scores=(phq9(40, 8), phq9(2, 22, "suicide_risk"), gad7(40, 3), gad7(1, 9)),
        family_concerns=((days_back(4), "safety"), (days_back(6), "safety")),
    )
    assert recommend(evidence).reasons == (
        "safety alert still unacknowledged at the end of the week (Nov 17)",
        "PHQ-9 on Nov 15 flags suicide risk (item 9 answered above 0)",
        "family reported a safety concern on Nov 11",
        "family reported a safety concern on Nov 13",
        "PHQ-9 rose from 8 on Oct 8 to 22 on Nov 15, a reliable deterioration (6 or more)",
        "GAD-7 rose from 3 on Oct 8 to 9 on Nov 16, a reliable deterioration (4 or more)",
        "PHQ-9 22 on Nov 15 (severe) — 20 or more needs an urgent review",
    )


def test_scores_after_week_end_neither_trigger_nor_calm_an_urgent_review():
    assert kind_of(ready(scores=(*READY_SCORES, phq9(-1, 25)))) == STEP_DOWN_CANDIDATE
    # A low PHQ-9 the day after does not undo this week's severe one.
    assert kind_of(ready(scores=(phq9(40, 22), phq9(3, 22), phq9(-1, 2)))) == URGENT_REVIEW


# --- rule 2: disengagement review --------------------------------------------------------------


@pytest.mark.parametrize(
    ("rates", "disengaged"),
    [
        ((0.4999, 0.4999), True),
        ((0.0, 0.0), True),
        ((0.50, 0.10), False),
        ((0.10, 0.50), False),
        ((0.50, 0.50), False),
        ((None, 0.10), False),
        ((0.10, None), False),
        ((None, None), False),
    ],
)
def test_disengagement_needs_attendance_below_half_in_both_weeks(rates, disengaged):
    assert (kind_of(ready(attendance_rates=rates)) == DISENGAGEMENT_REVIEW) == disengaged


def test_disengagement_reason_names_both_weeks_and_never_rounds_up_to_the_threshold():
    result = recommend(ready(attendance_rates=(0.4999, 0.25)))
    assert result.reasons == (
        "attendance 49.9 % in the week of Nov 4 and 25 % in the week of Nov 11 — below 50 % both weeks",
    )


def test_a_week_with_nothing_scheduled_is_not_disengagement_but_is_named_as_unknown():
    result = recommend(ready(attendance_rates=(None, 0.1)))
    assert result.kind == CONTINUE
    assert result.reasons == (
        "attendance unknown in the week of Nov 4 (nothing scheduled) and 10 % in the week of Nov 11"
        " — needs 80 % or more both weeks to step down",
    )


# --- precedence --------------------------------------------------------------------------------


def test_urgent_review_comes_before_disengagement():
    result = recommend(ready(attendance_rates=(0.1, 0.1), open_safety_alert=True))
    assert result.kind == URGENT_REVIEW
    assert not any("attendance" in reason for reason in result.reasons)


def test_disengagement_comes_before_the_step_down_conditions_it_leaves_unmet():
    evidence = Evidence(week_end=WEEK_END, enrolled_on=days_back(3), attendance_rates=(0.2, 0.3))
    assert recommend(evidence).reasons == (
        "attendance 20 % in the week of Nov 4 and 30 % in the week of Nov 11 — below 50 % both weeks",
    )


def test_a_single_unmet_condition_turns_a_candidate_into_continue():
    assert kind_of(ready()) == STEP_DOWN_CANDIDATE
    assert kind_of(ready(mean_participation=2.99)) == CONTINUE


# --- rule 3: each step-down condition at both edges --------------------------------------------


@pytest.mark.parametrize(("enrolled_days_back", "candidate"), [(26, False), (27, True)])
def test_step_down_needs_28_days_enrolled_counting_both_ends(enrolled_days_back, candidate):
    # The scores must fall inside the enrollment for a short stay, so give them recent dates.
    scores = (phq9(enrolled_days_back, 16), phq9(1, 6))
    result = recommend(ready(enrolled_on=days_back(enrolled_days_back), scores=scores))
    assert (result.kind == STEP_DOWN_CANDIDATE) == candidate
    if not candidate:
        assert result.reasons == ("enrolled 27 days — needs 28 or more to step down",)


def test_a_client_enrolled_on_week_end_has_one_day_enrolled():
    result = recommend(Evidence(week_end=WEEK_END, enrolled_on=WEEK_END))
    assert result.reasons[0] == "enrolled 1 day — needs 28 or more to step down"


@pytest.mark.parametrize("instrument", [phq9, gad7])
@pytest.mark.parametrize(("days", "candidate"), [(0, True), (13, True), (14, False)])
def test_each_instrument_given_needs_a_response_in_the_last_14_days(instrument, days, candidate):
    scores = (instrument(40, 16), instrument(days, 6))
    result = recommend(ready(scores=scores))
    assert (result.kind == STEP_DOWN_CANDIDATE) == candidate
    if not candidate:
        name = "PHQ-9" if instrument is phq9 else "GAD-7"
        assert result.reasons == (f"no {name} in the last 14 days (last on Nov 3)",)


def test_a_stale_instrument_blocks_step_down_even_when_the_other_is_recent():
    result = recommend(ready(scores=(phq9(40, 16), phq9(3, 6), gad7(40, 12), gad7(20, 5))))
    assert result.kind == CONTINUE
    assert result.reasons == ("no GAD-7 in the last 14 days (last on Oct 28)",)


@pytest.mark.parametrize("instrument", [phq9, gad7])
@pytest.mark.parametrize(("total", "candidate"), [(9, True), (10, False)])
def test_latest_total_must_be_below_10(instrument, total, candidate):
    result = recommend(ready(scores=(instrument(40, 20), instrument(3, total))))
    assert (result.kind == STEP_DOWN_CANDIDATE) == candidate
    if not candidate:
        name = "PHQ-9" if instrument is phq9 else "GAD-7"
        assert result.reasons == (f"{name} 10 on Nov 14 — needs < 10 to step down",)


@pytest.mark.parametrize(
    ("baseline", "latest", "candidate"),
    [
        (16, 8, True),  # exactly half: response
        (16, 9, False),  # a reliable improvement of 7, but not half
        (6, 4, True),  # remission: below 5
        (6, 5, False),  # neither
        (0, 0, True),  # no response from a zero baseline, but remission
    ],
)
def test_step_down_needs_response_or_remission(baseline, latest, candidate):
    result = recommend(ready(scores=(phq9(40, baseline), phq9(3, latest))))
    assert (result.kind == STEP_DOWN_CANDIDATE) == candidate
    if not candidate:
        assert result.reasons == (
            f"no response or remission yet: PHQ-9 {latest} on Nov 14, from {baseline} on Oct 8"
            " — needs a drop of at least half from baseline or a total below 5 to step down",
        )


def test_response_or_remission_on_one_instrument_is_enough():
    # GAD-7 8 → 6 shows neither, PHQ-9 16 → 8 is a response.
    assert kind_of(ready(scores=(phq9(40, 16), phq9(3, 8), gad7(40, 8), gad7(3, 6)))) == STEP_DOWN_CANDIDATE


def test_a_single_response_is_both_baseline_and_latest():
    assert (
        recommend(ready(scores=(gad7(3, 4),))).reasons[1]
        == "GAD-7 4 on Nov 14 — below 10, the first GAD-7 (remission)"
    )
    result = recommend(ready(scores=(gad7(3, 6),)))
    assert result.reasons == (
        "no response or remission yet: GAD-7 6 on Nov 14, the first GAD-7"
        " — needs a drop of at least half from baseline or a total below 5 to step down",
    )


@pytest.mark.parametrize(
    "scores", [(phq9(40, 16), phq9(3, 6)), (gad7(40, 12), gad7(3, 5))], ids=["phq9", "gad7"]
)
def test_one_instrument_given_is_enough(scores):
    assert kind_of(ready(scores=scores)) == STEP_DOWN_CANDIDATE


def test_no_phq9_or_gad7_at_all_is_missing_data_not_good_news():
    result = recommend(ready(scores=(ScoreEntry("wsas", days_back(3), 4),)))
    assert result.kind == CONTINUE
    assert result.reasons == ("no PHQ-9 or GAD-7 given yet — needs at least one to step down",)


@pytest.mark.parametrize("week", [0, 1])
@pytest.mark.parametrize(("rate", "candidate"), [(0.7999, False), (0.80, True), (1.0, True)])
def test_step_down_needs_attendance_of_80_percent_in_each_week(week, rate, candidate):
    rates = [0.9, 0.9]
    rates[week] = rate
    result = recommend(ready(attendance_rates=tuple(rates)))
    assert (result.kind == STEP_DOWN_CANDIDATE) == candidate
    if not candidate:
        shown = ["90 % in the week of Nov 4", "90 % in the week of Nov 11"]
        shown[week] = shown[week].replace("90 %", "79.9 %")
        assert result.reasons == (
            f"attendance {shown[0]} and {shown[1]} — needs 80 % or more both weeks to step down",
        )


@pytest.mark.parametrize(("adherence", "candidate"), [(0.79, False), (0.7999, False), (0.80, True)])
def test_step_down_needs_adherence_of_80_percent_while_a_medication_is_active(adherence, candidate):
    result = recommend(ready(adherence=adherence))
    assert (result.kind == STEP_DOWN_CANDIDATE) == candidate
    if not candidate:
        shown = "79 %" if adherence == 0.79 else "79.9 %"
        assert result.reasons == (
            f"medication adherence {shown} over the last 14 days — needs 80 % or more to step down",
        )


def test_unknown_adherence_with_an_active_medication_is_missing_data():
    result = recommend(ready(adherence=None))
    assert result.kind == CONTINUE
    assert result.reasons == (
        "no medication adherence data for the last 14 days — needs 80 % or more to step down",
    )


@pytest.mark.parametrize("adherence", [None, 0.0, 0.5])
def test_adherence_does_not_matter_without_an_active_medication(adherence):
    result = recommend(ready(medication_active=False, adherence=adherence))
    assert result.kind == STEP_DOWN_CANDIDATE
    assert not any("adherence" in reason for reason in result.reasons)


@pytest.mark.parametrize(("participation", "candidate"), [(2.99, False), (3.0, True), (5, True)])
def test_step_down_needs_mean_participation_of_3(participation, candidate):
    result = recommend(ready(mean_participation=participation))
    assert (result.kind == STEP_DOWN_CANDIDATE) == candidate
    if not candidate:
        assert result.reasons == (
            "mean participation 2.99 over the last 14 days — needs 3.0 or more to step down",
        )


def test_unknown_participation_is_missing_data():
    result = recommend(ready(mean_participation=None))
    assert result.reasons == (
        "no participation ratings in the last 14 days — needs a mean of 3.0 or more to step down",
    )


@pytest.mark.parametrize(
    ("ratings", "candidate"),
    [
        (((0, 0),), True),
        (((13, 0),), True),
        (((14, 0),), False),
        (((3, -1),), False),
        (((3, -1), (10, 0)), True),  # at least one goal on track is enough
        (((-1, 2),), False),  # rated after week_end
    ],
)
def test_step_down_needs_a_goal_rated_0_or_better_in_the_last_14_days(ratings, candidate):
    goal_ratings = tuple((days_back(days), rating) for days, rating in ratings)
    assert (kind_of(ready(goal_ratings=goal_ratings)) == STEP_DOWN_CANDIDATE) == candidate


def test_goal_reasons_name_the_best_recent_rating_or_its_absence():
    below = recommend(ready(goal_ratings=((days_back(3), -1), (days_back(6), -2), (days_back(14), 2))))
    assert below.reasons == (
        "goals: best rating -1 on Nov 14 — needs at least one goal rated 0 or better in the last 14 days"
        " to step down",
    )
    none = recommend(ready(goal_ratings=()))
    assert none.reasons == (
        "no goal ratings in the last 14 days — needs at least one goal rated 0 or better in the last 14 days"
        " to step down",
    )


def test_goals_do_not_matter_for_a_client_without_goals():
    assert kind_of(ready(goals_exist=False, goal_ratings=())) == STEP_DOWN_CANDIDATE


def test_a_goal_rating_shows_that_goals_exist_even_if_the_flag_was_left_unset():
    assert kind_of(ready(goals_exist=False, goal_ratings=((days_back(20), 1),))) == CONTINUE


# --- rule 4: continue, with one reason for each condition not met ------------------------------


def test_continue_lists_every_unmet_condition_in_plain_words():
    evidence = Evidence(
        week_end=WEEK_END,
        enrolled_on=days_back(9),
        scores=(phq9(9, 14), phq9(2, 12), gad7(30, 11)),
        attendance_rates=(0.75, None),
        medication_active=True,
        goals_exist=True,
        goal_ratings=((days_back(4), -1),),
    )
    assert recommend(evidence) == Recommendation(
        CONTINUE,
        (
            "enrolled 10 days — needs 28 or more to step down",
            "PHQ-9 12 on Nov 15 — needs < 10 to step down",
            "no GAD-7 in the last 14 days (last on Oct 18)",
            "GAD-7 11 on Oct 18 — needs < 10 to step down",
            "no response or remission yet: PHQ-9 12 on Nov 15, from 14 on Nov 8;"
            " GAD-7 11 on Oct 18, the first GAD-7"
            " — needs a drop of at least half from baseline or a total below 5 to step down",
            "attendance 75 % in the week of Nov 4 and unknown in the week of Nov 11 (nothing scheduled)"
            " — needs 80 % or more both weeks to step down",
            "no medication adherence data for the last 14 days — needs 80 % or more to step down",
            "no participation ratings in the last 14 days — needs a mean of 3.0 or more to step down",
            "goals: best rating -1 on Nov 13 — needs at least one goal rated 0 or better in the last 14 days"
            " to step down",
        ),
    )


def test_empty_evidence_gives_continue_with_every_missing_piece_named():
    result = recommend(Evidence(week_end=WEEK_END, enrolled_on=days_back(60)))
    assert result.reasons == (
        "no PHQ-9 or GAD-7 given yet — needs at least one to step down",
        "attendance unknown in the week of Nov 4 (nothing scheduled) and unknown in the week of Nov 11"
        " (nothing scheduled) — needs 80 % or more both weeks to step down",
        "no participation ratings in the last 14 days — needs a mean of 3.0 or more to step down",
    )


# --- evidence dated after the week, family concerns, ties ---------------------------------------


def test_everything_dated_after_week_end_is_ignored():
    later = ready(
        scores=(*READY_SCORES, phq9(-1, 27, "suicide_risk"), gad7(-3, 21)),
        goal_ratings=((days_back(5), 1), (days_back(-1), -2)),
        family_concerns=((days_back(-1), "safety"), (days_back(-2), "withdrawal")),
    )
    assert recommend(later) == recommend(ready())


def test_a_score_after_week_end_does_not_become_the_latest():
    result = recommend(ready(scores=(phq9(40, 16), phq9(20, 12), phq9(-1, 3))))
    assert result.reasons == (
        "no PHQ-9 in the last 14 days (last on Oct 28)",
        "PHQ-9 12 on Oct 28 — needs < 10 to step down",
        "no response or remission yet: PHQ-9 12 on Oct 28, from 16 on Oct 8"
        " — needs a drop of at least half from baseline or a total below 5 to step down",
    )


@pytest.mark.parametrize(
    "kind_changes",
    [{}, {"mean_participation": None}, {"attendance_rates": (0.1, 0.1)}, {"open_safety_alert": True}],
)
def test_other_family_concerns_are_shown_as_evidence_but_never_change_the_kind(kind_changes):
    concerns = (
        (days_back(2), "substance_use"),
        (days_back(13), "missed_medication"),
        (days_back(14), "withdrawal"),  # too old to show
        (days_back(2), "substance_use"),  # the same report twice is shown once
    )
    without = recommend(ready(**kind_changes))
    result = recommend(ready(family_concerns=concerns, **kind_changes))
    assert result.kind == without.kind
    assert result.reasons == (
        *without.reasons,
        "family reported missed medication on Nov 4",
        "family reported substance use on Nov 15",
    )


def test_several_scores_on_one_day_count_as_the_worst_of_them_in_any_order():
    # 24 → 12 is a response, so the only reason left is the same-day 12 that outweighs the 6.
    for scores in [(phq9(40, 24), phq9(3, 6), phq9(3, 12)), (phq9(3, 12), phq9(40, 24), phq9(3, 6))]:
        assert recommend(ready(scores=scores)).reasons == ("PHQ-9 12 on Nov 14 — needs < 10 to step down",)


def test_scores_of_other_instruments_do_not_count_towards_the_rules():
    assert recommend(ready(scores=(*READY_SCORES, ScoreEntry("wsas", days_back(1), 40)))) == recommend(
        ready()
    )


def test_dates_from_another_year_than_week_end_carry_their_year():
    new_year = date(2025, 1, 5)
    evidence = Evidence(
        week_end=new_year,
        enrolled_on=date(2024, 11, 1),
        scores=(ScoreEntry("phq9", date(2024, 12, 24), 11), ScoreEntry("phq9", date(2025, 1, 2), 10)),
        attendance_rates=(0.9, 0.9),
        mean_participation=4,
    )
    assert recommend(evidence).reasons[:2] == (
        "PHQ-9 10 on Jan 2 — needs < 10 to step down",
        "no response or remission yet: PHQ-9 10 on Jan 2, from 11 on Dec 24, 2024"
        " — needs a drop of at least half from baseline or a total below 5 to step down",
    )


# --- a program's own thresholds ----------------------------------------------------------------


def test_custom_thresholds_move_every_edge_and_the_reasons_quote_them():
    strict = Thresholds(
        min_days_enrolled=56,
        window_days=7,
        step_down_total_below=5,
        step_down_attendance=0.9,
        step_down_adherence=0.95,
        step_down_participation=4.0,
        step_down_goal_rating=1,
    )
    result = recommend(ready(scores=(phq9(40, 16), phq9(6, 6), gad7(40, 12), gad7(7, 4))), strict)
    assert result.reasons == (
        "enrolled 42 days — needs 56 or more to step down",
        "PHQ-9 6 on Nov 11 — needs < 5 to step down",
        "no GAD-7 in the last 7 days (last on Nov 10)",
        "medication adherence 90 % over the last 7 days — needs 95 % or more to step down",
        "mean participation 3.8 over the last 7 days — needs 4.0 or more to step down",
    )


@pytest.mark.parametrize(("rating", "candidate"), [(0, False), (1, True)])
def test_a_higher_goal_rating_threshold(rating, candidate):
    result = recommend(ready(goal_ratings=((days_back(5), rating),)), Thresholds(step_down_goal_rating=1))
    assert (result.kind == STEP_DOWN_CANDIDATE) == candidate
    expected = (
        "goal rated +1 on Nov 12 — +1 or better"
        if candidate
        else "goals: best rating 0 on Nov 12 — needs at least one goal rated +1 or better in the last 14 days"
        " to step down"
    )
    assert expected in result.reasons


@pytest.mark.parametrize(("days", "urgent"), [(6, True), (7, False)])
def test_a_shorter_window_moves_the_urgent_edges_too(days, urgent):
    evidence = ready(family_concerns=((days_back(days), "safety"),))
    assert (kind_of(evidence, Thresholds(window_days=7)) == URGENT_REVIEW) == urgent


@pytest.mark.parametrize(("total", "urgent"), [(14, False), (15, True)])
def test_a_lower_urgent_phq9_total(total, urgent):
    result = recommend(ready(scores=(phq9(40, total), phq9(3, total))), Thresholds(urgent_phq9_total=15))
    assert (result.kind == URGENT_REVIEW) == urgent
    if urgent:
        assert result.reasons == (
            "PHQ-9 15 on Nov 14 (moderately severe) — 15 or more needs an urgent review",
        )


@pytest.mark.parametrize(("rate", "disengaged"), [(0.5999, True), (0.60, False)])
def test_a_higher_disengagement_rate(rate, disengaged):
    result = recommend(ready(attendance_rates=(rate, rate)), Thresholds(disengagement_attendance_below=0.6))
    assert (result.kind == DISENGAGEMENT_REVIEW) == disengaged


def test_thresholds_may_be_given_as_a_stored_mapping():
    stored = Thresholds(min_days_enrolled=56).as_dict()
    assert recommend(ready(), stored) == recommend(ready(), Thresholds(min_days_enrolled=56))
    assert kind_of(ready(), {"min_days_enrolled": 56}) == CONTINUE


def test_invalid_thresholds_given_as_a_mapping_are_refused():
    with pytest.raises(ValueError, match="step_down_attendance"):
        recommend(ready(), {"step_down_attendance": 1.5})
