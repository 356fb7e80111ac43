"""What the client reported by personal link, as the care team reads it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, func, select

from iop.clinical.checkins import (
    SELF_REPORT_INSTRUMENTS,
    CheckinDay,
    CheckinSummary,
    QuestionnaireWindow,
    questionnaire_window,
    summarise_checkins,
)
from iop.clinical.due import QUESTIONNAIRE_INTERVAL_DAYS
from iop.clinical.instruments import STANDARD_INSTRUMENTS, Instrument
from iop.clinical.wearables import WearableSummary, summarise_wearable_days
from iop.extensions import db
from iop.models import (
    AssessmentResponse,
    AuditEvent,
    Client,
    ClientLink,
    HomeworkAssignment,
    JournalEntry,
    SessionFeedback,
    WearableDay,
    WearableImport,
)
from iop.services.checkins import checkin_days
from iop.services.client_links import client_links_query
from iop.services.custom_instruments import build_instrument, instrument_for, scheduled_custom_instruments
from iop.services.feedback import client_feedback_query, newest_feedback_first
from iop.services.homework import HomeworkWeek, client_homework, completion_by_week
from iop.services.journal import newest_entries_first, shared_entries_query
from iop.services.progress import ClientProgress, score_series
from iop.services.stacked import stacked
from iop.services.wearables import (
    import_history_query,
    newest_imports_first,
    wearable_days,
    wearable_days_query,
)

# What a client does by link, and what the schedule does for them, audited with no staff actor: each
# action with the words the Self-reports tab's activity table shows for it.
CLIENT_ACTIONS = {
    "client_link.open": "Opened the link",
    "client_link.refused": "Tried a link that no longer works",
    "client_link.second_factor_failed": "Wrong PIN or date of birth",
    "client_link.throttled": "Too many tries: paused",
    "client_link.sign_out": "Signed out",
    "client_link.renew": "Link renewed on schedule",
    "questionnaire.reminder": "Reminded of a questionnaire",
    "client.self_view": "Viewed a page",
    "checkin.submit": "Sent a check-in",
    "assessment.record": "Answered a questionnaire",
    "journal.write": "Wrote a journal entry",
    "journal.share": "Shared a journal entry",
    "journal.unshare": "Stopped sharing a journal entry",
    "feedback.submit": "Gave feedback on a group",
    "homework.done": "Marked homework done",
    "wearables.upload": "Uploaded a wearable file",
    "wearables.upload_refused": "Uploaded a file that could not be read",
    "wearables.import": "Imported wearable data",
    "wearables.discard": "Cancelled a wearable upload",
    "message.send": "Sent a message",
    "message.read": "Read the care team's messages",
    "exposure.log": "Logged a planned event",
    "symptom.log": "Logged panic attacks",
}


def client_activity_query(client: Client, limit: int = 20) -> Select:
    """What was done through the client's personal links (opened, viewed, sent, refused), newest first."""
    return (
        select(AuditEvent)
        .where(
            AuditEvent.client_id == client.id,
            AuditEvent.action.in_(list(CLIENT_ACTIONS)),
            AuditEvent.actor_id.is_(None),
        )
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )


def _with_details(events) -> list[tuple[AuditEvent, dict]]:
    """The events newest first, each with its details read."""
    return [
        (event, json.loads(event.details or "{}"))
        for event in sorted(events, key=lambda event: event.id, reverse=True)
    ]


@dataclass(frozen=True)
class DueQuestionnaire:
    """A self-report questionnaire of the client's: its window (due date, last day) and latest answer."""

    instrument: Instrument
    window: QuestionnaireWindow
    latest_on: date | None

    def is_open(self, today: date) -> bool:
        return self.window.is_open(today)


def client_questionnaires(client: Client) -> list[DueQuestionnaire]:
    """PHQ-9 and GAD-7 weekly, and the program's custom instruments on their own cadence, for a client
    enrolled today (none otherwise)."""
    return questionnaires_of([client])[client.id]


def questionnaires_of(clients: list[Client]) -> dict[int, list[DueQuestionnaire]]:
    """Each client's questionnaires and their windows, in two queries whatever the number of clients
    (their enrollments loaded with them)."""
    if not clients:
        return {}
    scheduled = [
        (STANDARD_INSTRUMENTS[key], QUESTIONNAIRE_INTERVAL_DAYS, None) for key in SELF_REPORT_INSTRUMENTS
    ] + [
        (build_instrument(row), row.cadence_days, row.program_id)
        for row in scheduled_custom_instruments({client.program_id for client in clients})
    ]
    keys = [instrument.key for instrument, _, _ in scheduled]
    latest = {
        (client_id, instrument): day
        for client_id, instrument, day in db.session.execute(
            select(
                AssessmentResponse.client_id,
                AssessmentResponse.instrument,
                func.max(AssessmentResponse.administered_on),
            )
            .where(
                AssessmentResponse.client_id.in_([client.id for client in clients]),
                AssessmentResponse.instrument.in_(keys),
                AssessmentResponse.superseded_by_id.is_(None),
            )
            .group_by(AssessmentResponse.client_id, AssessmentResponse.instrument)
        )
    }
    result = {}
    for client in clients:
        today = client.program.today()
        enrollment = next((e for e in client.enrollments if e.is_active_on(today)), None)
        result[client.id] = [
            DueQuestionnaire(
                instrument,
                questionnaire_window(
                    latest.get((client.id, instrument.key)), enrollment.started_on, today, cadence
                ),
                latest.get((client.id, instrument.key)),
            )
            for instrument, cadence, program_id in scheduled
            if enrollment is not None and program_id in (None, client.program_id)
        ]
    return result


TREND_DAYS = 28


@dataclass(frozen=True)
class SelfReportTrends:
    """The last four weeks of check-ins: one row per day (None where none was sent), and summaries;
    beside them the wearable's days the client imported (by day) and their means."""

    days: list[tuple[date, CheckinDay | None]]
    last_7: CheckinSummary
    last_28: CheckinSummary
    wearable: dict[date, WearableDay]
    wearable_28: WearableSummary

    def chart_data(self) -> dict:
        """What charts.js draws: one series per measure, None on days without a check-in (or without
        wearable data, for the wearable's series)."""

        def series(name):
            return [getattr(row, name) if row else None for _, row in self.days]

        def worn(name):
            return [
                getattr(self.wearable[day], name) if day in self.wearable else None for day, _ in self.days
            ]

        return {
            "days": [day.isoformat() for day, _ in self.days],
            "series": {
                **{name: series(name) for name in ("mood", "anxiety", "cravings", "sleep_hours")},
                "wearable_sleep_hours": worn("sleep_hours"),
                **{name: worn(name) for name in ("resting_hr", "hrv_ms", "steps")},
            },
        }


def self_report_trends(client: Client) -> SelfReportTrends | None:
    """The client's check-ins over the last 28 days with adherence since admission; None when the
    client was never admitted to the program."""
    if not _admitted_on(client):
        return None
    start, today = trend_window(client)
    return _trends(client, wearable_days(client, start, today))


def trend_window(client: Client) -> tuple[date, date]:
    """The first and last day of the trends: the last 28 days of the program's today."""
    today = client.program.today()
    return today - timedelta(days=TREND_DAYS - 1), today


def _admitted_on(client: Client) -> date | None:
    return min(
        (e.started_on for e in client.enrollments if e.cohort.program_id == client.program_id), default=None
    )


def _trends(client: Client, worn: dict[date, WearableDay]) -> SelfReportTrends:
    start, today = trend_window(client)
    rows = checkin_days([client.id], start, today)[client.id]
    by_day = {row.day: row for row in rows}
    enrolled_on = _admitted_on(client)
    return SelfReportTrends(
        [
            (start + timedelta(days=offset), by_day.get(start + timedelta(days=offset)))
            for offset in range(TREND_DAYS)
        ],
        summarise_checkins(rows, today - timedelta(days=6), today, enrolled_on),
        summarise_checkins(rows, start, today, enrolled_on),
        worn,
        summarise_wearable_days(worn.values()),
    )


@dataclass(frozen=True)
class SelfReportsTab:
    """What the staff's Self-reports tab shows of a client: trends (None if never admitted), the
    wearable imports, homework with each week's completion, shared journal entries, feedback on
    groups, the personal links and what the client did by them."""

    trends: SelfReportTrends | None
    wearable_imports: list[WearableImport]
    homework: list[tuple[HomeworkAssignment, list[HomeworkWeek]]]
    shared_journal: list[JournalEntry]
    feedback: list[SessionFeedback]
    links: list[ClientLink]
    activity: list[tuple[AuditEvent, dict]]


def self_reports_tab(client: Client) -> SelfReportsTab:
    """The tab's reads in five statements whatever the client's history: the check-ins, the homework
    with its completions, and three pairs stacked in one statement each (iop.services.stacked): the
    wearable's days and imports, the shared journal and the feedback, the links and the activity."""
    start, today = trend_window(client)
    worn, imports = stacked(wearable_days_query(client, start, today), import_history_query(client))
    journal, feedback = stacked(shared_entries_query(client), client_feedback_query(client))
    links, activity = stacked(client_links_query(client), client_activity_query(client))
    return SelfReportsTab(
        trends=_trends(client, {row.day: row for row in worn}) if _admitted_on(client) else None,
        wearable_imports=newest_imports_first(imports),
        homework=[
            (assignment, completion_by_week(assignment, today)) for assignment in client_homework(client)
        ],
        shared_journal=newest_entries_first(journal),
        feedback=newest_feedback_first(feedback),
        links=sorted(links, key=lambda link: link.id, reverse=True),
        activity=_with_details(activity),
    )


def client_own_scores(client: Client) -> ClientProgress | None:
    """The client's own PHQ-9 and GAD-7 totals over time with their severity bands, for the client's
    pages; None unless the program chose to show clients their trend (off by default)."""
    if not client.program.show_clients_scores:
        return None
    series = [s for s in score_series(client, instrument_for) if s.instrument.key in SELF_REPORT_INSTRUMENTS]
    return ClientProgress(client.id, client.program.min_weekly_hours, series)
