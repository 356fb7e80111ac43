"""The numbers of the weekly recommendation (DESIGN.md §5.5), one set per program, checked on creation."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from iop.clinical.adherence import ADHERENT_THRESHOLD
from iop.clinical.instruments import GAD7, PHQ9

# Reliable change, response and remission are not here: they are published definitions (§5.2, change.py),
# not a program's choice.

# The plain words an admin form shows for each number.
LABELS: Mapping[str, str] = {
    "min_days_enrolled": "Days enrolled before a step-down",
    "window_days": "Days of recent evidence (the last N days up to the end of the week)",
    "step_down_total_below": "PHQ-9 and GAD-7 totals must be below",
    "urgent_phq9_total": "PHQ-9 total that calls for an urgent review (at or above)",
    "disengagement_attendance_below": "Attendance rate below which both weeks mean disengagement",
    "step_down_attendance": "Attendance rate needed in both weeks to step down (at or above)",
    "step_down_adherence": "Medication adherence needed to step down (at or above)",
    "step_down_participation": "Mean participation needed to step down (1–5, at or above)",
    "step_down_goal_rating": "Goal rating needed on at least one goal to step down (−2 to +2, at or above)",
}

# Scales the evidence is measured on (the models hold their labels): participation is rated 1–5 per group,
# goals on goal-attainment scaling from −2 to +2 with 0 the expected level.
PARTICIPATION_RANGE = (1, 5)
GOAL_RATING_RANGE = (-2, 2)

_MAX_DAYS = 365
# A total must stay reachable on both instruments, or nobody (or everybody) could step down.
_HIGHEST_SHARED_TOTAL = min(PHQ9.max_total, GAD7.max_total)


class ThresholdsError(ValueError):
    """Thresholds that make no sense; `field_errors` maps each bad field to its message."""

    def __init__(self, field_errors: Mapping[str, str]) -> None:
        self.field_errors = dict(field_errors)
        super().__init__("; ".join(self.field_errors.values()))


@dataclass(frozen=True, kw_only=True)
class Thresholds:
    """A program's review thresholds; the defaults are those of §5.5. Invalid values raise ThresholdsError."""

    min_days_enrolled: int = 28  # at or above
    window_days: int = 14  # the last 14 days are week_end − 13 … week_end
    step_down_total_below: int = 10  # latest PHQ-9 and GAD-7 strictly below
    urgent_phq9_total: int = 20  # latest PHQ-9 at or above
    disengagement_attendance_below: float = 0.50  # strictly below, in both weeks
    step_down_attendance: float = 0.80  # at or above, in both weeks
    step_down_adherence: float = ADHERENT_THRESHOLD  # at or above
    step_down_participation: float = 3.0  # at or above
    step_down_goal_rating: int = 0  # at least one rating at or above

    def __post_init__(self) -> None:
        errors = _field_errors(self)
        if errors:
            raise ThresholdsError(errors)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Thresholds:
        """Thresholds from stored or submitted values; missing names take the default, unknown ones fail."""
        if not isinstance(values, Mapping):
            raise ThresholdsError(
                {"thresholds": f"thresholds must be a mapping of names to numbers, got {values!r}"}
            )
        known = {field.name for field in fields(cls)}
        unknown = sorted(str(name) for name in values if name not in known)
        if unknown:
            raise ThresholdsError({name: f"unknown threshold {name!r}" for name in unknown})
        return cls(**values)

    def as_dict(self) -> dict[str, int | float]:
        """Every threshold by name, as plain numbers, so a review can store the ones it used."""
        return asdict(self)


def _field_errors(thresholds: Thresholds) -> dict[str, str]:
    errors: dict[str, str] = {}

    def whole(name: str, low: int, high: int) -> None:
        value = getattr(thresholds, name)
        if not isinstance(value, int) or isinstance(value, bool):
            errors[name] = f"{name} must be a whole number, got {value!r}"
        elif not low <= value <= high:
            errors[name] = f"{name} must be from {low} to {high}, got {value}"

    def real(name: str, low: float, high: float) -> None:
        value = getattr(thresholds, name)
        if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
            errors[name] = f"{name} must be a number, got {value!r}"
        elif not low <= value <= high:
            errors[name] = f"{name} must be from {low:g} to {high:g}, got {value:g}"

    whole("min_days_enrolled", 0, _MAX_DAYS)
    whole("window_days", 1, _MAX_DAYS)
    # 0 would mean no total is low enough; above the GAD-7 maximum every GAD-7 total would be.
    whole("step_down_total_below", 1, _HIGHEST_SHARED_TOTAL)
    whole("urgent_phq9_total", 1, PHQ9.max_total)
    real("disengagement_attendance_below", 0, 1)
    real("step_down_attendance", 0, 1)
    real("step_down_adherence", 0, 1)
    real("step_down_participation", *PARTICIPATION_RANGE)
    whole("step_down_goal_rating", *GOAL_RATING_RANGE)

    # Cross-checks only between fields that are valid on their own, so each message has one cause.
    if not errors.keys() & {"urgent_phq9_total", "step_down_total_below"} and (
        thresholds.urgent_phq9_total < thresholds.step_down_total_below
    ):
        errors["urgent_phq9_total"] = (
            f"urgent_phq9_total ({thresholds.urgent_phq9_total}) must not be below "
            f"step_down_total_below ({thresholds.step_down_total_below}): a total low enough to step down "
            "cannot also call for an urgent review"
        )
    if not errors.keys() & {"disengagement_attendance_below", "step_down_attendance"} and (
        thresholds.disengagement_attendance_below > thresholds.step_down_attendance
    ):
        errors["disengagement_attendance_below"] = (
            f"disengagement_attendance_below ({thresholds.disengagement_attendance_below:g}) must not be "
            f"above step_down_attendance ({thresholds.step_down_attendance:g})"
        )
    return errors


DEFAULT_THRESHOLDS = Thresholds()
