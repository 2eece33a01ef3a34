"""Migration in/out (迁入迁出): moves with their approval state, and every person's residence history."""
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.extensions import db

MOVE_OUT, MOVE_IN, TRANSFER, SPLIT, DEATH = "out", "in", "transfer", "split", "death"
MOVE_KINDS = {MOVE_OUT: "迁出", MOVE_IN: "迁入", TRANSFER: "县内迁移", SPLIT: "分户", DEATH: "死亡注销"}
PENDING, APPLIED, REJECTED = "pending", "applied", "rejected"
MOVE_STATES = {PENDING: "待接收", APPLIED: "已生效", REJECTED: "已拒绝"}

_PENDING = text("state = 'pending'")


class Move(db.Model):
    """One move: who, from where, to where, why; pending until the receiving area decides (cross-area only)."""

    __tablename__ = "move"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), index=True)
    state: Mapped[str] = mapped_column(String(8), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    person_name: Mapped[str] = mapped_column(String(64), default="")
    from_household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    to_household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    from_region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    to_region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    # Outside the county: where to (迁出) or where from (迁入).
    place: Mapped[str] = mapped_column(String(128), default="")
    event_date: Mapped[date]
    reason: Mapped[str] = mapped_column(String(255), default="")
    death_source: Mapped[str] = mapped_column(String(64), default="")
    pool_record_id: Mapped[int | None] = mapped_column(ForeignKey("source_record.id"))
    new_head_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    requested_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    reject_reason: Mapped[str] = mapped_column(String(255), default="")

    __table_args__ = (
        # A person waits in at most one move at a time.
        Index("uq_move_one_pending_per_person", "person_id", unique=True,
              sqlite_where=_PENDING, postgresql_where=_PENDING),
        db.CheckConstraint("state IN ('pending', 'applied', 'rejected')", name="state_known"),
        db.CheckConstraint("kind IN ('out', 'in', 'transfer', 'split', 'death')", name="kind_known"),
    )

    @property
    def kind_label(self) -> str:
        return MOVE_KINDS.get(self.kind, self.kind)

    @property
    def state_label(self) -> str:
        return MOVE_STATES.get(self.state, self.state)


class Residence(db.Model):
    """One step of a person's residence history; rows are only ever added."""

    __tablename__ = "residence"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    move_id: Mapped[int] = mapped_column(ForeignKey("move.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    from_household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    to_household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    status_after: Mapped[str] = mapped_column(String(8))
    happened_on: Mapped[date]
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(String(255), default="")
