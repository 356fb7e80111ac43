"""A client imports a wearable's CSV export: upload (held server-side as a staged import), preview with a
column mapping, then confirm, which stores every good day in one go. Audited with counts only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError

from iop import clock
from iop.clinical.wearable_files import (
    FileProblem,
    Table,
    decode_upload,
    guess_mapping,
    guess_source,
    mapping_problems,
    table_from_text,
)
from iop.clinical.wearables import DATE_FORMATS, SOURCES, ParsedRows, parse_rows
from iop.extensions import db
from iop.models import Client, ClientLink, WearableDay, WearableImport
from iop.services.audit import record_event

# How long an upload waits for the client's confirmation before its text is thrown away.
STAGED_FOR = timedelta(hours=1)
DUPLICATE_CHOICES = {
    "keep": "Keep what is already stored",
    "replace": "Replace it with this file's values (what the file lacks is kept)",
}


class ImportRefused(ValueError):
    """The upload or import cannot go ahead; the message is shown to the client."""


@dataclass(frozen=True)
class ImportChoices:
    """What the client chose on the preview: a column (or None) per target, the date format, the device,
    and what to do with days already stored."""

    mapping: dict[str, int | None]
    date_format: str = "auto"
    source: str = "other"
    on_duplicate: str = "keep"


@dataclass(frozen=True)
class Preview:
    """An upload read with the client's choices: the good rows, the errors, which days are stored already."""

    upload: WearableImport
    table: Table
    choices: ImportChoices
    problems: dict[str, str]
    parsed: ParsedRows | None
    existing: frozenset[date]

    @property
    def new_days(self) -> int:
        return sum(1 for row in self.parsed.rows if row.day not in self.existing) if self.parsed else 0

    @property
    def stored_days(self) -> int:
        return sum(1 for row in self.parsed.rows if row.day in self.existing) if self.parsed else 0


def _clear(upload: WearableImport, status: str) -> None:
    upload.status, upload.raw_text = status, None


def stage_upload(link: ClientLink, filename: str, raw: bytes) -> WearableImport:
    """Hold an uploaded export for its preview; ImportRefused when it cannot be read as a table of days.

    An earlier upload of the client's still waiting is discarded: one upload waits at a time.
    """
    try:
        text, encoding = decode_upload(raw)
        table = table_from_text(text, encoding)
    except FileProblem as problem:
        record_event(
            "wearables.upload_refused",
            "client_link",
            link.id,
            link.client_id,
            details={"link_id": link.id, "size_bytes": len(raw)},
        )
        raise ImportRefused(str(problem)) from None
    db.session.execute(
        update(WearableImport)
        .where(WearableImport.client_id == link.client_id, WearableImport.status == "staged")
        .values(status="discarded", raw_text=None)
    )
    upload = WearableImport(
        client_id=link.client_id,
        link_id=link.id,
        source=guess_source(table.header),
        filename="".join(char for char in filename or "" if char.isprintable())[:120],
        size_bytes=len(raw),
        row_count=len(table.rows),
        encoding=encoding,
        raw_text=text,
        expires_at=clock.now() + STAGED_FOR,
    )
    db.session.add(upload)
    db.session.flush()
    record_event(
        "wearables.upload",
        "wearable_import",
        upload.id,
        link.client_id,
        details={
            "link_id": link.id,
            "rows": upload.row_count,
            "columns": len(table.header),
            "size_bytes": upload.size_bytes,
            "source": upload.source,
        },
    )
    return upload


def staged_table(upload: WearableImport) -> Table:
    """The staged upload's table; ImportRefused once it stopped waiting (imported, discarded, expired)."""
    if upload.status == "staged" and upload.expires_at <= clock.now():
        _clear(upload, "expired")
    if upload.status != "staged" or upload.raw_text is None:
        raise ImportRefused(
            {
                "imported": "This file was imported already.",
                "discarded": "This upload was cancelled or replaced by a newer one. Upload the file again.",
                "expired": "This upload waited more than an hour and was thrown away. Upload the file again.",
            }.get(upload.status, "Upload the file again.")
        )
    return table_from_text(upload.raw_text, upload.encoding)


def default_choices(upload: WearableImport, table: Table) -> ImportChoices:
    """The mapping recognised from the header names, the device guessed from them."""
    return ImportChoices(guess_mapping(table.header), "auto", upload.source, "keep")


def _choice_problems(choices: ImportChoices, table: Table) -> dict[str, str]:
    problems = mapping_problems(choices.mapping, len(table.header))
    if choices.date_format not in DATE_FORMATS:
        problems["date_format"] = "Choose a date format from the list."
    if choices.source not in SOURCES:
        problems["source"] = "Choose a device from the list."
    if choices.on_duplicate not in DUPLICATE_CHOICES:
        problems["on_duplicate"] = "Choose what to do with days already stored."
    return problems


def stored_days(client: Client, days) -> frozenset[date]:
    """Which of these days the client has wearable data for already (one query)."""
    days = list(days)
    if not days:
        return frozenset()
    return frozenset(
        db.session.scalars(
            select(WearableDay.day).where(
                WearableDay.client_id == client.id, WearableDay.day >= min(days), WearableDay.day <= max(days)
            )
        )
    ) & frozenset(days)


def preview(upload: WearableImport, choices: ImportChoices | None = None) -> Preview:
    """The staged upload read with these choices (default: as recognised). ImportRefused when it is gone."""
    table = staged_table(upload)
    choices = choices or default_choices(upload, table)
    problems = _choice_problems(choices, table)
    parsed = None
    existing: frozenset[date] = frozenset()
    if not problems:
        parsed = parse_rows(table, choices.mapping, upload_today(upload), choices.date_format)
        existing = stored_days(upload_client(upload), (row.day for row in parsed.rows))
    return Preview(upload, table, choices, problems, parsed, existing)


def upload_client(upload: WearableImport) -> Client:
    return db.session.get(Client, upload.client_id)


def upload_today(upload: WearableImport) -> date:
    return upload_client(upload).program.today()


def confirm_import(upload: WearableImport, link: ClientLink, choices: ImportChoices) -> Preview:
    """Store every good row of the upload in one go: new days added, stored days replaced or kept as the
    client chose, bad rows left out. Returns the preview it stored; ImportRefused when nothing can be."""
    if upload.status == "imported":
        raise ImportRefused("This file was imported already.")
    found = preview(upload, choices)
    if found.problems:
        return found
    if not found.parsed.rows:
        raise ImportRefused("No row of this file can be imported: see the errors below.")
    now = clock.now()
    replace = choices.on_duplicate == "replace"
    try:
        with db.session.begin_nested():  # all or nothing, also when another import raced this one
            stored = {
                row.day: row
                for row in db.session.scalars(
                    select(WearableDay).where(
                        WearableDay.client_id == upload.client_id,
                        WearableDay.day.in_([row.day for row in found.parsed.rows]),
                    )
                )
            }
            counts = {"added": 0, "replaced": 0, "kept": 0}
            for row in found.parsed.rows:
                values = {
                    "sleep_hours": row.sleep_hours,
                    "resting_hr": row.resting_hr,
                    "hrv_ms": row.hrv_ms,
                    "steps": row.steps,
                    "source": choices.source,
                    "imported_at": now,
                    "import_id": upload.id,
                }
                day = stored.get(row.day)
                if day is None:
                    db.session.add(WearableDay(client_id=upload.client_id, day=row.day, **values))
                    counts["added"] += 1
                elif replace:
                    # The file's values replace the stored ones; what the file lacks stays (a Fitbit sleep
                    # file after its activities file keeps the steps).
                    for name, value in values.items():
                        if value is not None:
                            setattr(day, name, value)
                    counts["replaced"] += 1
                else:
                    counts["kept"] += 1
            db.session.flush()
    except IntegrityError:
        raise ImportRefused("Your data changed while importing. Nothing was saved; try again.") from None
    days = [row.day for row in found.parsed.rows]
    _clear(upload, "imported")
    upload.source, upload.imported_at = choices.source, now
    upload.added, upload.replaced, upload.kept = counts["added"], counts["replaced"], counts["kept"]
    upload.rejected, upload.first_day, upload.last_day = len(found.parsed.errors), min(days), max(days)
    record_event(
        "wearables.import",
        "wearable_import",
        upload.id,
        upload.client_id,
        details={
            "link_id": link.id,
            "source": choices.source,
            **counts,
            "rejected": upload.rejected,
            "columns": sorted(target for target, column in choices.mapping.items() if column is not None),
            "on_duplicate": choices.on_duplicate,
        },
    )
    return found


def discard_upload(upload: WearableImport, link: ClientLink) -> None:
    """The client cancelled: the staged text is thrown away and nothing is imported."""
    if upload.status != "staged":
        return
    _clear(upload, "discarded")
    record_event(
        "wearables.discard", "wearable_import", upload.id, upload.client_id, details={"link_id": link.id}
    )


def expire_staged_uploads() -> int:
    """Throw away the text of uploads nobody confirmed within the hour (the hourly tick; caller commits)."""
    return db.session.execute(
        update(WearableImport)
        .where(WearableImport.status == "staged", WearableImport.expires_at <= clock.now())
        .values(status="expired", raw_text=None)
    ).rowcount


def import_history_query(client: Client, limit: int = 20) -> Select:
    """The client's completed imports, newest first (a query, to read alone or stacked with others)."""
    return (
        select(WearableImport)
        .where(WearableImport.client_id == client.id, WearableImport.status == "imported")
        .order_by(WearableImport.imported_at.desc(), WearableImport.id.desc())
        .limit(limit)
    )


def newest_imports_first(imports) -> list[WearableImport]:
    """Imports in import_history_query's order."""
    return sorted(imports, key=lambda upload: (upload.imported_at, upload.id), reverse=True)


def import_history(client: Client, limit: int = 20) -> list[WearableImport]:
    """The client's completed imports, newest first."""
    return list(db.session.scalars(import_history_query(client, limit)))


def wearable_days_query(client: Client, start: date, end: date) -> Select:
    """The client's wearable days start…end."""
    return select(WearableDay).where(
        WearableDay.client_id == client.id, WearableDay.day >= start, WearableDay.day <= end
    )


def wearable_days(client: Client, start: date, end: date) -> dict[date, WearableDay]:
    """The client's wearable days start…end, by day (one query)."""
    return {row.day: row for row in db.session.scalars(wearable_days_query(client, start, end))}
