"""Secure messages: one asynchronous thread per client between the client (by personal link) and the
care team. A message is part of the clinical record: never edited, never deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from iop import clock
from iop.extensions import db
from iop.models.people import User
from iop.models.types import UTCDateTime

MESSAGE_AUTHORS = {"client": "The client", "staff": "The care team"}


class SecureMessage(db.Model):
    """One message of a client's thread, by the client or by a member of the care team.

    read_at is the recipient's side: for a client's message, when a care-team member first opened the
    thread (read_by says who); for a staff message, when the client first opened it.
    """

    __tablename__ = "secure_messages"
    __table_args__ = (
        CheckConstraint("author_kind IN ('client', 'staff')", name="author_kind"),
        # A staff message names its author; a client's names the link it came through.
        CheckConstraint(
            "(author_kind = 'staff' AND author_id IS NOT NULL)"
            " OR (author_kind = 'client' AND author_id IS NULL)",
            name="author_matches_kind",
        ),
        CheckConstraint("body <> ''", name="body_not_empty"),
        Index("ix_secure_messages_client_sent", "client_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    author_kind: Mapped[str] = mapped_column(String(8))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("client_links.id"))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The form's one-time key: the same message posted twice is stored once.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    read_by: Mapped[User | None] = relationship(foreign_keys=[read_by_id])

    @property
    def from_client(self) -> bool:
        return self.author_kind == "client"

    def __repr__(self) -> str:
        return f"<SecureMessage {self.id}>"


class MessageThread(db.Model):
    """The state of a client's thread: handled by the care team (until the client writes again), and
    when the client was last told by mail, so a run of replies sends one mail."""

    __tablename__ = "message_threads"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    client_mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    handled_by: Mapped[User | None] = relationship()

    @property
    def is_handled(self) -> bool:
        return self.handled_at is not None

    def __repr__(self) -> str:
        return f"<MessageThread {self.client_id}>"
