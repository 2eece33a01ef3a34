"""Visit logs (入户走访): the visit, its checklist answers, and the visit interval per household tag."""
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db

VISIT_KINDS = ("常规走访", "重点关注", "回访", "政策宣传", "矛盾调解")
# Kinds whose visit must answer at least one checklist item.
CHECKLIST_REQUIRED = ("常规走访", "重点关注")
CHECK_ITEMS = ("生产生活情况", "脱贫返贫监测", "厕所改造", "安全隐患", "诉求意见", "健康状况")
CHECK_STATUSES = ("正常", "需关注", "有问题")
# The policy row that applies to households none of whose tags has its own interval.
DEFAULT_POLICY_TAG = "*"


class VisitPolicy(db.Model):
    """How often a household with this tag must be visited; the strictest tag of a household wins."""

    __tablename__ = "visit_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    tag: Mapped[str] = mapped_column(String(32), unique=True)
    interval_days: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    __table_args__ = (db.CheckConstraint("interval_days BETWEEN 1 AND 366", name="interval_range"),)


class Visit(db.Model):
    """One visit to one household; region_id copies the household's grid at the time, for scoping."""

    __tablename__ = "visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    visitor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    visited_at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(8))
    participants: Mapped[str] = mapped_column(String(128), default="")
    findings: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[bool] = mapped_column(default=False)
    follow_up_due: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Edit forms carry this; the ORM refuses an UPDATE whose row changed since it was read (lost updates).
    row_version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": row_version}
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    checks: Mapped[list["VisitCheck"]] = relationship(order_by="VisitCheck.id", cascade="all, delete-orphan",
                                                      lazy="selectin")

    __table_args__ = (
        Index("ix_visit_household_visited", "household_id", "visited_at"),
        db.CheckConstraint("follow_up_due IS NULL OR follow_up", name="due_needs_follow_up"),
    )


class VisitCheck(db.Model):
    """One answered checklist item of a visit."""

    __tablename__ = "visit_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id"), index=True)
    item: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (db.UniqueConstraint("visit_id", "item", name="uq_visit_check_item"),)
