"""Ticket changes: filing, transitions, comments, assignment, SLA changes. One transaction and audit row each."""
import os
from datetime import datetime, timedelta

from flask import abort, current_app

from app.blueprints.notifications.services import notify
from app.blueprints.tickets import states as S
from app.blueprints.tickets.clocks import load_calendar, ticket_clocks
from app.clock import CHINA_OFFSET, utcnow
from app.extensions import db
from app.models.ticket import CATEGORIES, SEVERITIES, SlaPolicy, Ticket, TicketEvent, TicketPause, TicketSystem, \
    TicketWatcher
from app.models.user import User
from app.security.redact import page_path
from app.security import audit
from app.security import permissions as P
from app.validation import Invalid
from app.versioning import check_version

TICKET_FIELDS = ("state", "severity", "system_id", "contract_id", "assignee_id", "team", "responded_at",
                 "resolved_at", "closed_at", "sla_response_minutes", "sla_resolution_minutes", "sla_calendar",
                 "extension_minutes", "breach_reason", "reopen_count")
DEFAULT_REOPEN_DAYS = 7


def can_work(user) -> bool:
    """Engineers and supervisors work tickets."""
    return user.can(P.TICKETS_WORK)


def can_supervise(user) -> bool:
    """Supervisors review, assign and decide extensions."""
    return user.can(P.TICKETS_SUPERVISE)


def supervisor_ids() -> list[int]:
    """Enabled supervisors, who get escalations and review work."""
    return list(db.session.execute(db.select(User.id).where(
        User.role == P.OPS_SUPERVISOR, User.is_enabled.is_(True))).scalars())


def engineers() -> list[User]:
    """Accounts that can be assigned tickets."""
    return list(db.session.execute(db.select(User).where(
        User.role.in_((P.OPS_ENGINEER, P.OPS_SUPERVISOR)), User.is_enabled.is_(True)).order_by(User.username))
        .scalars())


def policy_for(contract_id: int, severity: str) -> SlaPolicy | None:
    """The SLA policy of a contract and severity."""
    return db.session.execute(db.select(SlaPolicy).where(
        SlaPolicy.contract_id == contract_id, SlaPolicy.severity == severity)).scalar_one_or_none()


def _apply_policy(ticket: Ticket, policy: SlaPolicy) -> None:
    ticket.sla_response_minutes = policy.response_minutes
    ticket.sla_resolution_minutes = policy.resolution_minutes
    ticket.sla_onsite_minutes = policy.onsite_minutes
    ticket.sla_calendar = policy.calendar
    ticket.sla_business_start, ticket.sla_business_end = policy.business_start, policy.business_end


def safe_source(page: str | None) -> str:
    """Only a path on this portal is kept as the page the report came from, without personal query values."""
    return page_path(page)


def _event(ticket: Ticket, actor, kind: str, now: datetime, body: str = "", *, internal: bool = False,
           from_state: str | None = None, to_state: str | None = None) -> TicketEvent:
    event = TicketEvent(ticket_id=ticket.id, at=now, actor_id=actor.id if actor else None, kind=kind,
                        body=body, is_internal=internal, from_state=from_state, to_state=to_state)
    db.session.add(event)
    return event


def _link(ticket: Ticket) -> str:
    return f"/tickets/{ticket.id}"


def create_ticket(actor, *, title: str, description: str, category: str, severity: str, system_id: int,
                  module: str = "", external_ref: str = "", source_page: str = "", now: datetime | None = None,
                  files=()) -> Ticket:
    """File a ticket; the server's clock sets every timestamp and the policy sets the SLA."""
    from app.blueprints.tickets.attachments import check_upload, store_upload

    now = now or utcnow()
    errors: dict[str, str] = {}
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        errors["title"] = "请填写标题"
    elif len(title) > 128:
        errors["title"] = "标题不超过 128 字"
    if category not in CATEGORIES:
        errors["category"] = "请选择有效的类别"
    if severity not in SEVERITIES:
        errors["severity"] = "请选择有效的级别"
    system = db.session.get(TicketSystem, system_id) if system_id else None
    if system is None or not system.is_active:
        errors["system_id"] = "请选择受影响的系统"
    policy = policy_for(system.contract_id, severity) if system and severity in SEVERITIES else None
    if system is not None and severity in SEVERITIES and policy is None:
        errors["severity"] = "该系统的服务合同未配置此级别的 SLA，请联系运维主管"
    checked = []
    for upload in files:
        try:
            checked.append(check_upload(upload))
        except Invalid as exc:
            errors["attachments"] = str(exc)
    if errors:
        raise Invalid(errors)
    ticket = Ticket(number=f"T{now:%Y%m%d%H%M%S%f}", title=title, description=description[:10000],
                    category=category, severity=severity, system_id=system.id, contract_id=system.contract_id,
                    module=(module or "").strip()[:64], reporter_id=actor.id, region_id=actor.region_id,
                    external_ref=(external_ref or "").strip()[:64], source_page=safe_source(source_page),
                    created_at=now, state=S.NEW)
    _apply_policy(ticket, policy)
    db.session.add(ticket)
    db.session.flush()
    ticket.number = f"YW{(now + CHINA_OFFSET):%Y%m%d}-{ticket.id:05d}"
    for item in checked:
        store_upload(ticket, actor, item, now)
    _event(ticket, actor, "created", now, to_state=S.NEW, body=description[:500])
    audit.record("ticket.create", ticket, changes={k: [None, v] for k, v in audit.snapshot(ticket, (
        "number", "title", "category", "severity", "system_id", "state", "source_page")).items()})
    notify(supervisor_ids(), f"新工单 {ticket.number}：{title}", link=_link(ticket), kind="ticket",
           dedupe_key=f"ticket:{ticket.id}:new")
    db.session.commit()
    return ticket


def transition(actor, ticket: Ticket, action: str, *, comment: str = "", internal: bool = False,
               breach_reason: str = "", now: datetime | None = None, version=None) -> Ticket:
    """Move a ticket through the state machine; refused moves (or a page older than the ticket) change nothing."""
    now = now or utcnow()
    check_version(ticket, version)
    spec = S.TRANSITIONS.get(action)
    if spec is None:
        raise Invalid("未知的操作")
    is_reporter = ticket.reporter_id == actor.id
    if not S.may(spec.who, is_reporter=is_reporter, can_work=can_work(actor), can_supervise=can_supervise(actor)):
        raise Invalid(f"您无权执行“{spec.label}”")
    if ticket.state not in spec.sources:
        raise Invalid(f"工单当前为“{S.STATE_LABELS[ticket.state]}”，不能执行“{spec.label}”")
    comment = (comment or "").strip()
    if spec.needs_comment and not comment:
        raise Invalid({"comment": f"“{spec.label}”须填写说明"})
    if len(comment) > 4000:
        raise Invalid({"comment": "说明不超过 4000 字"})
    if action == "reopen":
        _check_reopen_period(ticket, now)
    breach_reason = (breach_reason or "").strip()
    if action in ("approve", "resolve") and not (breach_reason or ticket.breach_reason):
        clocks = ticket_clocks(ticket, load_calendar(now), now)
        if clocks.breached and action == "approve":
            raise Invalid({"breach_reason": "该工单已超出 SLA，关闭前须填写超时原因"})
    before = audit.snapshot(ticket, TICKET_FIELDS)
    old_state = ticket.state
    _apply(ticket, action, actor, now)
    if breach_reason:
        ticket.breach_reason = breach_reason[:2000]
    _event(ticket, actor, "transition", now, comment, internal=internal and can_work(actor),
           from_state=old_state, to_state=ticket.state)
    audit.record(f"ticket.{action}", ticket, changes=audit.changed(before, ticket), detail=comment[:500])
    _notify_transition(ticket, action, actor, now)
    db.session.commit()
    return ticket


def _check_reopen_period(ticket: Ticket, now: datetime) -> None:
    days = int(current_app.config.get("TICKET_REOPEN_DAYS") or os.environ.get("PORTAL_TICKET_REOPEN_DAYS")
               or DEFAULT_REOPEN_DAYS)
    since = ticket.closed_at or ticket.resolved_at
    if since is not None and now - since > timedelta(days=days):
        raise Invalid(f"已超过 {days} 天的重新打开期限，请新建工单并注明原工单号")


def _apply(ticket: Ticket, action: str, actor, now: datetime) -> None:
    target = S.TRANSITIONS[action].target
    if ticket.state in S.PAUSED:
        for pause in ticket.pauses:
            if pause.ended_at is None:
                pause.ended_at = now
    if target in S.PAUSED:
        db.session.add(TicketPause(ticket_id=ticket.id, reason=target, started_at=now))
    if action == "respond":
        ticket.responded_at = now
        if ticket.assignee_id is None:
            ticket.assignee_id = actor.id
    elif action == "resolve":
        ticket.resolved_at = now
    elif action in ("send_back", "reopen"):
        # The resolution clock runs on from creation: time spent waiting for review counts.
        ticket.resolved_at = None
        ticket.closed_at = None
        if action == "reopen":
            ticket.reopen_count += 1
    elif action == "approve":
        ticket.closed_at = now
    elif action == "cancel":
        ticket.closed_at = now
    ticket.state = target


def _notify_transition(ticket: Ticket, action: str, actor, now: datetime) -> None:
    title = f"工单 {ticket.number} {S.TRANSITIONS[action].label}"
    stamp = int(now.timestamp())
    targets: set[int] = set()
    if action in ("respond", "resolve", "approve", "cancel"):
        targets.add(ticket.reporter_id)
    if action == "resolve":
        targets.update(supervisor_ids())
    if action in ("send_back", "reopen", "cancel") and ticket.assignee_id:
        targets.add(ticket.assignee_id)
    targets.update(db.session.execute(db.select(TicketWatcher.user_id).where(
        TicketWatcher.ticket_id == ticket.id)).scalars())
    targets.discard(actor.id)
    notify(targets, title, link=_link(ticket), kind="ticket", dedupe_key=f"ticket:{ticket.id}:{action}:{stamp}")


def add_comment(actor, ticket: Ticket, text: str, internal: bool = False, now: datetime | None = None) -> TicketEvent:
    """A comment on the timeline; internal ones are for the ops team only."""
    now = now or utcnow()
    text = (text or "").strip()
    if ticket.state in S.FINISHED:
        raise Invalid({"comment": "工单已关闭或已取消，不能再评论；如问题复现请重新打开"})
    if not text:
        raise Invalid({"comment": "请填写评论内容"})
    if len(text) > 4000:
        raise Invalid({"comment": "评论不超过 4000 字"})
    event = _event(ticket, actor, "comment", now, text, internal=internal and can_work(actor))
    db.session.flush()
    audit.record("ticket.comment", ticket, detail=f"event {event.id}", changes={"comment": [None, text[:200]]})
    db.session.commit()
    return event


def assign(actor, ticket: Ticket, assignee_id: int | None, team: str = "", now: datetime | None = None,
           version=None) -> Ticket:
    """Give a ticket to an engineer (supervisors only)."""
    now = now or utcnow()
    if not can_supervise(actor):
        abort(403)
    check_version(ticket, version)
    if ticket.state in S.FINISHED:
        raise Invalid("已关闭或已取消的工单不能改派")
    engineer = _engineer_or_invalid(assignee_id)
    before = audit.snapshot(ticket, TICKET_FIELDS)
    ticket.assignee_id = engineer.id
    ticket.team = (team or ticket.team or "").strip()[:64]
    diff = audit.changed(before, ticket)
    if diff:
        _event(ticket, actor, "assign", now, f"指派给 {engineer.display_name}")
        audit.record("ticket.assign", ticket, changes=diff)
        notify([engineer.id], f"工单 {ticket.number} 已指派给您", link=_link(ticket), kind="ticket",
               dedupe_key=f"ticket:{ticket.id}:assign:{engineer.id}:{int(now.timestamp())}")
    db.session.commit()
    return ticket


def _engineer_or_invalid(user_id) -> User:
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.is_enabled or user.role not in (P.OPS_ENGINEER, P.OPS_SUPERVISOR):
        raise Invalid({"assignee_id": "请选择一名运维人员"})
    return user


def bulk_assign(actor, tickets: list[Ticket], assignee_id: int, now: datetime | None = None) -> int:
    """Reassign several (already scoped) tickets at once; finished ones are skipped."""
    now = now or utcnow()
    if not can_supervise(actor):
        abort(403)
    if not tickets:
        raise Invalid({"ids": "请至少勾选一张工单"})
    engineer = _engineer_or_invalid(assignee_id)
    moved = 0
    for ticket in tickets:
        if ticket.state in S.FINISHED or ticket.assignee_id == engineer.id:
            continue
        before = audit.snapshot(ticket, ("assignee_id",))
        ticket.assignee_id = engineer.id
        _event(ticket, actor, "assign", now, f"批量改派给 {engineer.display_name}")
        audit.record("ticket.assign", ticket, changes=audit.changed(before, ticket), detail="bulk")
        moved += 1
    if moved:
        notify([engineer.id], f"{moved} 张工单已改派给您", link="/tickets/?mine=1", kind="ticket",
               dedupe_key=f"ticket:bulk:{engineer.id}:{int(now.timestamp())}")
    db.session.commit()
    return moved


def change_sla(actor, ticket: Ticket, *, severity: str, system_id: int, now: datetime | None = None,
               version=None) -> Ticket:
    """Change severity or system (and so contract): targets recomputed from creation, recorded pauses kept."""
    now = now or utcnow()
    if not can_work(actor):
        abort(403)
    check_version(ticket, version)
    if ticket.state in S.FINISHED:
        raise Invalid("已关闭或已取消的工单不能修改级别")
    if severity not in SEVERITIES:
        raise Invalid({"severity": "请选择有效的级别"})
    system = db.session.get(TicketSystem, system_id) if system_id else None
    if system is None:
        raise Invalid({"system_id": "请选择受影响的系统"})
    policy = policy_for(system.contract_id, severity)
    if policy is None:
        raise Invalid({"severity": "该系统的服务合同未配置此级别的 SLA"})
    before = audit.snapshot(ticket, TICKET_FIELDS)
    ticket.severity, ticket.system_id, ticket.contract_id = severity, system.id, system.contract_id
    _apply_policy(ticket, policy)
    diff = audit.changed(before, ticket)
    if diff:
        _event(ticket, actor, "sla", now, f"级别/系统调整为 {SEVERITIES[severity]} · {system.name}，"
                                          f"时限按新策略自创建时起重算，已挂起时间保留")
        audit.record("ticket.sla_change", ticket, changes=diff)
    db.session.commit()
    return ticket


def record_onsite(actor, ticket: Ticket, now: datetime | None = None) -> Ticket:
    """The engineer arrived on site: stops the on-site clock (server time)."""
    now = now or utcnow()
    if not can_work(actor):
        abort(403)
    if not ticket.sla_onsite_minutes:
        raise Invalid("该工单的 SLA 不含到场时限")
    if ticket.onsite_at is not None:
        raise Invalid("已登记过到场时间")
    if ticket.state not in S.OPEN:
        raise Invalid("只有处理中的工单可以登记到场")
    before = audit.snapshot(ticket, ("onsite_at",))
    ticket.onsite_at = now
    _event(ticket, actor, "onsite", now, "工程师已到场")
    audit.record("ticket.onsite", ticket, changes=audit.changed(before, ticket))
    db.session.commit()
    return ticket


def toggle_watch(actor, ticket: Ticket) -> bool:
    """Follow or unfollow a ticket; returns True when now following."""
    row = db.session.get(TicketWatcher, (ticket.id, actor.id))
    if row:
        db.session.delete(row)
        audit.record("ticket.unwatch", ticket)
    else:
        db.session.add(TicketWatcher(ticket_id=ticket.id, user_id=actor.id))
        audit.record("ticket.watch", ticket)
    db.session.commit()
    return row is None
