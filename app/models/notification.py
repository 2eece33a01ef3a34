"""In-app notifications and the log of outgoing SMS/e-mail messages."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.extensions import db


class Notification(db.Model):
    """A message to one user, shown under the bell until read."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(32), default="info")
    title: Mapped[str] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(255))
    # Lets a sender notify once per event: the same (user, dedupe_key) is never sent twice.
    dedupe_key: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_notification_user_unread", "user_id", "read_at"),
        Index("uq_notification_user_dedupe", "user_id", "dedupe_key", unique=True),
    )


class OutboundMessage(db.Model):
    """Every SMS or e-mail the portal sent (or tried to), whatever the gateway.

    Phones are stored masked with a blind index, one-time codes never in clear: the log is read by admins."""

    __tablename__ = "outbound_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # sms | email
    gateway: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(255))  # 138****5678 for SMS
    recipient_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(String(255), default="")
    body: Mapped[str] = mapped_column(Text)  # one-time codes replaced by ******
    # The log gateway's row is the delivery itself: the full message, encrypted, for a reveal with pii.reveal.
    sealed: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="sent")  # sent | failed
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
