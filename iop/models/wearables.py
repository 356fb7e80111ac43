"""A client's wearable data, imported from a CSV export by the client: one row per day, and the imports."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from iop import clock
from iop.clinical.wearables import RANGES, SOURCES
from iop.extensions import db
from iop.models.types import UTCDateTime

IMPORT_STATUSES = ("staged", "imported", "discarded", "expired")
_SOURCES_SQL = ", ".join(f"'{key}'" for key in SOURCES)


def _range(column: str, target: str) -> CheckConstraint:
    low, high = RANGES[target]
    return CheckConstraint(f"{column} IS NULL OR {column} BETWEEN {low} AND {high}", name=f"{column}_range")


class WearableImport(db.Model):
    """One upload of a CSV export: staged (its text held here until the client confirms or leaves it),
    then imported with its counts. The text is cleared once the upload is imported, discarded or expired."""

    __tablename__ = "wearable_imports"
    __table_args__ = (
        CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in IMPORT_STATUSES) + ")", name="status"),
        CheckConstraint(f"source IN ({_SOURCES_SQL})", name="source"),
        CheckConstraint("status = 'staged' OR raw_text IS NULL", name="text_only_while_staged"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("client_links.id"))
    status: Mapped[str] = mapped_column(String(12), default="staged")
    source: Mapped[str] = mapped_column(String(16), default="other")
    filename: Mapped[str] = mapped_column(String(120), default="")
    size_bytes: Mapped[int] = mapped_column(Integer)
    encoding: Mapped[str] = mapped_column(String(16), default="utf-8")
    row_count: Mapped[int] = mapped_column(Integer)
    raw_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    added: Mapped[int] = mapped_column(Integer, default=0)
    replaced: Mapped[int] = mapped_column(Integer, default=0)
    kept: Mapped[int] = mapped_column(Integer, default=0)  # days already stored that the client kept
    rejected: Mapped[int] = mapped_column(Integer, default=0)  # rows with an error
    first_day: Mapped[date | None] = mapped_column(Date)
    last_day: Mapped[date | None] = mapped_column(Date)

    @property
    def days_imported(self) -> int:
        return self.added + self.replaced

    def __repr__(self) -> str:
        return f"<WearableImport {self.id} {self.status}>"


class WearableDay(db.Model):
    """A day of a client's wearable: sleep, resting heart rate, HRV, steps. One per client and day."""

    __tablename__ = "wearable_days"
    __table_args__ = (
        UniqueConstraint("client_id", "day"),
        CheckConstraint(f"source IN ({_SOURCES_SQL})", name="source"),
        _range("sleep_hours", "sleep_hours"),
        _range("resting_hr", "resting_hr"),
        _range("hrv_ms", "hrv_ms"),
        _range("steps", "steps"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("wearable_imports.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    sleep_hours: Mapped[float | None] = mapped_column(Numeric(4, 2, asdecimal=False))
    resting_hr: Mapped[float | None] = mapped_column(Numeric(4, 1, asdecimal=False))
    hrv_ms: Mapped[float | None] = mapped_column(Numeric(4, 1, asdecimal=False))
    steps: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    def __repr__(self) -> str:
        return f"<WearableDay {self.client_id} {self.day}>"
