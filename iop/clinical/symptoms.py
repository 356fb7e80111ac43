"""Counted symptoms summed per week (Monday–Sunday), so a trend reads across a row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from iop.clinical.weeks import week_start

COMMON_SYMPTOMS = (
    "Panic attacks",
    "Self-harm urges",
    "Nightmares",
    "Binge episodes",
    "Dissociative episodes",
)


@dataclass(frozen=True)
class SymptomCount:
    """One logged count: a symptom, the day it was logged for, how often, and the worst severity 0–10."""

    symptom: str
    recorded_on: date
    occurrences: int
    severity: int | None = None


@dataclass(frozen=True)
class WeekCell:
    """One symptom in one week: the summed count, the worst severity given, and how many entries."""

    total: int
    worst_severity: int | None
    entries: int


@dataclass(frozen=True)
class SymptomWeeks:
    """A symptom's row of the summary: one cell per week, None where nothing was logged."""

    symptom: str
    cells: tuple[WeekCell | None, ...]


def symptom_key(symptom: str) -> str:
    """Symptoms are the same when they differ only in case and spacing."""
    return " ".join(symptom.split()).casefold()


def weekly_counts(counts: Iterable[SymptomCount], weeks: list[date]) -> list[SymptomWeeks]:
    """Sum counts per symptom and week for the given Mondays; symptoms logged in none of them are left out.

    "Not logged" stays None rather than 0, so a week nobody asked about never reads as symptom-free.
    Rows are sorted by symptom name; a symptom is named as it was first written.
    """
    columns = {monday: index for index, monday in enumerate(weeks)}
    names: dict[str, str] = {}
    cells: dict[str, list[list[int | None] | None]] = {}
    for count in counts:
        column = columns.get(week_start(count.recorded_on))
        if column is None:
            continue
        key = symptom_key(count.symptom)
        names.setdefault(key, " ".join(count.symptom.split()))
        row = cells.setdefault(key, [None] * len(weeks))
        cell = row[column] or [0, None, 0]
        cell[0] += count.occurrences
        if count.severity is not None:
            cell[1] = count.severity if cell[1] is None else max(cell[1], count.severity)
        cell[2] += 1
        row[column] = cell
    return [
        SymptomWeeks(
            names[key], tuple(WeekCell(cell[0], cell[1], cell[2]) if cell else None for cell in cells[key])
        )
        for key in sorted(cells, key=lambda key: names[key].casefold())
    ]
