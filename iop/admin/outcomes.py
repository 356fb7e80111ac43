"""Admin outcome report per program and cohort over a chosen period, on the page and as CSV."""

import csv
import io
from datetime import UTC, date, timedelta

from flask import Response, render_template, request

from iop import clock
from iop.admin import bp
from iop.extensions import db
from iop.permissions import admin_required, permitted_programs
from iop.services.audit import record_event
from iop.services.outcomes import COLUMNS, outcome_report

DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366


def _period() -> tuple[date | None, date | None, dict[str, str]]:
    """The period asked for (default: the last 90 days), with a message per bad field."""
    programs = permitted_programs()
    today = programs[0].today() if programs else clock.today(UTC)
    values, errors = {}, {}
    for name, default in (("start", today - timedelta(days=DEFAULT_DAYS - 1)), ("end", today)):
        raw = request.args.get(name, "")
        try:
            values[name] = date.fromisoformat(raw) if raw else default
        except ValueError:
            errors[name] = "Enter a date as YYYY-MM-DD."
    if not errors and values["end"] < values["start"]:
        errors["end"] = "The end of the period cannot be before its start."
    elif not errors and (values["end"] - values["start"]).days > MAX_DAYS:
        errors["end"] = "Choose a period of at most three years."
    return values.get("start"), values.get("end"), errors


@bp.get("/outcomes/")
@admin_required
def outcomes():
    """Response and remission rates, attendance, step-down rate, length of stay and urgent reviews."""
    start, end, errors = _period()
    report = None if errors else outcome_report(permitted_programs(), start, end)
    context = {"report": report, "errors": errors, "columns": COLUMNS, "args": request.args}
    return render_template("admin/outcomes.html", **context), 422 if errors else 200


@bp.get("/outcomes.csv")
@admin_required
def outcomes_csv():
    """The same report as a CSV file (aggregates only: no client appears in it)."""
    start, end, errors = _period()
    if errors:
        return {"errors": errors}, 400
    report = outcome_report(permitted_programs(), start, end)
    record_event("report.export", "outcome_report", None, details={"start": start, "end": end})
    db.session.commit()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Period start", "Period end", *(label for _key, label in COLUMNS)])
    for row in report.rows:
        writer.writerow([start.isoformat(), end.isoformat(), *(_cell(row[key]) for key, _label in COLUMNS)])
    filename = f"stepwise-outcomes-{start.isoformat()}-{end.isoformat()}.csv"
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return str(value)
