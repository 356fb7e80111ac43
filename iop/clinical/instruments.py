"""Questionnaire definitions (PHQ-9, GAD-7, program-defined custom ones) and their scoring."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import cast

from iop.clinical.instrument_types import (
    AnswerError,
    Band,
    FlagRule,
    Instrument,
    Score,
    format_range,
    is_whole_number,
)

__all__ = [
    "GAD7",
    "PHQ9",
    "STANDARD_INSTRUMENTS",
    "AnswerError",
    "Band",
    "FlagRule",
    "Instrument",
    "Score",
    "check_total",
    "custom_instrument",
    "get_instrument",
    "resolve_instrument",
    "score",
    "severity_for",
]

_FREQUENCY_OPTIONS = (
    (0, "Not at all"),
    (1, "Several days"),
    (2, "More than half the days"),
    (3, "Nearly every day"),
)

PHQ9 = Instrument(
    key="phq9",
    name="Patient Health Questionnaire-9",
    short_name="PHQ-9",
    stem="Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    items=(
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so "
        "fidgety or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    options=_FREQUENCY_OPTIONS,
    bands=(
        Band("minimal", "Minimal", 0, 4),
        Band("mild", "Mild", 5, 9),
        Band("moderate", "Moderate", 10, 14),
        Band("moderately_severe", "Moderately severe", 15, 19),
        Band("severe", "Severe", 20, 27),
    ),
    loinc_panel="44249-1",
    loinc_total="44261-6",
    reliable_change=6,  # NHS Talking Therapies reliable-change threshold
    # Any answer above 0 on item 9 needs a same-day safety follow-up, even with a low total.
    flag_rules=(FlagRule("suicide_risk", item=9, min_value=1),),
)

GAD7 = Instrument(
    key="gad7",
    name="Generalized Anxiety Disorder-7",
    short_name="GAD-7",
    stem="Over the last 2 weeks, how often have you been bothered by the following problems?",
    items=(
        "Feeling nervous, anxious or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid as if something awful might happen",
    ),
    options=_FREQUENCY_OPTIONS,
    bands=(
        Band("minimal", "Minimal", 0, 4),
        Band("mild", "Mild", 5, 9),
        Band("moderate", "Moderate", 10, 14),
        Band("severe", "Severe", 15, 21),
    ),
    loinc_panel="69737-5",
    loinc_total="70274-6",
    reliable_change=4,  # NHS Talking Therapies reliable-change threshold
)

STANDARD_INSTRUMENTS: Mapping[str, Instrument] = MappingProxyType({PHQ9.key: PHQ9, GAD7.key: GAD7})


def get_instrument(key: str) -> Instrument:
    """The standard instrument with this key; ValueError for an unknown key."""
    try:
        return STANDARD_INSTRUMENTS[key]
    except (KeyError, TypeError):
        raise ValueError(f"unknown instrument {key!r}") from None


def resolve_instrument(instrument: str | Instrument) -> Instrument:
    """An Instrument as given, or the standard instrument named by a key."""
    return instrument if isinstance(instrument, Instrument) else get_instrument(instrument)


def check_total(instrument: str | Instrument, total: int, what: str = "total") -> int:
    """Return `total` unchanged if it is a whole number the instrument can produce; ValueError otherwise."""
    definition = resolve_instrument(instrument)
    if not is_whole_number(total):
        raise ValueError(f"{definition.short_name} {what} must be a whole number, got {total!r}")
    if not definition.min_total <= total <= definition.max_total:
        span = format_range(definition.min_total, definition.max_total)
        raise ValueError(f"{definition.short_name} {what} {total} is outside {span}")
    return total


def severity_for(instrument: str | Instrument, total: int) -> str | None:
    """The severity band key for a total, or None when the instrument defines no bands."""
    definition = resolve_instrument(instrument)
    band = definition.band_for(check_total(definition, total))
    return band.key if band else None


def score(instrument: str | Instrument, answers: Sequence[int | None]) -> Score:
    """Score a complete set of answers; AnswerError (a ValueError) names every bad item."""
    definition = resolve_instrument(instrument)
    values = _checked_answers(definition, answers)
    total = sum(values)
    flags = frozenset(rule.flag for rule in definition.flag_rules if values[rule.item - 1] >= rule.min_value)
    return Score(definition.key, total, severity_for(definition, total), flags)


def _checked_answers(definition: Instrument, answers: Sequence[int | None]) -> list[int]:
    if isinstance(answers, str | bytes) or not isinstance(answers, Sequence):
        raise AnswerError(f"{definition.short_name} answers must be a list with one number per item")
    if len(answers) != len(definition.items):
        expected = len(definition.items)
        raise AnswerError(f"{definition.short_name} needs {expected} answers, got {len(answers)}")
    low, high = definition.scale_min, definition.scale_max
    item_errors: dict[int, str] = {}
    for number, value in enumerate(answers, start=1):
        if value is None:
            item_errors[number] = f"item {number} is not answered"
        elif not is_whole_number(value):
            item_errors[number] = f"item {number}: {value!r} is not a whole number"
        elif not low <= value <= high:
            item_errors[number] = f"item {number}: {value} is outside {format_range(low, high)}"
    if item_errors:
        raise AnswerError("; ".join(item_errors.values()), item_errors)
    return cast(list[int], list(answers))  # every value was checked above


_KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")


def custom_instrument(
    key: str,
    name: str,
    items: Sequence[str],
    scale_min: int,
    scale_max: int,
    option_labels: Sequence[str] | None = None,
    higher_is_better: bool = False,
    bands: Iterable[Band | tuple[str, str, int, int]] | None = None,
    *,
    short_name: str | None = None,
    stem: str = "",
    reliable_change: int | None = None,
) -> Instrument:
    """Build a program-defined instrument, checking its scale, labels and bands; ValueError if invalid."""
    if not isinstance(key, str) or not _KEY_PATTERN.fullmatch(key):
        raise ValueError(f"instrument key {key!r} must be a letter then lowercase letters, digits or _")
    if key in STANDARD_INSTRUMENTS:
        raise ValueError(f"instrument key {key!r} is reserved for a standard instrument")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("instrument name must not be empty")
    if isinstance(items, str) or not items:
        raise ValueError(f"{name} needs a list of at least one item")
    if not is_whole_number(scale_min) or not is_whole_number(scale_max) or scale_min >= scale_max:
        raise ValueError(f"{name} scale must run between two whole numbers, lowest first")
    values = range(scale_min, scale_max + 1)
    labels = [str(value) for value in values] if option_labels is None else list(option_labels)
    if len(labels) != len(values) or not all(isinstance(label, str) and label.strip() for label in labels):
        raise ValueError(
            f"{name} needs {len(values)} non-empty labels, one per scale value, got {len(labels)}"
        )
    return Instrument(
        key=key,
        name=name,
        short_name=short_name or name,
        items=tuple(items),
        options=tuple(zip(values, labels, strict=True)),
        bands=tuple(band if isinstance(band, Band) else Band(*band) for band in bands or ()),
        higher_is_better=higher_is_better,
        stem=stem,
        reliable_change=reliable_change,
    )
