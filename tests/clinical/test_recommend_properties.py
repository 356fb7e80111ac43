"""Properties of the weekly recommendation over generated evidence (hypothesis)."""

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from iop.clinical.recommend import (
    DISENGAGEMENT_REVIEW,
    FAMILY_CONCERNS,
    KINDS,
    STEP_DOWN_CANDIDATE,
    URGENT_REVIEW,
    Evidence,
    ScoreEntry,
    Thresholds,
    recommend,
)

# No deadline: a slow shared machine must not fail a test (no timed assertions in this suite).
PROPERTY = settings(deadline=None, max_examples=200)

TOTAL_RANGES = {"phq9": 27, "gad7": 21, "wsas": 40}


@st.composite
def evidence_and_days(draw):
    """Evidence around a Sunday, with days from well before the window to after week_end."""
    week_end = draw(st.dates(date(2020, 1, 1), date(2030, 12, 31)))
    week_end += timedelta(days=6 - week_end.weekday())
    day = st.integers(-5, 70).map(lambda back: week_end - timedelta(days=back))
    scores = draw(
        st.lists(
            st.sampled_from(sorted(TOTAL_RANGES)).flatmap(
                lambda key: st.builds(
                    ScoreEntry,
                    st.just(key),
                    day,
                    st.integers(0, TOTAL_RANGES[key]),
                    st.frozensets(st.just("suicide_risk"), max_size=1),
                )
            ),
            max_size=8,
        )
    )
    rate = st.none() | st.floats(0, 1)
    return Evidence(
        week_end=week_end,
        enrolled_on=week_end - timedelta(days=draw(st.integers(0, 90))),
        scores=scores,
        attendance_rates=(draw(rate), draw(rate)),
        medication_active=draw(st.booleans()),
        adherence=draw(st.none() | st.floats(0, 1)),
        mean_participation=draw(st.none() | st.floats(1, 5)),
        goals_exist=draw(st.booleans()),
        goal_ratings=draw(st.lists(st.tuples(day, st.integers(-2, 2)), max_size=4)),
        family_concerns=draw(st.lists(st.tuples(day, st.sampled_from(FAMILY_CONCERNS)), max_size=3)),
        open_safety_alert=draw(st.booleans()),
    )


@PROPERTY
@given(evidence_and_days())
def test_the_kind_is_one_of_four_and_reasons_are_never_empty(evidence):
    result = recommend(evidence)
    assert result.kind in KINDS
    assert result.reasons
    assert all(isinstance(reason, str) and reason.strip() for reason in result.reasons)
    assert len(set(result.reasons)) == len(result.reasons)


@PROPERTY
@given(evidence_and_days(), st.randoms(use_true_random=False))
def test_the_order_of_the_evidence_does_not_matter(evidence, random):
    def shuffled(items):
        items = list(items)
        random.shuffle(items)
        return tuple(items)

    reordered = replace(
        evidence,
        scores=shuffled(evidence.scores),
        goal_ratings=shuffled(evidence.goal_ratings),
        family_concerns=shuffled(evidence.family_concerns),
    )
    assert recommend(reordered) == recommend(evidence)


@PROPERTY
@given(evidence_and_days())
def test_evidence_dated_after_week_end_changes_nothing(evidence):
    end = evidence.week_end
    up_to_week_end = replace(
        evidence,
        scores=tuple(entry for entry in evidence.scores if entry.day <= end),
        goal_ratings=tuple(pair for pair in evidence.goal_ratings if pair[0] <= end),
        family_concerns=tuple(pair for pair in evidence.family_concerns if pair[0] <= end),
    )
    assert recommend(up_to_week_end) == recommend(evidence)


@PROPERTY
@given(evidence_and_days())
def test_an_open_safety_alert_is_always_urgent(evidence):
    assert recommend(replace(evidence, open_safety_alert=True)).kind == URGENT_REVIEW


@PROPERTY
@given(evidence_and_days())
def test_kinds_imply_what_their_rules_say(evidence):
    kind = recommend(evidence).kind
    rates = evidence.attendance_rates
    if kind == DISENGAGEMENT_REVIEW:
        assert all(rate is not None and rate < 0.5 for rate in rates)
    if kind == STEP_DOWN_CANDIDATE:
        assert not evidence.open_safety_alert
        assert (evidence.week_end - evidence.enrolled_on).days + 1 >= 28
        assert all(rate is not None and rate >= 0.8 for rate in rates)
        assert evidence.mean_participation is not None and evidence.mean_participation >= 3
        if evidence.medication_active:
            assert evidence.adherence is not None and evidence.adherence >= 0.8


@PROPERTY
@given(evidence_and_days())
def test_stricter_thresholds_never_make_a_candidate_out_of_a_continue(evidence):
    strict = Thresholds(min_days_enrolled=42, step_down_attendance=0.9, step_down_participation=4)
    if recommend(evidence).kind != STEP_DOWN_CANDIDATE:
        assert recommend(evidence, strict).kind != STEP_DOWN_CANDIDATE
