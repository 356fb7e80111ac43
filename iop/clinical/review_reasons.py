"""The sentences of the weekly recommendation's reasons, with their numbers and dates.

Numbers are rounded down for display, so a value just below a threshold never reads as reaching it
(an attendance rate of 0.4999 is "49.9 %", not "50 %").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from iop.clinical.change import REMISSION_BELOW
from iop.clinical.instruments import PHQ9, STANDARD_INSTRUMENTS

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
CONCERN_WORDS = {
    "safety": "a safety concern",
    "substance_use": "substance use",
    "missed_medication": "missed medication",
    "withdrawal": "withdrawal",
}


@dataclass(frozen=True)
class Reading:
    """An instrument's baseline and latest total, for sentences that compare them."""

    name: str
    baseline: int
    baseline_day: date
    latest: int
    latest_day: date
    week_end: date

    def latest_text(self) -> str:
        return f"{self.name} {self.latest} on {day(self.latest_day, self.week_end)}"

    def from_baseline(self) -> str:
        if self.baseline_day == self.latest_day:
            return f"the first {self.name}"
        return f"from {self.baseline} on {day(self.baseline_day, self.week_end)}"


# --- numbers and dates ------------------------------------------------------------------------------


def day(value: date, week_end: date) -> str:
    """ "Nov 14"; with the year ("Dec 30, 2024") only when it is not week_end's year."""
    text = f"{_MONTHS[value.month - 1]} {value.day}"
    return text if value.year == week_end.year else f"{text}, {value.year}"


def percent(rate: float) -> str:
    """A proportion as a percentage rounded down to 0.1: 0.8 → "80 %", 0.4999 → "49.9 %"."""
    tenths = math.floor(round(rate * 1000, 6))  # round first so 0.57 * 1000 = 569.99… stays 570
    return f"{tenths // 10} %" if tenths % 10 == 0 else f"{tenths / 10:.1f} %"


def mean(value: float) -> str:
    """A mean rating rounded down to 0.01, with at least one decimal: "3.0", "2.99", "3.5"."""
    text = f"{math.floor(round(value * 100, 6)) / 100:.2f}"
    return text[:-1] if text.endswith("0") else text


def rating(value: int) -> str:
    """A goal-attainment rating with its sign: "+1", "0", "-2"."""
    return f"{value:+d}" if value else "0"


def needs(condition: str, met: bool) -> str:
    """The tail of a step-down reason: the condition as met, or what is still needed."""
    return condition if met else f"needs {condition} to step down"


def instrument_name(key: str) -> str:
    definition = STANDARD_INSTRUMENTS.get(key)
    return definition.short_name if definition else key


# --- urgent review ----------------------------------------------------------------------------------


def open_safety_alert(week_end: date) -> str:
    return f"safety alert still unacknowledged at the end of the week ({day(week_end, week_end)})"


def suicide_risk(instrument: str, on: date, week_end: date) -> str:
    detail = " (item 9 answered above 0)" if instrument == PHQ9.key else ""
    return f"{instrument_name(instrument)} on {day(on, week_end)} flags suicide risk{detail}"


def family_concern(concern: str, on: date, week_end: date) -> str:
    return f"family reported {CONCERN_WORDS[concern]} on {day(on, week_end)}"


def deterioration(reading: Reading, amount: int) -> str:
    return (
        f"{reading.name} rose from {reading.baseline} on {day(reading.baseline_day, reading.week_end)} "
        f"to {reading.latest} on {day(reading.latest_day, reading.week_end)}, "
        f"a reliable deterioration ({amount} or more)"
    )


def severe_phq9(reading: Reading, threshold: int) -> str:
    band = PHQ9.band_for(reading.latest)
    severity = f" ({band.label.lower()})" if band else ""
    return f"{reading.latest_text()}{severity} — {threshold} or more needs an urgent review"


# --- attendance -------------------------------------------------------------------------------------


def attendance(
    rates: Sequence[float | None], weeks: Sequence[tuple[date, date]], week_end: date, tail: str
) -> str:
    """ "attendance 40 % in the week of Nov 3 and 45 % in the week of Nov 10 — <tail>"."""
    parts = [
        f"{'unknown' if rate is None else percent(rate)} in the week of {day(first, week_end)}"
        + (" (nothing scheduled)" if rate is None else "")
        for rate, (first, _last) in zip(rates, weeks, strict=True)
    ]
    return f"attendance {' and '.join(parts)} — {tail}"


# --- step-down conditions ---------------------------------------------------------------------------


def days_enrolled(days: int, minimum: int, met: bool) -> str:
    return f"enrolled {days} day{'s' if days != 1 else ''} — {needs(f'{minimum} or more', met)}"


def no_symptom_measures() -> str:
    return "no PHQ-9 or GAD-7 given yet — needs at least one to step down"


def no_recent_score(reading: Reading, window_days: int) -> str:
    last = day(reading.latest_day, reading.week_end)
    return f"no {reading.name} in the last {window_days} days (last on {last})"


def total_too_high(reading: Reading, below: int) -> str:
    return f"{reading.latest_text()} — needs < {below} to step down"


def total_below(reading: Reading, below: int, *, response: bool, remission: bool) -> str:
    shown = [word for word, present in (("response", response), ("remission", remission)) if present]
    tag = f" ({' and '.join(shown)})" if shown else ""
    return f"{reading.latest_text()} — below {below}, {reading.from_baseline()}{tag}"


def no_response_or_remission(readings: Sequence[Reading]) -> str:
    details = "; ".join(f"{reading.latest_text()}, {reading.from_baseline()}" for reading in readings)
    return (
        f"no response or remission yet: {details} — needs a drop of at least half from baseline "
        f"or a total below {REMISSION_BELOW} to step down"
    )


def adherence(value: float | None, threshold: float, window_days: int, met: bool) -> str:
    needed = needs(f"{percent(threshold)} or more", met)
    if value is None:
        return f"no medication adherence data for the last {window_days} days — {needed}"
    return f"medication adherence {percent(value)} over the last {window_days} days — {needed}"


def participation(value: float | None, threshold: float, window_days: int, met: bool) -> str:
    if value is None:
        return (
            f"no participation ratings in the last {window_days} days — "
            f"needs a mean of {mean(threshold)} or more to step down"
        )
    needed = needs(f"{mean(threshold)} or more", met)
    return f"mean participation {mean(value)} over the last {window_days} days — {needed}"


def goals(best: tuple[date, int] | None, threshold: int, window_days: int, week_end: date, met: bool) -> str:
    needed = f"at least one goal rated {rating(threshold)} or better in the last {window_days} days"
    if best is None:
        return f"no goal ratings in the last {window_days} days — needs {needed} to step down"
    on, value = best
    if met:
        return f"goal rated {rating(value)} on {day(on, week_end)} — {rating(threshold)} or better"
    return f"goals: best rating {rating(value)} on {day(on, week_end)} — needs {needed} to step down"
