"""The data shapes of a questionnaire and the invariants every definition must satisfy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


class AnswerError(ValueError):
    """Answers that cannot be scored; `item_errors` maps each bad 1-based item number to its message."""

    def __init__(self, message: str, item_errors: Mapping[int, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.item_errors: dict[int, str] = dict(item_errors or {})


@dataclass(frozen=True)
class Band:
    """A severity band: totals from `low` to `high`, both included."""

    key: str
    label: str
    low: int
    high: int


@dataclass(frozen=True)
class FlagRule:
    """Raise `flag` when 1-based `item` is answered `min_value` or more, whatever the total."""

    flag: str
    item: int
    min_value: int


@dataclass(frozen=True)
class Instrument:
    """A questionnaire: item wording, answer scale, severity bands and item-level safety flags."""

    key: str
    name: str
    short_name: str
    items: tuple[str, ...]
    options: tuple[tuple[int, str], ...]
    bands: tuple[Band, ...] = ()
    higher_is_better: bool = False
    stem: str = ""
    loinc_panel: str | None = None
    loinc_total: str | None = None
    # Smallest change in total that is beyond measurement error; None means never call a change reliable.
    reliable_change: int | None = None
    flag_rules: tuple[FlagRule, ...] = ()

    def __post_init__(self) -> None:
        # Coerce to tuples so definitions built from lists stay hashable and immutable.
        object.__setattr__(self, "items", tuple(self.items))
        object.__setattr__(self, "options", tuple((value, label) for value, label in self.options))
        object.__setattr__(self, "flag_rules", tuple(self.flag_rules))
        if not self.items or not all(isinstance(text, str) and text.strip() for text in self.items):
            raise ValueError(f"{self.short_name} needs at least one item, each with wording")
        values = [value for value, _label in self.options]
        if not values or any(not is_whole_number(value) for value in values):
            raise ValueError(f"{self.short_name} answer options must be integers")
        if values != list(range(values[0], values[0] + len(values))) or len(values) < 2:
            raise ValueError(f"{self.short_name} answer options must be at least two consecutive integers")
        threshold = self.reliable_change
        if threshold is not None and (not is_whole_number(threshold) or threshold < 1):
            raise ValueError(f"{self.short_name} reliable change must be a positive whole number")
        for rule in self.flag_rules:
            if not 1 <= rule.item <= len(self.items):
                raise ValueError(f"{self.short_name} flag {rule.flag!r} refers to missing item {rule.item}")
        # Sorted here so band order in a definition never matters to severity lookup or charts.
        object.__setattr__(self, "bands", _checked_bands(tuple(self.bands), self.min_total, self.max_total))

    @property
    def scale_min(self) -> int:
        return self.options[0][0]

    @property
    def scale_max(self) -> int:
        return self.options[-1][0]

    @property
    def min_total(self) -> int:
        return self.scale_min * len(self.items)

    @property
    def max_total(self) -> int:
        return self.scale_max * len(self.items)

    def band_for(self, total: int) -> Band | None:
        """The band holding `total`, or None when the instrument defines no bands."""
        return next((band for band in self.bands if band.low <= total <= band.high), None)


@dataclass(frozen=True)
class Score:
    """A scored response: total, severity band key (None without bands) and safety flags."""

    instrument: str
    total: int
    severity: str | None
    flags: frozenset[str] = frozenset()


def _checked_bands(bands: tuple[Band, ...], min_total: int, max_total: int) -> tuple[Band, ...]:
    """Bands sorted by total; they must tile every possible total exactly once so each has one severity."""
    if not bands:
        return bands
    seen_keys: set[str] = set()
    for band in bands:
        if not isinstance(band.key, str) or not band.key or not isinstance(band.label, str) or not band.label:
            raise ValueError(f"band {band.key!r} needs a non-empty key and label")
        if band.key in seen_keys:
            raise ValueError(f"band key {band.key!r} is used twice")
        seen_keys.add(band.key)
        if not is_whole_number(band.low) or not is_whole_number(band.high):
            raise ValueError(f"band {band.key!r} limits must be whole numbers")
        if band.low > band.high:
            raise ValueError(f"band {band.key!r} runs from {band.low} down to {band.high}")
    ordered = tuple(sorted(bands, key=lambda band: band.low))
    if ordered[0].low != min_total:
        raise ValueError(f"bands must start at the lowest possible total {min_total}, not {ordered[0].low}")
    if ordered[-1].high != max_total:
        raise ValueError(f"bands must end at the highest possible total {max_total}, not {ordered[-1].high}")
    for previous, band in zip(ordered, ordered[1:], strict=False):
        if band.low <= previous.high:
            raise ValueError(f"bands {previous.key!r} and {band.key!r} overlap")
        if band.low > previous.high + 1:
            first, last = previous.high + 1, band.low - 1
            gap = f"total {first}" if first == last else f"totals {format_range(first, last)}"
            raise ValueError(f"bands {previous.key!r} and {band.key!r} leave {gap} without a band")
    return ordered


def is_whole_number(value: object) -> bool:
    """True for an int that is not a bool."""
    # bool is an int subclass, but True as an answer is a form bug, not a score of 1.
    return isinstance(value, int) and not isinstance(value, bool)


def format_range(low: int, high: int) -> str:
    """An inclusive range for messages: "0–3", or "-2 to 2" where a dash would be misread."""
    return f"{low}–{high}" if low >= 0 else f"{low} to {high}"
