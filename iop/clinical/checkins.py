"""What a client reports between sessions: the daily check-in's scales, adherence, and when a
self-report questionnaire is due and when it expires.

Plain data in, plain data out: the client's pages, the staff tab and the weekly review share these.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from iop.clinical.due import QUESTIONNAIRE_INTERVAL_DAYS, questionnaire_due_on

# (key, label, anchor at 0, anchor at 10): the four 0–10 sliders, in the words the client sees.
CHECKIN_SCALES: tuple[tuple[str, str, str, str], ...] = (
    ("mood", "Mood", "Very low", "Very good"),
    ("anxiety", "Anxiety", "None", "Extreme"),
    ("cravings", "Cravings", "None", "Overwhelming"),
    ("stress", "Stress", "None", "Extreme"),
)
SCALE_KEYS = tuple(key for key, _, _, _ in CHECKIN_SCALES)
SCALE_MIN, SCALE_MAX = 0, 10
MAX_SLEEP_HOURS = 24
MAX_EXERCISE_MINUTES = 1440

SOCIAL_CATEGORIES = {
    "family": "Family",
    "friends": "Friends",
    "peers": "Recovery or group peers",
    "sponsor": "Sponsor or mentor",
    "work": "Work or school",
    "other": "Someone else",
}
# A program without its own list offers these (skills taught in DBT, CBT and relapse prevention).
DEFAULT_COPING_SKILLS = (
    "Grounding (5-4-3-2-1)",
    "Paced breathing",
    "Opposite action",
    "Urge surfing",
    "Reaching out to someone",
    "Distraction",
    "Self-soothing",
    "Radical acceptance",
)

# A self-report questionnaire can be answered from the day it is due until this many days after.
QUESTIONNAIRE_EXPIRES_AFTER_DAYS = 3
SELF_REPORT_INSTRUMENTS = ("phq9", "gad7")


MAX_COPING_SKILLS = 30
COPING_SKILL_MAX_LENGTH = 80  # what a check-in stores of the skill used


def coping_skill_problems(text: str) -> list[str]:
    """What is wrong with a program's list of coping skills as typed (one per line), in plain words;
    empty lines and surrounding spaces do not count, a skill repeated in other letter case does."""
    skills = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    problems = []
    if len(skills) > MAX_COPING_SKILLS:
        problems.append(f"List at most {MAX_COPING_SKILLS} skills; this list has {len(skills)}.")
    too_long = [skill for skill in skills if len(skill) > COPING_SKILL_MAX_LENGTH]
    if too_long:
        problems.append(
            f"Keep each skill under {COPING_SKILL_MAX_LENGTH + 1} characters: "
            f"“{too_long[0][:40]}…” is {len(too_long[0])}."
        )
    seen: dict[str, str] = {}
    repeated = []
    for skill in skills:
        if skill.casefold() in seen and skill.casefold() not in repeated:
            repeated.append(skill.casefold())
        seen.setdefault(skill.casefold(), skill)
    if repeated:
        names = ", ".join(f"“{seen[key]}”" for key in repeated)
        problems.append(
            f"List each skill once: {names} {'is' if len(repeated) == 1 else 'are'} there more than once."
        )
    return problems


def tidy_coping_skills(text: str) -> str | None:
    """The list as stored: one skill per line, spaces tidied, empty lines dropped; None when empty (the
    program then offers the default list)."""
    skills = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    return "\n".join(skills) or None


def coping_skills(program_list: str | None) -> tuple[str, ...]:
    """The program's coping skills, one per line; the default list when the program has none."""
    skills = tuple(line.strip() for line in (program_list or "").splitlines() if line.strip())
    return skills or DEFAULT_COPING_SKILLS


@dataclass(frozen=True)
class Adherence:
    """Days with a check-in out of the days the client could check in."""

    days_checked_in: int
    days: int

    @property
    def rate(self) -> float | None:
        return self.days_checked_in / self.days if self.days else None


def checkin_adherence(checkin_days: Iterable[date], start: date, end: date, enrolled_on: date) -> Adherence:
    """Check-in adherence over start…end (both included), counting only days from `enrolled_on` on.

    Several check-ins on one day count once; days outside the window are ignored.
    """
    first = max(start, enrolled_on)
    if end < first:
        return Adherence(0, 0)
    days = (end - first).days + 1
    checked = {day for day in checkin_days if first <= day <= end}
    return Adherence(len(checked), days)


def mean(values: Iterable[float | None]) -> float | None:
    """The mean of the values given (None ignored); None when there are none."""
    present = [value for value in values if value is not None]
    return sum(present) / len(present) if present else None


@dataclass(frozen=True)
class QuestionnaireWindow:
    """When a self-report is due and the last day it can be answered."""

    due_on: date
    expires_on: date

    def is_open(self, today: date) -> bool:
        return self.due_on <= today <= self.expires_on


def questionnaire_window(
    latest_on: date | None,
    admitted_on: date,
    today: date,
    interval_days: int = QUESTIONNAIRE_INTERVAL_DAYS,
) -> QuestionnaireWindow:
    """The window the client should answer next: due `interval_days` after the latest response (on
    admission for the first), open for three days (less when the cadence is shorter, so windows never
    overlap); a window that expired unanswered gives way to the next one on the cadence, so a missed
    one is never answered late as if it were on time."""
    if interval_days < 1:
        raise ValueError("a questionnaire's cadence is at least one day")
    open_days = min(QUESTIONNAIRE_EXPIRES_AFTER_DAYS, interval_days - 1)
    due_on = questionnaire_due_on(latest_on, admitted_on, interval_days)
    expired_by = (today - due_on).days - open_days
    if expired_by > 0:
        # Skip whole missed periods: the first window whose expiry is today or later.
        periods = -(-expired_by // interval_days)
        due_on += timedelta(days=periods * interval_days)
    return QuestionnaireWindow(due_on, due_on + timedelta(days=open_days))


@dataclass(frozen=True)
class CheckinDay:
    """One check-in as the summaries read it: the day and what was rated (None where not given)."""

    day: date
    mood: int
    anxiety: int
    cravings: int
    stress: int
    sleep_hours: float | None = None


@dataclass(frozen=True)
class CheckinSummary:
    """A window of check-ins: adherence and the means the weekly review and the staff tab show."""

    start: date
    end: date
    adherence: Adherence
    mean_mood: float | None
    mean_anxiety: float | None
    mean_cravings: float | None
    mean_sleep_hours: float | None


def summarise_checkins(
    checkins: Iterable[CheckinDay], start: date, end: date, enrolled_on: date
) -> CheckinSummary:
    """Adherence and mean mood, anxiety, cravings and sleep over start…end (both included), from
    `enrolled_on` on; no check-ins means no means, never zeros."""
    inside = [c for c in checkins if max(start, enrolled_on) <= c.day <= end]
    return CheckinSummary(
        start,
        end,
        checkin_adherence((c.day for c in inside), start, end, enrolled_on),
        mean(c.mood for c in inside),
        mean(c.anxiety for c in inside),
        mean(c.cravings for c in inside),
        mean(c.sleep_hours for c in inside),
    )


# The post-session feedback: the program's own three questions, 1–5 (not the licensed SRS/GSRS wording).
FEEDBACK_QUESTIONS: tuple[tuple[str, str, tuple[str, str, str, str, str]], ...] = (
    (
        "felt_heard",
        "I felt heard in today's group",
        ("Not at all", "A little", "Somewhat", "Mostly", "Completely"),
    ),
    ("useful", "Today's group was useful to me", ("Not at all", "A little", "Somewhat", "Mostly", "Very")),
    (
        "plan_to_use",
        "I plan to use a skill from today before the next group",
        ("No", "Probably not", "Maybe", "Probably", "Yes, I have a plan"),
    ),
)
FEEDBACK_KEYS = tuple(key for key, _, _ in FEEDBACK_QUESTIONS)
# Feedback on a group can be given for this many days after it.
FEEDBACK_DAYS = 7


HOMEWORK_FREQUENCIES = {"once": "Once, by the due date", "daily": "Every day", "weekly": "Once a week"}


def homework_target(frequency: str, days: int) -> int:
    """How many completions a week of `days` days asks for: daily one a day, weekly and once one."""
    if days <= 0:
        return 0
    return days if frequency == "daily" else 1


# A worrying trend in the daily check-ins, for the cohort roster's marker. Only check-ins of the last
# TREND_WINDOW_DAYS days count, so an old run of check-ins does not raise (or hide) anything today.
TREND_WINDOW_DAYS = 28
RECENT_CHECKINS = 3
EARLIER_CHECKINS = 7
# The comparison needs at least this many of the earlier check-ins, so 1 old check-in is not a baseline.
MIN_EARLIER_CHECKINS = 3
MOOD_DROP = 2
CRAVINGS_RISE = 2
LOW_MOOD_AT_MOST = 2
LOW_MOOD_DAYS = 3


def _mean_of(values: list[int]) -> Fraction:
    return Fraction(sum(values), len(values))


def _one_decimal(value: Fraction) -> str:
    return f"{float(value):.1f}"


def worrying_trend(checkins: Iterable[CheckinDay], today: date) -> tuple[str, ...]:
    """Why the check-ins are worrying, in plain words; empty when they are not. Any of:

    - a check-in dated in the last LOW_MOOD_DAYS days (today and the two before) with mood ≤ 2;
    - the mean mood of the latest 3 check-ins at least 2 points below the mean of the (up to) 7 before
      them (at least 3 of those needed);
    - the mean cravings of the latest 3 at least 2 points above the mean of the 7 before them (same).
    Means are compared exactly (fractions), so a drop of exactly 2 points counts.
    """
    window_start = today - timedelta(days=TREND_WINDOW_DAYS - 1)
    recent_first = sorted((c for c in checkins if window_start <= c.day <= today), key=lambda c: c.day)[::-1]
    reasons = []
    low_since = today - timedelta(days=LOW_MOOD_DAYS - 1)
    low = [c for c in recent_first if c.day >= low_since and c.mood <= LOW_MOOD_AT_MOST]
    if low:
        reasons.append(f"Mood {low[0].mood} on {low[0].day:%b} {low[0].day.day}")
    latest = recent_first[:RECENT_CHECKINS]
    earlier = recent_first[RECENT_CHECKINS : RECENT_CHECKINS + EARLIER_CHECKINS]
    if len(latest) == RECENT_CHECKINS and len(earlier) >= MIN_EARLIER_CHECKINS:
        mood_now, mood_before = _mean_of([c.mood for c in latest]), _mean_of([c.mood for c in earlier])
        if mood_before - mood_now >= MOOD_DROP:
            reasons.append(
                f"Mood down from {_one_decimal(mood_before)} to {_one_decimal(mood_now)} (last 3 check-ins)"
            )
        cravings_now = _mean_of([c.cravings for c in latest])
        cravings_before = _mean_of([c.cravings for c in earlier])
        if cravings_now - cravings_before >= CRAVINGS_RISE:
            reasons.append(
                f"Cravings up from {_one_decimal(cravings_before)} to {_one_decimal(cravings_now)} "
                "(last 3 check-ins)"
            )
    return tuple(reasons)


@dataclass(frozen=True)
class HomeworkCount:
    """One assignment in one week: completions counted against what it asked for."""

    done: int
    target: int


def homework_week(
    frequency: str,
    assigned_on: date,
    due_on: date | None,
    completion_days: Iterable[date],
    monday: date,
    today: date,
) -> HomeworkCount | None:
    """An assignment's completions in the week starting `monday`, up to `today`, against its frequency
    over the days since it was assigned; a "once" task asks once, in the week of its due date, and done
    early counts there. None when the assignment did not exist yet in that week."""
    sunday = monday + timedelta(days=6)
    first, last = max(monday, assigned_on), min(sunday, today)
    days = (last - first).days + 1
    if days <= 0:
        return None
    completions = [day for day in completion_days if day <= last]
    done = sum(1 for day in completions if first <= day)
    if frequency != "once":
        return HomeworkCount(done, homework_target(frequency, days))
    due_here = due_on is not None and monday <= due_on <= sunday
    if due_here:
        return HomeworkCount(min(1, len(completions)), 1)
    return HomeworkCount(done, 0)


def homework_completion(counts: Iterable[HomeworkCount | None]) -> HomeworkCount:
    """Several assignments' week together: what was asked, and how much of it was done (completions
    beyond an assignment's target do not make up for another one)."""
    present = [count for count in counts if count is not None]
    return HomeworkCount(
        sum(min(count.done, count.target) for count in present), sum(count.target for count in present)
    )
