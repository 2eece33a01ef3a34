"""Household archives (一户一档) and the tag dictionary an admin edits."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db
from app.models.region import Region

HOUSEHOLD_KINDS = ("户籍户", "常住户", "流动户")
TAG_SCOPES = {"household": "户标签", "person": "人员标签"}


class TagDefinition(db.Model):
    """One tag of the dictionary (脱贫户, 残疾人 …); retired tags stay on old records but are not offered."""

    __tablename__ = "tag_definition"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(16), index=True)  # household | person
    name: Mapped[str] = mapped_column(String(32))
    sort_order: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (db.UniqueConstraint("scope", "name", name="uq_tag_definition_scope_name"),)


class Household(db.Model):
    """One household: 户号, structured address, grid (a region leaf), type, tags, notes; soft-deleted only."""

    __tablename__ = "household"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    road: Mapped[str] = mapped_column(String(64), default="")
    door_no: Mapped[str] = mapped_column(String(16), default="")
    building: Mapped[str] = mapped_column(String(16), default="")
    unit: Mapped[str] = mapped_column(String(16), default="")
    room: Mapped[str] = mapped_column(String(16), default="")
    address_extra: Mapped[str] = mapped_column(String(128), default="")
    # The whole address as one line (乡镇+社区+parts), kept for search and lists.
    address: Mapped[str] = mapped_column(String(255), default="")
    # Tags as "|脱贫户|低保户|" so one LIKE finds a tag on every database.
    tags: Mapped[str] = mapped_column(String(255), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    # Edit forms carry this; the ORM refuses an UPDATE whose row changed since it was read (lost updates).
    row_version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": row_version}
    deleted_at: Mapped[datetime | None] = mapped_column(index=True)
    deleted_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    region: Mapped[Region] = relationship(lazy="joined")

    __table_args__ = (
        # The scoped list in its default order, live rows only (see migration 0105).
        Index("ix_household_live_region_updated", "region_id", "updated_at", "id",
              sqlite_where=text("deleted_at IS NULL"), postgresql_where=text("deleted_at IS NULL")),
        # Trigram indexes on PostgreSQL for "address contains" and "has tag" (LIKE '%…%'); plain on SQLite.
        Index("ix_household_address", "address", postgresql_using="gin", postgresql_ops={"address": "gin_trgm_ops"}),
        Index("ix_household_tags", "tags", postgresql_using="gin", postgresql_ops={"tags": "gin_trgm_ops"}),
    )

    @property
    def tag_list(self) -> list[str]:
        """Tags in stored order."""
        return [t for t in self.tags.split("|") if t]

    def __repr__(self) -> str:
        return f"<Household {self.number}>"


def join_tags(names) -> str:
    """The stored form of a tag list."""
    clean = [n.strip() for n in names if n and n.strip()]
    return f"|{'|'.join(dict.fromkeys(clean))}|" if clean else ""
