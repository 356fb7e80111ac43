"""PHQ-9 and GAD-7 scoring against the published bands, answer validation and custom instruments."""

import pytest

from iop.clinical.instruments import (
    GAD7,
    PHQ9,
    STANDARD_INSTRUMENTS,
    AnswerError,
    Band,
    Instrument,
    Score,
    get_instrument,
    score,
    severity_for,
)

PHQ9_BANDS = {
    "minimal": range(0, 5),
    "mild": range(5, 10),
    "moderate": range(10, 15),
    "moderately_severe": range(15, 20),
    "severe": range(20, 28),
}
GAD7_BANDS = {
    "minimal": range(0, 5),
    "mild": range(5, 10),
    "moderate": range(10, 15),
    "severe": range(15, 22),
}
PHQ9_EXPECTED = [(total, band) for band, totals in PHQ9_BANDS.items() for total in totals]
GAD7_EXPECTED = [(total, band) for band, totals in GAD7_BANDS.items() for total in totals]


def answers_for(total: int, item_count: int, item9: int | None = None) -> list[int]:
    """Answers 0–3 summing to `total`, filled from the first item; `item9` pins the last item if given."""
    free_items = item_count if item9 is None else item_count - 1
    remaining = total - (item9 or 0)
    answers = []
    for _ in range(free_items):
        answers.append(min(3, remaining))
        remaining -= answers[-1]
    assert remaining == 0, "total not reachable with these items"
    return answers if item9 is None else [*answers, item9]


# --- the published definitions ---------------------------------------------------------------


def test_phq9_definition_matches_the_published_questionnaire():
    assert (PHQ9.key, PHQ9.short_name, len(PHQ9.items)) == ("phq9", "PHQ-9", 9)
    assert (
        PHQ9.stem
        == "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    )
    assert PHQ9.items[0] == "Little interest or pleasure in doing things"
    assert PHQ9.items[8] == "Thoughts that you would be better off dead or of hurting yourself in some way"
    assert (PHQ9.loinc_panel, PHQ9.loinc_total) == ("44249-1", "44261-6")
    assert (PHQ9.min_total, PHQ9.max_total) == (0, 27)


def test_gad7_definition_matches_the_published_questionnaire():
    assert (GAD7.key, GAD7.short_name, len(GAD7.items)) == ("gad7", "GAD-7", 7)
    assert GAD7.items[0] == "Feeling nervous, anxious or on edge"
    assert GAD7.items[6] == "Feeling afraid as if something awful might happen"
    assert (GAD7.loinc_panel, GAD7.loinc_total) == ("69737-5", "70274-6")
    assert (GAD7.min_total, GAD7.max_total) == (0, 21)


@pytest.mark.parametrize("instrument", [PHQ9, GAD7])
def test_standard_answer_options_are_the_four_frequencies(instrument):
    assert instrument.options == (
        (0, "Not at all"),
        (1, "Several days"),
        (2, "More than half the days"),
        (3, "Nearly every day"),
    )
    assert instrument.higher_is_better is False


def test_bands_have_human_labels_and_exact_limits():
    assert [(b.key, b.label, b.low, b.high) for b in PHQ9.bands] == [
        ("minimal", "Minimal", 0, 4),
        ("mild", "Mild", 5, 9),
        ("moderate", "Moderate", 10, 14),
        ("moderately_severe", "Moderately severe", 15, 19),
        ("severe", "Severe", 20, 27),
    ]
    assert [(b.key, b.low, b.high) for b in GAD7.bands] == [
        ("minimal", 0, 4),
        ("mild", 5, 9),
        ("moderate", 10, 14),
        ("severe", 15, 21),
    ]


def test_standard_instruments_are_looked_up_by_key_and_read_only():
    assert dict(STANDARD_INSTRUMENTS) == {"phq9": PHQ9, "gad7": GAD7}
    assert get_instrument("phq9") is PHQ9
    with pytest.raises(TypeError):
        STANDARD_INSTRUMENTS["xyz"] = PHQ9  # type: ignore[index]


@pytest.mark.parametrize("key", ["xyz", "PHQ9", "", None, 9])
def test_unknown_instrument_key_is_a_value_error(key):
    with pytest.raises(ValueError, match=f"unknown instrument {key!r}"):
        get_instrument(key)
    with pytest.raises(ValueError, match="unknown instrument"):
        score(key, [0] * 9)


# --- totals and severity, every possible total -------------------------------------------------


@pytest.mark.parametrize(("total", "band"), PHQ9_EXPECTED)
def test_phq9_severity_for_every_total(total, band):
    item9 = max(0, total - 24)  # totals above 24 need item 9; those cases are also flagged
    result = score("phq9", answers_for(total, 9, item9=item9))
    assert (result.total, result.severity) == (total, band)
    assert severity_for("phq9", total) == band


@pytest.mark.parametrize(("total", "band"), GAD7_EXPECTED)
def test_gad7_severity_for_every_total(total, band):
    assert score("gad7", answers_for(total, 7)) == Score("gad7", total, band, frozenset())
    assert severity_for(GAD7, total) == band


@pytest.mark.parametrize(
    ("key", "total", "band"),
    [
        ("phq9", 0, "minimal"),
        ("phq9", 4, "minimal"),
        ("phq9", 5, "mild"),
        ("phq9", 9, "mild"),
        ("phq9", 10, "moderate"),
        ("phq9", 14, "moderate"),
        ("phq9", 15, "moderately_severe"),
        ("phq9", 19, "moderately_severe"),
        ("phq9", 20, "severe"),
        ("phq9", 27, "severe"),
        ("gad7", 0, "minimal"),
        ("gad7", 4, "minimal"),
        ("gad7", 5, "mild"),
        ("gad7", 9, "mild"),
        ("gad7", 10, "moderate"),
        ("gad7", 14, "moderate"),
        ("gad7", 15, "severe"),
        ("gad7", 21, "severe"),
    ],
)
def test_band_boundaries(key, total, band):
    assert severity_for(key, total) == band


def test_score_accepts_an_instrument_object_and_a_tuple():
    assert score(PHQ9, (1,) * 9) == score("phq9", [1] * 9)


@pytest.mark.parametrize(("key", "total"), [("phq9", -1), ("phq9", 28), ("gad7", 22), ("gad7", 2.0)])
def test_severity_for_rejects_totals_the_instrument_cannot_produce(key, total):
    with pytest.raises(ValueError, match="total"):
        severity_for(key, total)


# --- the suicide_risk flag ---------------------------------------------------------------------


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_phq9_item9_above_zero_flags_suicide_risk_at_every_total(item9):
    for total in range(item9, 24 + item9 + 1):
        result = score("phq9", answers_for(total, 9, item9=item9))
        assert result.flags == frozenset({"suicide_risk"}), total
        assert result.total == total
        assert result.severity == severity_for("phq9", total)


def test_phq9_item9_at_zero_never_flags_whatever_the_total():
    for total in range(0, 25):
        assert score("phq9", answers_for(total, 9, item9=0)).flags == frozenset(), total


def test_suicide_risk_is_flagged_even_with_a_minimal_total():
    result = score("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert (result.total, result.severity, result.flags) == (1, "minimal", frozenset({"suicide_risk"}))


def test_gad7_never_flags():
    for total in range(0, 22):
        assert score("gad7", answers_for(total, 7)).flags == frozenset()


# --- invalid answers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "answers", "message"),
    [
        ("phq9", [0] * 8, "PHQ-9 needs 9 answers, got 8"),
        ("phq9", [0] * 10, "PHQ-9 needs 9 answers, got 10"),
        ("phq9", [], "PHQ-9 needs 9 answers, got 0"),
        ("gad7", [0] * 6, "GAD-7 needs 7 answers, got 6"),
        ("gad7", [0] * 9, "GAD-7 needs 7 answers, got 9"),
    ],
)
def test_wrong_answer_count_is_rejected(key, answers, message):
    with pytest.raises(AnswerError) as caught:
        score(key, answers)
    assert str(caught.value) == message
    assert caught.value.message == message
    assert caught.value.item_errors == {}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "item 4 is not answered"),
        (-1, "item 4: -1 is outside 0–3"),
        (4, "item 4: 4 is outside 0–3"),
        (1.0, "item 4: 1.0 is not a whole number"),
        (1.5, "item 4: 1.5 is not a whole number"),
        (True, "item 4: True is not a whole number"),
        (False, "item 4: False is not a whole number"),
        ("2", "item 4: '2' is not a whole number"),
    ],
)
@pytest.mark.parametrize("key", ["phq9", "gad7"])
def test_a_bad_item_is_named_in_the_error(key, value, message):
    answers = [0] * len(get_instrument(key).items)
    answers[3] = value
    with pytest.raises(ValueError) as caught:
        score(key, answers)
    assert isinstance(caught.value, AnswerError)
    assert str(caught.value) == message
    assert caught.value.item_errors == {4: message}


@pytest.mark.parametrize("answers", ["000000000", b"000000000", 0, None, {1: 0}])
def test_answers_must_be_a_list(answers):
    with pytest.raises(AnswerError, match="PHQ-9 answers must be a list with one number per item"):
        score("phq9", answers)


def test_answer_error_collects_every_bad_item_at_once():
    with pytest.raises(AnswerError) as caught:
        score("phq9", [None, 5, 0, True, 0, 0, -2, 0, None])
    assert caught.value.item_errors == {
        1: "item 1 is not answered",
        2: "item 2: 5 is outside 0–3",
        4: "item 4: True is not a whole number",
        7: "item 7: -2 is outside 0–3",
        9: "item 9 is not answered",
    }
    assert caught.value.message == "; ".join(caught.value.item_errors.values())


def test_item_9_missing_is_an_error_not_an_absent_flag():
    with pytest.raises(AnswerError, match="item 9 is not answered"):
        score("phq9", [0] * 8 + [None])


def test_instrument_definitions_are_immutable():
    with pytest.raises(AttributeError):
        PHQ9.items = ()  # type: ignore[misc]
    assert isinstance(hash(PHQ9), int)
    assert isinstance(PHQ9, Instrument)
    assert isinstance(PHQ9.bands[0], Band)
