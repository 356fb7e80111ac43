"""When a questionnaire is due: PHQ-9 and GAD-7 are given at admission and then every week."""

from __future__ import annotations

from datetime import date, timedelta

QUESTIONNAIRE_INTERVAL_DAYS = 7


def questionnaire_due_on(
    latest_on: date | None, admitted_on: date, interval_days: int = QUESTIONNAIRE_INTERVAL_DAYS
) -> date:
    """The day the next response is due: `interval_days` (a week for PHQ-9 and GAD-7) after the latest
    one, or on admission for the first."""
    if latest_on is None:
        return admitted_on
    return latest_on + timedelta(days=interval_days)


def days_overdue(latest_on: date | None, admitted_on: date, today: date) -> int:
    """How many days past due the questionnaire is today (0 = due today or not yet due)."""
    return max(0, (today - questionnaire_due_on(latest_on, admitted_on)).days)
