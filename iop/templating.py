"""Jinja filters for dates, times and numbers as clinicians read them."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Flask
from flask_login import current_user


def clock(value: datetime) -> str:
    """9:30 AM"""
    return value.strftime("%I:%M %p").lstrip("0")


def tzname(value: datetime) -> str:
    """EST"""
    return value.strftime("%Z")


def day(value: date | datetime) -> str:
    """Mon, Nov 23"""
    return value.strftime("%a, %b %d").replace(" 0", " ")


def full_date(value: date | datetime) -> str:
    """Nov 23, 2026"""
    return value.strftime("%b %d, %Y").replace(" 0", " ")


def stamp(value: datetime, zone=None) -> str:
    """Nov 23, 2026 9:30 AM EST (in the given zone, else UTC)."""
    local = value.astimezone(zone) if zone else value
    return f"{full_date(local)} {clock(local)} {tzname(local)}"


def duration(value: timedelta) -> str:
    """2 h 05 min, 12 min, 3 days 4 h — how long something took or has been waiting."""
    minutes = max(0, int(value.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours_, minutes = divmod(minutes, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours_} h"
    if hours_:
        return f"{hours_} h {minutes:02d} min"
    return f"{minutes} min"


def percent(value: float | None) -> str:
    """85 % — or an em dash when there is no data."""
    return "—" if value is None else f"{round(value * 100)} %"


def hours(value: float) -> str:
    """7.5 h"""
    return f"{value:.1f} h"


def iso_day(value: str | None) -> str:
    """An ISO date string from a stored snapshot, as "Nov 23"; an em dash when missing."""
    return "—" if not value else date.fromisoformat(value).strftime("%b %d").replace(" 0", " ")


def init_app(app: Flask) -> None:
    """Register the filters, and the vocabularies templates need inside stand-alone blocks."""
    from iop import clock as the_clock
    from iop import models
    from iop.permissions import in_care_team
    from iop.services.alerts import escalation_due_at, may_acknowledge
    from iop.services.attendance import may_record

    for function in (clock, tzname, day, full_date, stamp, duration, percent, hours, iso_day):
        app.add_template_filter(function)
    app.jinja_env.globals.update(
        ATTENDANCE_STATUSES=models.ATTENDANCE_STATUSES,
        PARTICIPATION_ANCHORS=models.PARTICIPATION_ANCHORS,
        ABSENT_STATUSES=models.ABSENT_STATUSES,
        STATUS_SHORT_LABELS=models.STATUS_SHORT_LABELS,
        ROLE_LABELS=models.ROLE_LABELS,
        END_REASONS=models.END_REASONS,
        RECOMMENDATIONS=models.RECOMMENDATIONS,
        severity_label=severity_label,
        now=the_clock.now,
        may_acknowledge=may_acknowledge,
        # Macros imported without context do not see current_user; this global looks it up itself.
        can_record=lambda group_session: may_record(current_user, group_session),
        # The care team's controls (log, rate, add, correct): one question instead of a role list.
        in_care_team=lambda: in_care_team(current_user),
        escalation_due_at=escalation_due_at,
    )
    # A block rendered alone for htmx does not see its page's imports; the table box is needed in many.
    app.jinja_env.globals["scroll_box"] = app.jinja_env.get_template("macros/tables.html").module.scroll_box


def severity_label(instrument, key: str | None) -> str:
    """The label of a severity band key of an instrument ("Moderately severe")."""
    return next((band.label for band in instrument.bands if band.key == key), key or "")
