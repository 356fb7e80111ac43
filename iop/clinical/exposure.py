"""Exposure progress: how anxiety before the same situation changed from the first exercise to the latest."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Exercise:
    """One exposure exercise: the situation faced, when, and anxiety (0–100) before and after."""

    situation: str
    done_on: date
    anxiety_before: int
    anxiety_after: int


@dataclass(frozen=True)
class SituationProgress:
    """The first and latest exercise of one situation, compared on the anxiety rated before it."""

    situation: str
    exercises: int
    first_on: date
    first_before: int
    latest_on: date
    latest_before: int
    latest_after: int

    @property
    def change(self) -> int:
        """Latest minus first before-rating: negative means less anticipatory anxiety."""
        return self.latest_before - self.first_before

    @property
    def days(self) -> int:
        return (self.latest_on - self.first_on).days

    @property
    def span(self) -> str:
        """ "over 6 weeks", "over 10 days", "on the same day"."""
        if self.days == 0:
            return "on the same day"
        if self.days < 14:
            return f"over {self.days} day{'s' if self.days != 1 else ''}"
        return f"over {self.days // 7} weeks"

    def describe(self) -> str:
        """ "Anxiety before social events: 80 → 45 over 6 weeks" (one exercise: just its rating)."""
        if self.exercises == 1:
            return f"Anxiety before {self.situation}: {self.first_before} (one exercise so far)"
        return f"Anxiety before {self.situation}: {self.first_before} → {self.latest_before} {self.span}"


def situation_key(situation: str) -> str:
    """Situations are the same when they differ only in case and spacing."""
    return " ".join(situation.split()).casefold()


def exposure_progress(exercises: Iterable[Exercise]) -> list[SituationProgress]:
    """Per situation: first vs latest before-rating, most recently practised situation first.

    Exercises may come in any order; on the same day, the one given later counts as later.
    A situation is named as it was written the first time.
    """
    by_situation: dict[str, list[Exercise]] = {}
    for exercise in exercises:
        by_situation.setdefault(situation_key(exercise.situation), []).append(exercise)
    progress = []
    for group in by_situation.values():
        ordered = sorted(group, key=lambda exercise: exercise.done_on)  # stable: ties keep input order
        first, latest = ordered[0], ordered[-1]
        progress.append(
            SituationProgress(
                situation=" ".join(first.situation.split()),
                exercises=len(ordered),
                first_on=first.done_on,
                first_before=first.anxiety_before,
                latest_on=latest.done_on,
                latest_before=latest.anxiety_before,
                latest_after=latest.anxiety_after,
            )
        )
    return sorted(progress, key=lambda item: (-item.latest_on.toordinal(), situation_key(item.situation)))
