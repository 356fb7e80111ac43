"""The demo's wearable import: a few weeks of a Fitbit daily export, imported through the same upload,
preview and confirm steps a client takes."""

from __future__ import annotations

import random
from datetime import timedelta

from iop.models import ClientLink
from iop.services.wearables import confirm_import, default_choices, stage_upload, staged_table

WEARABLE_DAYS = 21


def fitbit_export(link: ClientLink, rng: random.Random, days: int = WEARABLE_DAYS) -> bytes:
    """A Fitbit-style daily CSV (title line, quoted cells, steps with thousands separators) for the days
    before today: resting heart rate easing and HRV rising as the weeks go by."""
    today = link.client.program.today()
    lines = ["Activities", "Date,Calories Burned,Steps,Minutes Asleep,Resting Heart Rate,rmssd"]
    for offset in range(days, 0, -1):
        day = today - timedelta(days=offset)
        progress = (days - offset) / days
        steps = rng.randint(3500, 7000) + round(4000 * progress)
        asleep = rng.randint(330, 480)
        resting = 66 - round(6 * progress) + rng.randint(-2, 2)
        hrv = 32 + round(12 * progress) + rng.randint(-4, 4)
        lines.append(
            f'"{day.isoformat()}","{rng.randint(1900, 2600):,}","{steps:,}","{asleep}","{resting}","{hrv}"'
        )
    return ("\n".join(lines) + "\n").encode()


def seed_wearable_import(link: ClientLink, seed: int) -> int:
    """Upload and confirm one export for the link's client; returns the days imported."""
    upload = stage_upload(link, "fitbit-daily-export.csv", fitbit_export(link, random.Random(seed)))
    confirm_import(upload, link, default_choices(upload, staged_table(upload)))
    return upload.days_imported
