"""Change over treatment: reliable improvement or deterioration, response and remission."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from iop.clinical.instruments import STANDARD_INSTRUMENTS, Instrument, check_total, resolve_instrument

# Remission (and response) are defined only for PHQ-9 and GAD-7, where the cut-offs are established;
# a program's own scale has no agreed meaning for "below 5".
REMISSION_BELOW = 5


@dataclass(frozen=True)
class Change:
    """How a client's total moved from baseline to current on one instrument."""

    instrument: str
    baseline: int
    current: int
    delta: int  # current − baseline
    reliable_improvement: bool
    reliable_deterioration: bool
    response: bool
    remission: bool


def classify(instrument: str | Instrument, baseline: int, current: int) -> Change:
    """Classify the change between two totals of one instrument; ValueError for bad keys or totals."""
    definition = resolve_instrument(instrument)
    check_total(definition, baseline, "baseline")
    check_total(definition, current, "current total")
    delta = current - baseline
    # Positive means the client got better, whichever direction the scale runs.
    gain = delta if definition.higher_is_better else -delta
    threshold = definition.reliable_change
    reliable_improvement = threshold is not None and gain >= threshold
    reliable_deterioration = threshold is not None and -gain >= threshold

    is_standard = STANDARD_INSTRUMENTS.get(definition.key) == definition
    # Response is a drop of at least half; doubling the drop keeps exactly 50 % free of float rounding.
    response = is_standard and baseline > 0 and 2 * (baseline - current) >= baseline
    remission = is_standard and current < REMISSION_BELOW
    return Change(
        instrument=definition.key,
        baseline=baseline,
        current=current,
        delta=delta,
        reliable_improvement=reliable_improvement,
        reliable_deterioration=reliable_deterioration,
        response=response,
        remission=remission,
    )


def baseline_and_latest(responses: Iterable[tuple[Any, int]]) -> tuple[int, int] | None:
    """(baseline, latest) totals from (when, total) pairs by time, or None when there are none."""
    baseline: tuple[Any, int] | None = None
    latest: tuple[Any, int] | None = None
    for when, total in responses:
        # Ties keep input order: the earliest-listed baseline, the last-listed latest (e.g. a correction).
        if baseline is None or when < baseline[0]:
            baseline = (when, total)
        if latest is None or when >= latest[0]:
            latest = (when, total)
    if baseline is None or latest is None:
        return None
    return baseline[1], latest[1]
