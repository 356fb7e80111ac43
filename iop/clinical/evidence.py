"""The evidence of one enrollment for its weekly review (DESIGN.md §5.5, §11), checked when it is built."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from iop.clinical.instruments import GAD7, PHQ9, Instrument, check_total
from iop.clinical.thresholds import GOAL_RATING_RANGE, PARTICIPATION_RANGE

FAMILY_CONCERNS = ("safety", "substance_use", "missed_medication", "withdrawal")
SUICIDE_RISK = "suicide_risk"
# Only these two drive the rules; responses to other instruments count only for their safety flag.
RULE_INSTRUMENTS: tuple[Instrument, ...] = (PHQ9, GAD7)
_RULE_BY_KEY = {definition.key: definition for definition in RULE_INSTRUMENTS}


@dataclass(frozen=True)
class ScoreEntry:
    """One scored response: instrument key ("phq9", "gad7", …), the day it was given, total, flags."""

    instrument: str
    day: date
    total: int
    flags: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not isinstance(self.instrument, str) or not self.instrument:
            raise ValueError(f"score instrument must be a key such as 'phq9', got {self.instrument!r}")
        # A review builds thousands of these: the messages are written only when a check fails.
        if type(self.day) is not date:
            _require_date(self.day, f"{self.instrument} day")
        definition = _RULE_BY_KEY.get(self.instrument)
        total = self.total
        if definition is not None and not (
            type(total) is int and definition.min_total <= total <= definition.max_total
        ):
            check_total(definition, total, f"total on {self.day}")
        flags = self.flags
        if type(flags) is not frozenset:
            flags = frozenset((flags,) if isinstance(flags, str) else flags)
        if flags and not all(isinstance(flag, str) for flag in flags):
            raise ValueError(
                f"{self.instrument} flags on {self.day} must be strings, got {sorted(flags, key=str)!r}"
            )
        object.__setattr__(self, "flags", flags)


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """What is known about one enrollment up to `week_end` (the Sunday ending the reviewed week).

    Anything dated after `week_end` is ignored. `attendance_rates` are (week before, reviewed week),
    None where nothing was scheduled. `adherence` and `mean_participation` cover the last
    `Thresholds.window_days` days; `open_safety_alert` means an alert still unacknowledged at `week_end`.
    """

    week_end: date
    enrolled_on: date
    scores: tuple[ScoreEntry, ...] = ()
    attendance_rates: tuple[float | None, float | None] = (None, None)
    medication_active: bool = False
    adherence: float | None = None
    mean_participation: float | None = None
    goals_exist: bool = False
    goal_ratings: tuple[tuple[date, int], ...] = ()
    family_concerns: tuple[tuple[date, str], ...] = ()
    open_safety_alert: bool = False

    def __post_init__(self) -> None:
        _require_date(self.week_end, "week_end")
        _require_date(self.enrolled_on, "enrolled_on")
        if self.week_end < self.enrolled_on:
            raise ValueError(f"week_end {self.week_end} is before enrolled_on {self.enrolled_on}")
        set_field = object.__setattr__  # frozen: normalise once here, so the evidence stays hashable
        set_field(self, "scores", tuple(_score_entry(item) for item in _items(self.scores, "scores")))
        rates = _items(self.attendance_rates, "attendance_rates")
        if len(rates) != 2:
            raise ValueError(
                f"attendance_rates needs two rates (week before, reviewed week), got {len(rates)}"
            )
        before, reviewed = rates
        set_field(
            self,
            "attendance_rates",
            (
                _optional_number(before, "attendance rate of the week before", 0, 1),
                _optional_number(reviewed, "attendance rate of the reviewed week", 0, 1),
            ),
        )
        for name in ("medication_active", "goals_exist", "open_safety_alert"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")
        _optional_number(self.adherence, "adherence", 0, 1)
        _optional_number(self.mean_participation, "mean_participation", *PARTICIPATION_RANGE)
        set_field(
            self,
            "goal_ratings",
            tuple(_goal_rating(pair) for pair in _items(self.goal_ratings, "goal_ratings")),
        )
        set_field(
            self,
            "family_concerns",
            tuple(_family_concern(pair) for pair in _items(self.family_concerns, "family_concerns")),
        )


def _require_date(value: object, what: str) -> None:
    # A datetime is a date too, but comparing one with a date fails and day counts go wrong.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValueError(f"{what} must be a date, got {value!r}")


def _items(value: object, what: str) -> tuple[Any, ...]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise ValueError(f"{what} must be a list or tuple, got {value!r}")
    return tuple(value)


def _pair(value: object, what: str) -> tuple[Any, Any]:
    if isinstance(value, str | bytes) or not isinstance(value, tuple | list) or len(value) != 2:
        raise ValueError(f"each of {what} must be a (day, value) pair, got {value!r}")
    return value[0], value[1]


def _score_entry(item: object) -> ScoreEntry:
    if isinstance(item, ScoreEntry):
        return item
    if isinstance(item, tuple | list) and 3 <= len(item) <= 4:
        return ScoreEntry(*item)
    raise ValueError(f"each score must be a ScoreEntry(instrument, day, total, flags), got {item!r}")


def _optional_number(value: object, what: str, low: float, high: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValueError(f"{what} must be a number from {low:g} to {high:g} or None, got {value!r}")
    return value


def _goal_rating(pair: object) -> tuple[date, int]:
    day, rating = _pair(pair, "goal_ratings")
    _require_date(day, "goal rating day")
    low, high = GOAL_RATING_RANGE
    if isinstance(rating, bool) or not isinstance(rating, int) or not low <= rating <= high:
        raise ValueError(f"goal rating on {day} must be a whole number from {low} to {high}, got {rating!r}")
    return day, rating


def _family_concern(pair: object) -> tuple[date, str]:
    day, concern = _pair(pair, "family_concerns")
    _require_date(day, "family concern day")
    if concern not in FAMILY_CONCERNS:
        raise ValueError(
            f"family concern on {day} must be one of {', '.join(FAMILY_CONCERNS)}, got {concern!r}"
        )
    return day, concern
