"""What Stepwise tells people: mail and text messages (the outbox) and in-app notifications for staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from iop import clock
from iop.extensions import db
from iop.models.people import User
from iop.models.types import UTCDateTime

CHANNELS = {"email": "Email", "sms": "Text message"}
# queued: waiting for its delivery job; sent: handed to the mail server or SMS gateway;
# held: no transport is configured, so it stays here for admins to read (the demo and tests);
# failed: the transport refused it (error says why, never the body).
OUTBOX_STATUSES = {"queued": "Queued", "sent": "Sent", "held": "Held in the outbox", "failed": "Failed"}


class OutboxMessage(db.Model):
    """One message to one recipient. The body is dropped once it has been delivered."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("channel IN ('email', 'sms')", name="channel"),
        CheckConstraint("status IN ('queued', 'sent', 'held', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    channel: Mapped[str] = mapped_column(String(8), default="email")
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str | None] = mapped_column(Text)
    # A coded reason ("family_invitation", "password_reset", …), shown to admins and used in tests.
    purpose: Mapped[str] = mapped_column(String(40))
    # Whose admins may read it; None for messages about staff accounts of no single program.
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), index=True)
    status: Mapped[str] = mapped_column(String(8), default="queued")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(200))

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.purpose}>"


class Notification(db.Model):
    """An in-app notice for one staff member ("This week's reviews are ready"), read or not."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # A coded kind ("reviews_ready", "client_message", …) so pages can group and tests can find them.
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(String(300))
    # A path inside the app (never an outside address), where the notice leads.
    link: Mapped[str | None] = mapped_column(String(300))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def is_unread(self) -> bool:
        return self.read_at is None
