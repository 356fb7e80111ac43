"""Program-defined instruments: their own scale, direction and bands, scored by the same score()."""

import pytest

from iop.clinical.instruments import (
    AnswerError,
    Band,
    Instrument,
    Score,
    custom_instrument,
    score,
    severity_for,
)

WELLBEING_ITEMS = ["I felt calm", "I slept well", "I felt connected to others", "I coped with stress"]
WELLBEING_BANDS = [("low", "Low", 4, 9), ("fair", "Fair", 10, 14), ("good", "Good", 15, 20)]


def wellbeing(**overrides) -> Instrument:
    """A four-item 1–5 scale where higher is better, with three bands over totals 4–20."""
    arguments = {
        "key": "wellbeing",
        "name": "Weekly wellbeing check",
        "items": WELLBEING_ITEMS,
        "scale_min": 1,
        "scale_max": 5,
        "option_labels": ["Never", "Rarely", "Sometimes", "Often", "Always"],
        "higher_is_better": True,
        "bands": WELLBEING_BANDS,
    } | overrides
    return custom_instrument(**arguments)


def test_custom_instrument_has_its_own_scale_and_total_range():
    instrument = wellbeing()
    assert instrument.options == ((1, "Never"), (2, "Rarely"), (3, "Sometimes"), (4, "Often"), (5, "Always"))
    assert (instrument.scale_min, instrument.scale_max) == (1, 5)
    assert (instrument.min_total, instrument.max_total) == (4, 20)
    assert instrument.higher_is_better is True
    assert instrument.short_name == "Weekly wellbeing check"
    assert instrument.bands == tuple(Band(*band) for band in WELLBEING_BANDS)


@pytest.mark.parametrize(
    ("answers", "total", "band"),
    [
        ([1, 1, 1, 1], 4, "low"),
        ([3, 2, 2, 2], 9, "low"),
        ([3, 3, 2, 2], 10, "fair"),
        ([4, 4, 3, 3], 14, "fair"),
        ([4, 4, 4, 3], 15, "good"),
        ([5, 5, 5, 5], 20, "good"),
    ],
)
def test_custom_instrument_is_scored_against_its_own_bands(answers, total, band):
    assert score(wellbeing(), answers) == Score("wellbeing", total, band, frozenset())


def test_every_possible_custom_total_falls_in_exactly_one_band():
    instrument = wellbeing()
    for total in range(4, 21):
        assert sum(band.low <= total <= band.high for band in instrument.bands) == 1
        assert severity_for(instrument, total) is not None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "item 2: 0 is outside 1–5"),
        (6, "item 2: 6 is outside 1–5"),
        (None, "item 2 is not answered"),
        (2.5, "item 2: 2.5 is not a whole number"),
    ],
)
def test_custom_answers_are_checked_against_the_custom_scale(value, message):
    with pytest.raises(AnswerError) as caught:
        score(wellbeing(), [3, value, 3, 3])
    assert caught.value.item_errors == {2: message}


def test_custom_answer_count_error_names_the_instrument():
    with pytest.raises(AnswerError, match="Weekly wellbeing check needs 4 answers, got 3"):
        score(wellbeing(), [3, 3, 3])


def test_custom_instrument_without_bands_has_no_severity():
    instrument = wellbeing(bands=None)
    assert instrument.bands == ()
    assert score(instrument, [5, 5, 5, 5]) == Score("wellbeing", 20, None, frozenset())
    assert severity_for(instrument, 4) is None


def test_default_option_labels_are_the_numbers():
    instrument = wellbeing(option_labels=None, scale_min=0, scale_max=2, bands=None)
    assert instrument.options == ((0, "0"), (1, "1"), (2, "2"))


def test_negative_scales_are_allowed_and_messages_stay_readable():
    instrument = wellbeing(scale_min=-2, scale_max=2, option_labels=None, bands=None)
    assert score(instrument, [-2, -2, 2, 1]).total == -1
    with pytest.raises(AnswerError, match="item 1: 3 is outside -2 to 2"):
        score(instrument, [3, 0, 0, 0])


def test_bands_may_be_given_in_any_order():
    instrument = wellbeing(bands=list(reversed(WELLBEING_BANDS)))
    assert [band.key for band in instrument.bands] == ["low", "fair", "good"]


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        (
            [("low", "Low", 4, 9), ("good", "Good", 11, 20)],
            "bands 'low' and 'good' leave total 10 without a band",
        ),
        (
            [("low", "Low", 4, 8), ("good", "Good", 12, 20)],
            "bands 'low' and 'good' leave totals 9–11 without a band",
        ),
        ([("low", "Low", 4, 10), ("good", "Good", 10, 20)], "bands 'low' and 'good' overlap"),
        (
            [("low", "Low", 5, 9), ("good", "Good", 10, 20)],
            "bands must start at the lowest possible total 4, not 5",
        ),
        (
            [("low", "Low", 0, 9), ("good", "Good", 10, 20)],
            "bands must start at the lowest possible total 4, not 0",
        ),
        (
            [("low", "Low", 4, 9), ("good", "Good", 10, 19)],
            "bands must end at the highest possible total 20, not 19",
        ),
        (
            [("low", "Low", 4, 9), ("good", "Good", 10, 25)],
            "bands must end at the highest possible total 20, not 25",
        ),
        ([("low", "Low", 9, 4), ("good", "Good", 10, 20)], "band 'low' runs from 9 down to 4"),
        ([("low", "Low", 4, 9), ("low", "Also low", 10, 20)], "band key 'low' is used twice"),
        ([("low", "Low", 4, 9.5), ("good", "Good", 10, 20)], "band 'low' limits must be whole numbers"),
        ([("", "Low", 4, 9), ("good", "Good", 10, 20)], "band '' needs a non-empty key and label"),
    ],
)
def test_invalid_bands_are_rejected_with_the_reason(bands, message):
    with pytest.raises(ValueError) as caught:
        wellbeing(bands=bands)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"key": "phq9"}, "instrument key 'phq9' is reserved for a standard instrument"),
        ({"key": "Wellbeing"}, "instrument key 'Wellbeing' must be"),
        ({"key": ""}, "instrument key '' must be"),
        ({"name": "  "}, "instrument name must not be empty"),
        ({"items": []}, "needs a list of at least one item"),
        ({"items": "I felt calm"}, "needs a list of at least one item"),
        ({"items": ["I felt calm", ""]}, "needs at least one item, each with wording"),
        ({"scale_min": 5, "scale_max": 1}, "scale must run between two whole numbers, lowest first"),
        ({"scale_min": 3, "scale_max": 3}, "scale must run between two whole numbers, lowest first"),
        ({"scale_min": 1.0}, "scale must run between two whole numbers, lowest first"),
        ({"option_labels": ["Never", "Always"]}, "needs 5 non-empty labels"),
        ({"option_labels": ["Never", "Rarely", "", "Often", "Always"]}, "needs 5 non-empty labels"),
        ({"reliable_change": 0}, "reliable change must be a positive whole number"),
    ],
)
def test_invalid_custom_definitions_are_rejected(overrides, message):
    with pytest.raises(ValueError, match=message):
        wellbeing(**overrides)


def test_custom_instrument_is_frozen():
    with pytest.raises(AttributeError):
        wellbeing().higher_is_better = False  # type: ignore[misc]
