"""Idempotency keys carried by every POST form."""
from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.extensions import db

PENDING, COMPLETED = "pending", "completed"


class RequestKey(db.Model):
    """A POST already handled (or being handled) for one user, and the outcome to replay."""

    __tablename__ = "request_key"
    __table_args__ = (UniqueConstraint("owner", "key", name="uq_request_key_owner_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(64))
    endpoint: Mapped[str] = mapped_column(String(128), default="")
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    status_code: Mapped[int | None]
    location: Mapped[str | None] = mapped_column(String(512))
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
