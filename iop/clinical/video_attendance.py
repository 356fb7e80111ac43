"""What a video platform's participant report says about one member's attendance at a group.

A member's joins and leaves (several when the connection dropped or they stepped out and came back) are
clipped to the session's scheduled time and merged where they overlap, so no minute counts twice and
time in the meeting before the start or after the end counts for nothing. The proposal then names one of
the grid's statuses (iop/clinical/attendance.py) and the minutes attended; the clinician confirms it.

The rule, each threshold inclusive on the lenient side:
- fewer than ABSENT_BELOW_MINUTES minutes inside the scheduled time: absent (unexcused), 0 minutes
  (a connection test, or joining the wrong meeting, is not attending the group);
- otherwise late when the first join inside the session came more than LATE_AFTER after the start, left
  early when the last leave came more than LEFT_EARLY_BEFORE before the end; both: whichever cost more
  time (a tie is late);
- otherwise present.
Minutes are the merged time in whole minutes, rounded down (never credit a minute not attended). A
dropped connection shows only as fewer minutes: the report cannot tell a technical problem from a client
who stepped away, so "technical problem" is left for the clinician to choose in the grid.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

LATE_AFTER = timedelta(minutes=10)
LEFT_EARLY_BEFORE = timedelta(minutes=10)
ABSENT_BELOW_MINUTES = 5
NO_SHOW = "absent_unexcused"

Interval = tuple[datetime, datetime]


def merge_intervals(intervals: Iterable[Interval], start: datetime, end: datetime) -> list[Interval]:
    """The intervals clipped to start…end, overlapping or touching ones merged, in time order.

    An interval that ends before it starts, or lies wholly outside start…end, contributes nothing.
    """
    clipped = sorted(
        (max(joined, start), min(left, end))
        for joined, left in intervals
        if min(left, end) > max(joined, start)
    )
    merged: list[Interval] = []
    for joined, left in clipped:
        if merged and joined <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], left))
        else:
            merged.append((joined, left))
    return merged


@dataclass(frozen=True)
class Proposal:
    """The status and minutes proposed for one member, and the facts they rest on."""

    status: str
    minutes_attended: int
    # None when the member was never in the meeting during the scheduled time.
    first_join: datetime | None = None
    last_leave: datetime | None = None
    late_minutes: int = 0
    left_early_minutes: int = 0
    # Separate stretches of time in the group: 2 or more means the member dropped out and came back.
    stretches: int = 0


def propose(intervals: Iterable[Interval], start: datetime, end: datetime) -> Proposal:
    """The proposal for one member's intervals against a session scheduled start…end."""
    merged = merge_intervals(intervals, start, end)
    seconds = sum((left - joined).total_seconds() for joined, left in merged)
    duration_minutes = int((end - start).total_seconds() // 60)
    minutes = min(int(seconds // 60), duration_minutes)
    if not merged or minutes < ABSENT_BELOW_MINUTES:
        return Proposal(NO_SHOW, 0, stretches=len(merged))
    first_join, last_leave = merged[0][0], merged[-1][1]
    late_by, early_by = first_join - start, end - last_leave
    late, left_early = late_by > LATE_AFTER, early_by > LEFT_EARLY_BEFORE
    if late and left_early:
        status = "late" if late_by >= early_by else "left_early"
    else:
        status = "late" if late else "left_early" if left_early else "present"
    return Proposal(
        status,
        minutes,
        first_join=first_join,
        last_leave=last_leave,
        late_minutes=int(late_by.total_seconds() // 60),
        left_early_minutes=int(early_by.total_seconds() // 60),
        stretches=len(merged),
    )
