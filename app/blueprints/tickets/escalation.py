"""Escalation scan: 75% and breach crossings of running clocks notify the assignee and supervisors once."""
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from app.blueprints.notifications.services import notify
from app.blueprints.tickets import sla
from app.blueprints.tickets import states as S
from app.blueprints.tickets.clocks import clocks_for
from app.blueprints.tickets.services import supervisor_ids
from app.clock import utcnow
from app.extensions import db
from app.security import audit
from app.models.ticket import Ticket, TicketEscalation, TicketEvent

CLOCK_LABELS = {"response": "响应", "resolution": "解决", "onsite": "到场"}
BATCH = 500


def scan(now: datetime | None = None) -> int:
    """Record and notify every new crossing; returns how many were new. Safe to run concurrently and repeatedly."""
    now = now or utcnow()
    sent = 0
    last_id = 0
    supervisors = supervisor_ids()
    while True:
        tickets = list(db.session.execute(db.select(Ticket).where(
            Ticket.state.in_(S.OPEN), Ticket.id > last_id).order_by(Ticket.id).limit(BATCH)).scalars())
        if not tickets:
            break
        last_id = tickets[-1].id
        clocks = clocks_for(tickets, now)
        done = {(e.ticket_id, e.clock, e.level) for e in db.session.execute(db.select(TicketEscalation).where(
            TicketEscalation.ticket_id.in_([t.id for t in tickets]))).scalars()}
        for ticket in tickets:
            tc = clocks[ticket.id]
            for c in tc.all:
                if not c.running:
                    continue
                for level in sla.crossings(c.fraction):
                    if (ticket.id, c.name, level) not in done:
                        sent += _escalate(ticket, c.name, level, supervisors, now)
    return sent


def _escalate(ticket: Ticket, clock_name: str, level: int, supervisors: list[int], now: datetime) -> int:
    """One crossing in its own transaction: the unique mark decides who notifies when two scans race."""
    what = "已超时" if level == 100 else "已用去 75% 时限"
    title = f"工单 {ticket.number} {CLOCK_LABELS[clock_name]}{what}"
    db.session.add(TicketEscalation(ticket_id=ticket.id, clock=clock_name, level=level, at=now))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return 0
    db.session.add(TicketEvent(ticket_id=ticket.id, at=now, kind="escalation", body=title, is_internal=True))
    audit.record("ticket.escalate", ticket, changes={"escalation": [None, f"{clock_name}:{level}"]})
    recipients = set(supervisors) | ({ticket.assignee_id} if ticket.assignee_id else set())
    notify(recipients, title, body=ticket.title, link=f"/tickets/{ticket.id}", kind="alert",
           dedupe_key=f"ticket:{ticket.id}:{clock_name}:{level}", sms=level == 100 or ticket.severity == "P1",
           email=level == 100)
    db.session.commit()
    return 1
