"""Named counters kept in the database, so numbering survives a Redis restart."""
from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class Counter(db.Model):
    """One named sequence (e.g. the credit report numbers of one China day)."""

    __tablename__ = "counter"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
