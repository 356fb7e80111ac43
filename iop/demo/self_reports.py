"""The demo's clients on their own side: personal links for a few clients, weeks of daily check-ins, and
(iop.demo.client_logs) their journal, homework, feedback and logs."""

from __future__ import annotations

import random
from datetime import timedelta

from iop.demo.client_logs import seed_client_side
from iop.demo.content import CLINICIAN_EMAIL
from iop.demo.wearables import seed_wearable_import
from iop.models import Enrollment, User
from iop.services.checkins import CheckinInput, submit_checkin
from iop.services.client_links import EnableInput, enable_checkins
from iop.services.homework import HomeworkInput, assign_homework

CLIENTS_WITH_LINKS = 3
CHECKIN_DAYS = 21
NOTES = ("", "", "Went to a meeting.", "Hard evening.", "Walked with my sister.", "")


def seed_self_reports(enrollments: list[Enrollment], staff: dict[str, User], seed: int) -> int:
    """Links for the three longest-enrolled current adult clients, a daily practice assigned to each, and
    their check-ins (about three in four days of the last three weeks, mood rising and cravings easing),
    the first of them with a wearable import; returns how many check-ins."""
    clinician = staff[CLINICIAN_EMAIL]
    current = sorted(
        (e for e in enrollments if e.ended_on is None and e.cohort.program.population == "adult"),
        key=lambda e: (e.started_on, e.id),
    )[:CLIENTS_WITH_LINKS]
    rng = random.Random(seed)
    written = 0
    for number, enrollment in enumerate(current):
        client = enrollment.client
        client.email = client.email or f"client{client.id}@example.org"  # demo addresses only
        today = client.program.today()
        start = max(enrollment.started_on, today - timedelta(days=CHECKIN_DAYS))
        link = enable_checkins(
            client,
            EnableInput("Daily check-ins and weekly questionnaires between sessions.", start, "email"),
            clinician,
            lambda token: f"/me/l/{token}",
        )
        assignment = assign_homework(
            client,
            HomeworkInput(
                "Practise grounding (5-4-3-2-1)", "daily", instructions="Once a day, and when an urge rises."
            ),
            clinician,
        )
        skills = client.program.coping_skills
        for offset in range((today - start).days):
            day = start + timedelta(days=offset)
            if rng.random() < 0.25:
                continue
            progress = offset / CHECKIN_DAYS
            # The last client's mood falls over the last few days: the roster marks a worrying trend.
            dip = 5 if number == len(current) - 1 and (today - day).days <= 5 else 0
            contact = rng.random() < 0.7
            data = CheckinInput(
                scales={
                    "mood": _clamp(3 + round(4 * progress) + rng.randint(-1, 1) - dip),
                    "anxiety": _clamp(7 - round(3 * progress) + rng.randint(-1, 1)),
                    "cravings": _clamp(6 - round(4 * progress) + rng.randint(-1, 2) + number),
                    "stress": _clamp(6 + rng.randint(-2, 2)),
                },
                sleep_hours=rng.choice((5.5, 6.0, 6.5, 7.0, 7.5, 8.0, None)),
                exercise_minutes=rng.choice((0, 0, 15, 20, 30, 45)),
                social_contact=contact,
                social_with=rng.choice(("family", "friends", "peers")) if contact else None,
                coping_skill=rng.choice((None, *skills[:4])),
                note=rng.choice(NOTES),
            )
            submit_checkin(link, data, f"demo-checkin-{client.id}-{day.isoformat()}", day=day)
            written += 1
        if number == 0:  # one client imported a few weeks of their Fitbit
            seed_wearable_import(link, seed)
        seed_client_side(link, assignment, start, number, rng)
    if current:
        # One program shows its clients their PHQ-9/GAD-7 trend, so the demo has the page (off by default).
        current[0].client.program.show_clients_scores = True
    return written


def _clamp(value: int) -> int:
    return max(0, min(10, value))
