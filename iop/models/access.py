"""Break-glass grants: a clinician's time-limited, reasoned access to a client outside their programs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from iop import clock
from iop.extensions import db
from iop.models.clients import Client
from iop.models.people import User
from iop.models.types import UTCDateTime

BREAK_GLASS_MINUTES = 60
REASON_MIN_LENGTH = 20


class BreakGlassGrant(db.Model):
    """One emergency opening of one client's record by one clinician, until `expires_at`.

    The written reason lives here, for the program's admins to read; audit events under the grant carry
    only its id.
    """

    __tablename__ = "break_glass_grants"
    __table_args__ = (
        CheckConstraint("expires_at > granted_at", name="expires_after_granted"),
        Index("ix_break_glass_grants_user_client", "user_id", "client_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    # The client's program when the glass was broken: whose admins were told.
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    client: Mapped[Client] = relationship()

    def is_active(self, now: datetime | None = None) -> bool:
        return (now or clock.now()) < self.expires_at

    def __repr__(self) -> str:
        return f"<BreakGlassGrant {self.id}>"
