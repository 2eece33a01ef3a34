"""Deadline extensions: engineers ask for more resolution time, supervisors decide."""
from datetime import datetime

from flask import abort

from app.blueprints.notifications.services import notify
from app.blueprints.tickets import states as S
from app.blueprints.tickets.clocks import load_calendar, ticket_clocks
from app.blueprints.tickets.services import _event, _link, can_supervise, can_work, supervisor_ids
from app.clock import utcnow
from app.extensions import db
from app.models.ticket import ExtensionRequest, Ticket
from app.security import audit
from app.validation import Invalid

MAX_EXTENSION_MINUTES = 30 * 24 * 60
DECISIONS = {"approve": "批准", "other": "批准（调整时长）", "deny": "驳回"}


def pending_for(ticket_id: int) -> ExtensionRequest | None:
    """The ticket's undecided request, if any."""
    return db.session.execute(db.select(ExtensionRequest).where(
        ExtensionRequest.ticket_id == ticket_id, ExtensionRequest.state == "pending")).scalar_one_or_none()


def request_extension(actor, ticket: Ticket, *, minutes: int | None, reason: str,
                      now: datetime | None = None) -> ExtensionRequest:
    """Ask for more resolution time; refused after the breach and while another request waits."""
    now = now or utcnow()
    if not can_work(actor):
        abort(403)
    reason = (reason or "").strip()
    errors = {}
    if ticket.state not in (S.RESPONDED, S.IN_PROGRESS, S.PENDING_USER, S.PENDING_VENDOR):
        raise Invalid("只有处理中的工单可以申请延期")
    if ticket_clocks(ticket, load_calendar(now), now).resolution.breached:
        raise Invalid("工单已超出解决时限，不能再申请延期；请在关闭时填写超时原因")
    if pending_for(ticket.id):
        raise Invalid("已有一条待审批的延期申请")
    if not minutes or minutes <= 0 or minutes > MAX_EXTENSION_MINUTES:
        errors["minutes"] = "延期时长应为 1 分钟至 30 天"
    if not reason:
        errors["reason"] = "请填写延期原因"
    if errors:
        raise Invalid(errors)
    row = ExtensionRequest(ticket_id=ticket.id, requested_by=actor.id, requested_at=now,
                           requested_minutes=minutes, reason=reason[:2000])
    db.session.add(row)
    db.session.flush()
    _event(ticket, actor, "extension", now, f"申请延期 {minutes} 分钟：{reason}", internal=True)
    audit.record("ticket.extension_request", row, changes={"requested_minutes": [None, minutes]})
    notify(supervisor_ids(), f"工单 {ticket.number} 申请延期", link=_link(ticket), kind="ticket",
           dedupe_key=f"ticket:{ticket.id}:ext:{row.id}")
    db.session.commit()
    return row


def decide_extension(actor, ticket: Ticket, request: ExtensionRequest, *, decision: str, minutes: int | None = None,
                     note: str = "", now: datetime | None = None) -> ExtensionRequest:
    """Approve as asked, approve another length, or deny; the decision is recorded on the timeline."""
    now = now or utcnow()
    if not can_supervise(actor):
        abort(403)
    if request.ticket_id != ticket.id:
        abort(404)
    if request.state != "pending":
        raise Invalid("该延期申请已处理")
    if decision not in DECISIONS:
        raise Invalid({"decision": "请选择审批结果"})
    note = (note or "").strip()
    if decision == "other" and (not minutes or minutes <= 0 or minutes > MAX_EXTENSION_MINUTES):
        raise Invalid({"minutes": "请填写批准的延期时长（1 分钟至 30 天）"})
    if decision == "deny" and not note:
        raise Invalid({"note": "驳回须说明理由"})
    before = audit.snapshot(request, ("state", "granted_minutes"))
    granted = {"approve": request.requested_minutes, "other": minutes, "deny": 0}[decision]
    request.state = "denied" if decision == "deny" else "approved"
    request.granted_minutes, request.decided_by, request.decided_at = granted, actor.id, now
    request.decision_note = note[:2000]
    ticket_before = audit.snapshot(ticket, ("extension_minutes",))
    ticket.extension_minutes += granted
    _event(ticket, actor, "extension", now, f"延期申请{DECISIONS[decision]}" + (f"，延长 {granted} 分钟" if granted
                                                                               else "") + (f"：{note}" if note else ""))
    audit.record("ticket.extension_decide", request, changes={**audit.changed(before, request),
                                                               **audit.changed(ticket_before, ticket)})
    notify([request.requested_by], f"工单 {ticket.number} 延期申请{DECISIONS[decision]}", link=_link(ticket),
           kind="ticket", dedupe_key=f"ticket:{ticket.id}:ext:{request.id}:decided")
    db.session.commit()
    return request
