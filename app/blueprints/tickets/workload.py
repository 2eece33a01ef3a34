"""Worklog entries and monthly workload in person-days and person-months."""
import os
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask import abort, current_app

from app.blueprints.tickets import states as S
from app.blueprints.tickets.services import can_work
from app.clock import to_local, utcnow
from app.extensions import db
from app.models.ticket import ServiceContract, Ticket, Worklog
from app.models.user import User
from app.security import audit
from app.validation import Invalid

BACKDATE_DAYS = 62
# Person-months follow the statutory average of 21.75 working days a month; configurable per deployment.
DEFAULT_DAYS_PER_MONTH = Decimal("21.75")


def add_worklog(actor, ticket: Ticket, *, work_date: date | None, hours, note: str = "",
                now: datetime | None = None) -> Worklog:
    """Record hours on a ticket for a day that is not in the future."""
    now = now or utcnow()
    if not can_work(actor):
        abort(403)
    today = to_local(now).date()
    errors = {}
    try:
        hours = Decimal(str(hours)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        hours = None
    if hours is None or hours <= 0 or hours > 24:
        errors["hours"] = "工时应大于 0 且不超过 24 小时"
    if work_date is None:
        errors["work_date"] = "请选择日期"
    elif work_date > today:
        errors["work_date"] = "不能登记未来日期的工时"
    elif work_date < today - timedelta(days=BACKDATE_DAYS):
        errors["work_date"] = f"只能补登 {BACKDATE_DAYS} 天内的工时"
    if ticket.state == S.CANCELLED:
        errors[""] = "已取消的工单不能登记工时"
    if not errors:
        booked = db.session.execute(db.select(db.func.coalesce(db.func.sum(Worklog.hours), 0)).where(
            Worklog.engineer_id == actor.id, Worklog.work_date == work_date)).scalar_one()
        if Decimal(str(booked)) + hours > 24:
            errors["hours"] = f"当天已登记 {booked} 小时，合计不能超过 24 小时"
    if errors:
        raise Invalid(errors)
    row = Worklog(ticket_id=ticket.id, engineer_id=actor.id, work_date=work_date, hours=hours,
                  note=(note or "").strip()[:1000], created_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record("ticket.worklog", row, changes={"hours": [None, str(hours)], "work_date": [None, str(work_date)],
                                                  "ticket_id": [None, ticket.id]})
    db.session.commit()
    return row


@dataclass
class WorkloadRow:
    """Totals for one group."""

    key: str
    hours: Decimal
    person_days: Decimal
    person_months: Decimal


def month_bounds(month: str) -> tuple[date, date]:
    """'2026-11' → first day, first day of next month; bad input raises Invalid."""
    try:
        year, mon = (int(x) for x in month.split("-"))
        first = date(year, mon, 1)
    except (ValueError, AttributeError):
        raise Invalid({"month": "月份格式应为 YYYY-MM"}) from None
    nxt = date(year + (mon == 12), mon % 12 + 1, 1)
    return first, nxt


def monthly_totals(month: str, user=None) -> dict[str, list[WorkloadRow]]:
    """Hours of one month grouped by engineer, by category and by contract (one query)."""
    first, nxt = month_bounds(month)
    days_per_month = Decimal(str(current_app.config.get("TICKET_DAYS_PER_MONTH")
                                 or os.environ.get("PORTAL_TICKET_DAYS_PER_MONTH") or DEFAULT_DAYS_PER_MONTH))
    stmt = (db.select(Worklog.hours, User.display_name, Ticket.category, ServiceContract.name,
                      ServiceContract.hours_per_person_day)
            .join(User, User.id == Worklog.engineer_id).join(Ticket, Ticket.id == Worklog.ticket_id)
            .join(ServiceContract, ServiceContract.id == Ticket.contract_id)
            .where(Worklog.work_date >= first, Worklog.work_date < nxt))
    if user is not None:
        from app.security.scoping import scope

        stmt = scope(stmt, Ticket.region_id, user)
    groups: dict[str, dict[str, list[Decimal]]] = {"engineer": defaultdict(lambda: [Decimal(0), Decimal(0)]),
                                                   "category": defaultdict(lambda: [Decimal(0), Decimal(0)]),
                                                   "contract": defaultdict(lambda: [Decimal(0), Decimal(0)])}
    for hours, engineer, category, contract, per_day in db.session.execute(stmt):
        hours = Decimal(str(hours))
        days = hours / Decimal(str(per_day or 8))
        for name, key in (("engineer", engineer), ("category", category), ("contract", contract)):
            groups[name][key][0] += hours
            groups[name][key][1] += days
    q = Decimal("0.01")
    return {name: [WorkloadRow(key, h.quantize(q), d.quantize(q), (d / days_per_month).quantize(q))
                   for key, (h, d) in sorted(rows.items())] for name, rows in groups.items()}
