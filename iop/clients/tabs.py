"""The client record's shared header and tabs; each tab is a page of its own with a real URL.

A tab template extends clients/_layout.html and defines the block `record` by calling the
`record` macro of macros/client_tabs.html; an htmx request aimed at #record gets only that block.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import g
from flask_login import current_user

from iop.extensions import db
from iop.htmx import render_page
from iop.models import Alert, Client, Enrollment
from iop.permissions import policy_for
from iop.services.alerts import alerts_of_client
from iop.services.audit import record_event

# (key, label, endpoint): the tabs in the order they are shown. Add a tab here when its view exists.
CLIENT_TABS: list[tuple[str, str, str]] = [
    ("overview", "Overview", "clients.detail"),
    ("assessments", "Assessments", "clients.assessments"),
    ("symptoms", "Symptoms & exposures", "symptoms.index"),
    ("self_reports", "Self-reports", "self_reports.index"),
    ("messages", "Messages", "messages.index"),
    ("goals", "Goals", "goals.index"),
    ("medications", "Medications", "medications.index"),
    ("reviews", "Reviews", "reviews.client_tab"),
    ("family", "Family", "consents.index"),
    ("enrollment", "Enrollment", "clients.enrollment"),
]


def visible_tabs(client: Client) -> list[tuple[str, str, str]]:
    """The tabs whose route the user may open for this client, by the roles held in its program (the
    Messages tab is the care team's: a program admin does not see it). Break-glass reads as a clinician."""
    held = current_user.roles_in(client.program_id)
    if g.get("break_glass_grant") is not None:
        held = held | {"clinician"}
    return [
        tab
        for tab in CLIENT_TABS
        if (policy := policy_for(tab[2])) is None or not policy.roles or not held.isdisjoint(policy.roles)
    ]


@dataclass(frozen=True)
class ClientHeader:
    client: Client
    current: Enrollment | None
    today: date
    week_in_program: int | None
    open_alerts: list[Alert]
    # An enrollment that starts after today: an admission to come, or the cohort a transfer moves to.
    upcoming: Enrollment | None = None
    alert_history: list[Alert] = ()

    @property
    def level_of_care(self) -> str:
        if self.current:
            return "Intensive outpatient (ASAM 2.1)"
        return "Admission pending" if self.upcoming else "Not in the program"


def client_header(client: Client) -> ClientHeader:
    """Name, cohort, week in program, level of care and alerts (open and past), in two queries."""
    today = client.program.today()
    # The cohort the client is in today: a transfer shows in the header only once it takes effect.
    current = next((e for e in client.enrollments if e.is_active_on(today)), None)
    upcoming = next((e for e in client.enrollments if e.started_on > today), None)
    # Week in program counts from the first admission to the program, across transfers.
    first_admitted = min(
        (e.started_on for e in client.enrollments if e.cohort.program_id == client.program_id), default=None
    )
    alerts = alerts_of_client(client)
    open_alerts = [alert for alert in alerts if alert.is_open]
    history = [alert for alert in alerts if not alert.is_open]
    week = max(1, (today - first_admitted).days // 7 + 1) if current and first_admitted else None
    return ClientHeader(client, current, today, week, open_alerts, upcoming, history)


def render_client_tab(
    client: Client,
    tab: str,
    template: str,
    *,
    fragments: tuple[str, ...] = ("record",),
    audit_view: bool = True,
    status: int = 200,
    trigger=None,
    **context,
):
    """Audit the view, then render the tab page, or for htmx only the block its request targets.

    A response to a change the service already audited passes audit_view=False.
    """
    if audit_view:
        record_event("client.view", "client", client.id, client.id, details={"tab": tab})
        db.session.commit()
    return render_page(
        template,
        fragments,
        status=status,
        trigger=trigger,
        client=client,
        header=client_header(client),
        tabs=visible_tabs(client),
        active_tab=tab,
        **context,
    )
