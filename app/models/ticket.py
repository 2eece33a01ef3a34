"""Ops tickets: contracts and systems, SLA policies, tickets with their timeline, pauses, extensions, worklog."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db
from app.models.region import Region
from app.models.user import User

CATEGORIES = ("系统故障", "数据问题", "账号权限", "咨询", "需求变更", "安全事件", "上级工单协调")
SEVERITIES = {"P1": "P1 重大", "P2": "P2 一般", "P3": "P3 咨询/低"}
CALENDAR_24X7, CALENDAR_BUSINESS = "24x7", "business"
CALENDARS = {CALENDAR_24X7: "7×24 小时", CALENDAR_BUSINESS: "工作日工作时间"}


class ServiceContract(db.Model):
    """A service contract whose promises become SLA policies."""

    __tablename__ = "ticket_contract"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    vendor: Mapped[str] = mapped_column(String(128), default="")
    # Workload accounting: hours in one person-day under this contract.
    hours_per_person_day: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("8"))
    yearly_person_months: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))


class TicketSystem(db.Model):
    """An affected system or module, covered by one contract."""

    __tablename__ = "ticket_system"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    contract_id: Mapped[int] = mapped_column(ForeignKey("ticket_contract.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)

    contract: Mapped[ServiceContract] = relationship(lazy="joined")


class SlaPolicy(db.Model):
    """Targets in minutes of SLA time for one contract and severity."""

    __tablename__ = "ticket_sla_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("ticket_contract.id"))
    severity: Mapped[str] = mapped_column(String(8))
    response_minutes: Mapped[int]
    resolution_minutes: Mapped[int]
    onsite_minutes: Mapped[int | None]
    calendar: Mapped[str] = mapped_column(String(16), default=CALENDAR_24X7)
    business_start: Mapped[str] = mapped_column(String(5), default="08:30")
    business_end: Mapped[str] = mapped_column(String(5), default="17:30")

    contract: Mapped[ServiceContract] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("contract_id", "severity", name="uq_ticket_sla_policy_contract_severity"),)


class Ticket(db.Model):
    """One ops ticket; its SLA targets are copied from the policy so later policy edits do not rewrite history."""

    __tablename__ = "ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16), default="new", index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("ticket_system.id"))
    contract_id: Mapped[int] = mapped_column(ForeignKey("ticket_contract.id"), index=True)
    module: Mapped[str] = mapped_column(String(64), default="")
    reporter_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    team: Mapped[str] = mapped_column(String(64), default="")
    external_ref: Mapped[str] = mapped_column(String(64), default="")
    source_page: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    responded_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    onsite_at: Mapped[datetime | None]
    # SLA snapshot (minutes of SLA time; calendar and business hours as in the policy).
    sla_response_minutes: Mapped[int]
    sla_resolution_minutes: Mapped[int]
    sla_onsite_minutes: Mapped[int | None]
    sla_calendar: Mapped[str] = mapped_column(String(16))
    sla_business_start: Mapped[str] = mapped_column(String(5), default="08:30")
    sla_business_end: Mapped[str] = mapped_column(String(5), default="17:30")
    extension_minutes: Mapped[int] = mapped_column(default=0)
    breach_reason: Mapped[str] = mapped_column(Text, default="")
    reopen_count: Mapped[int] = mapped_column(default=0)
    # Forms carry this; the ORM refuses an UPDATE whose row changed since it was read (lost updates).
    row_version: Mapped[int] = mapped_column(default=1, server_default="1")

    system: Mapped[TicketSystem] = relationship(lazy="joined")
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id], lazy="joined")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    region: Mapped[Region] = relationship(lazy="raise")
    pauses: Mapped[list["TicketPause"]] = relationship(order_by="TicketPause.started_at", lazy="selectin",
                                                      back_populates="ticket")

    __table_args__ = (Index("ix_ticket_state_assignee", "state", "assignee_id"),)
    __mapper_args__ = {"version_id_col": row_version}


class TicketPause(db.Model):
    """One interval in a 挂起 state: the SLA clocks stop from started_at to ended_at."""

    __tablename__ = "ticket_pause"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]

    ticket: Mapped[Ticket] = relationship(back_populates="pauses", lazy="raise")


class TicketEvent(db.Model):
    """The timeline: transitions, comments (public or internal), assignments, SLA changes, escalations."""

    __tablename__ = "ticket_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text, default="")
    is_internal: Mapped[bool] = mapped_column(default=False)

    actor: Mapped[User | None] = relationship(lazy="joined")


class TicketWatcher(db.Model):
    """A user who follows a ticket."""

    __tablename__ = "ticket_watcher"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)


class TicketAttachment(db.Model):
    """A file attached to a ticket; its type was checked against its content."""

    __tablename__ = "ticket_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    stored_name: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExtensionRequest(db.Model):
    """An engineer's request for more resolution time and the supervisor's decision."""

    __tablename__ = "ticket_extension"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime]
    requested_minutes: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | approved | denied
    granted_minutes: Mapped[int | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")

    requester: Mapped[User] = relationship(foreign_keys=[requested_by], lazy="joined")
    decider: Mapped[User | None] = relationship(foreign_keys=[decided_by], lazy="joined")


class TicketEscalation(db.Model):
    """A crossing (75% or breach of one clock) already escalated; the unique key makes the scan idempotent."""

    __tablename__ = "ticket_escalation"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    clock: Mapped[str] = mapped_column(String(16))
    level: Mapped[int]
    at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("ticket_id", "clock", "level", name="uq_ticket_escalation_crossing"),)


class Worklog(db.Model):
    """Hours an engineer spent on a ticket on one day."""

    __tablename__ = "ticket_worklog"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    work_date: Mapped[date] = mapped_column(index=True)
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    engineer: Mapped[User] = relationship(lazy="joined")
