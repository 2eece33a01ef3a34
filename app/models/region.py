"""Administrative region tree: 县 → 乡镇/街道 → 社区/村 → 网格."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db

COUNTY, TOWN, COMMUNITY, GRID = "county", "town", "community", "grid"
LEVELS = (COUNTY, TOWN, COMMUNITY, GRID)
LEVEL_LABELS = {COUNTY: "县", TOWN: "乡镇/街道", COMMUNITY: "社区/村", GRID: "网格"}


class Region(db.Model):
    """A node of the region tree with a materialized path such as '/1/4/9/'."""

    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped by people's edits only (logins and background work do not make an open edit form stale).
    row_version: Mapped[int] = mapped_column(default=1, server_default="1")

    parent: Mapped["Region | None"] = relationship(remote_side=[id], lazy="joined", join_depth=1)

    @property
    def depth(self) -> int:
        """Level index: 0 for the county, 3 for a grid."""
        return LEVELS.index(self.level)

    @property
    def level_label(self) -> str:
        """Chinese name of the level."""
        return LEVEL_LABELS[self.level]

    @property
    def child_level(self) -> str | None:
        """The level a child of this node must have, or None for a grid."""
        index = self.depth + 1
        return LEVELS[index] if index < len(LEVELS) else None

    def contains(self, other: "Region") -> bool:
        """True when other is this node or below it."""
        return other.path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"
