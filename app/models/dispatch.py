"""The outbox: every change departments must hear about, written in the same transaction as the change."""
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db


class OutboxEvent(db.Model):
    """One change event; ids only grow, so a dispatcher can keep a cursor per target."""

    __tablename__ = "outbox_event"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64), index=True)  # e.g. household.updated, move.applied
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    region_id: Mapped[int | None] = mapped_column(index=True)
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

WEBHOOK, CSV_DROP = "webhook", "csv"
KIND_LABELS = {WEBHOOK: "HTTP JSON 推送（HMAC 签名）", CSV_DROP: "CSV 文件投递"}
DRAFT, APPROVED, SUPERSEDED = "draft", "approved", "superseded"
VERSION_LABELS = {DRAFT: "待审核", APPROVED: "已发布", SUPERSEDED: "已被替代"}


class DispatchTarget(db.Model):
    """A downstream department system that receives outbox events, with its delivery cursor."""

    __tablename__ = "dispatch_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    department: Mapped[str] = mapped_column(String(64))
    # No foreign key: versions point at targets, so one here would make a cycle the migrations cannot create.
    active_version_id: Mapped[int | None]
    paused: Mapped[bool] = mapped_column(default=False)
    cursor: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    failures: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped by people's changes only (not by the dispatcher's cursor), so an edit form can tell it is stale.
    row_version: Mapped[int] = mapped_column(default=1, server_default="1")

    active_version: Mapped["DispatchTargetVersion | None"] = relationship(
        primaryjoin="foreign(DispatchTarget.active_version_id) == DispatchTargetVersion.id", lazy="joined",
        viewonly=True)


class DispatchTargetVersion(db.Model):
    """One reviewed definition of a target; a change is a draft until another admin approves it."""

    __tablename__ = "dispatch_target_version"
    __table_args__ = (UniqueConstraint("target_id", "number", name="uq_dispatch_version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("dispatch_target.id"), index=True)
    number: Mapped[int]
    state: Mapped[str] = mapped_column(String(16), default=DRAFT)
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(String(512))
    secret_enc: Mapped[str | None] = mapped_column(Text)
    folder: Mapped[str | None] = mapped_column(String(255))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    event_types: Mapped[list] = mapped_column(JSON, default=list)
    field_mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    batch_size: Mapped[int] = mapped_column(default=100)
    max_failures: Mapped[int] = mapped_column(default=5)
    note: Mapped[str] = mapped_column(String(255), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None]

    @property
    def state_label(self) -> str:
        return VERSION_LABELS.get(self.state, self.state)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


class DispatchRun(db.Model):
    """One run of the dispatcher for one target: what it sent and what went wrong."""

    __tablename__ = "dispatch_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("dispatch_target.id"), index=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch_target_version.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
    sent: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | ok | failed | dead
    error: Mapped[str | None] = mapped_column(Text)
    log: Mapped[str] = mapped_column(Text, default="")


class DeadLetter(db.Model):
    """A batch that failed too often; kept for inspection, requeue or discard."""

    __tablename__ = "dispatch_dead_letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("dispatch_target.id"), index=True)
    event_ids: Mapped[list] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(16))  # requeued | discarded
    # Events not sent on requeue because a newer event of the same entity had already been delivered.
    superseded_ids: Mapped[list | None] = mapped_column(JSON)
