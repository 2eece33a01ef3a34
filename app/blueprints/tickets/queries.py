"""Reading tickets: who sees what, lists with filters, the board, the review queue, the detail page."""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import raiseload

from app.blueprints.tickets import states as S
from app.blueprints.tickets.clocks import clocks_for, load_calendar, ticket_clocks
from app.blueprints.tickets.services import can_supervise, can_work
from app.extensions import db
from app.models.ticket import ExtensionRequest, SEVERITIES, Ticket, TicketAttachment, TicketEvent, TicketWatcher, \
    Worklog
from app.pagination import Page
from app.security.scoping import get_scoped_or_404, scope

# Wide reads skip the reporter and system joins their pages never show.
LEAN = (raiseload(Ticket.reporter), raiseload(Ticket.system))
MAX_SCAN = 500  # risk is computed per row, so risk filters look at no more than this many tickets


def visible(user):
    """Tickets the user may see: ops see every ticket in their area, others what they reported or follow."""
    stmt = scope(db.select(Ticket), Ticket.region_id, user)
    if not can_work(user):
        watched = db.select(TicketWatcher.ticket_id).where(TicketWatcher.user_id == user.id)
        stmt = stmt.where((Ticket.reporter_id == user.id) | Ticket.id.in_(watched))
    return stmt


def get_ticket_or_404(user, ticket_id: int) -> Ticket:
    """A ticket the user may see; another area's or another reporter's ticket answers 404."""
    ticket = get_scoped_or_404(Ticket, ticket_id, user=user)
    if not can_work(user) and ticket.reporter_id != user.id and db.session.get(
            TicketWatcher, (ticket.id, user.id)) is None:
        from flask import abort

        abort(404)
    return ticket


@dataclass
class Filters:
    """List and board filters, as they appear in the URL."""

    q: str = ""
    state: str = ""
    severity: str = ""
    assignee: int | None = None
    risk: str = ""
    mine: bool = False
    open_only: bool = False

    def args(self) -> dict:
        """Non-empty filters for building URLs."""
        out = {"q": self.q, "state": self.state, "severity": self.severity, "assignee": self.assignee,
               "risk": self.risk, "mine": 1 if self.mine else None}
        return {k: v for k, v in out.items() if v}


def _filtered(user, f: Filters):
    stmt = visible(user)
    if f.q:
        like = f"%{f.q}%"
        stmt = stmt.where(Ticket.title.ilike(like) | Ticket.number.ilike(like) | Ticket.external_ref.ilike(like))
    if f.state in S.STATE_LABELS:
        stmt = stmt.where(Ticket.state == f.state)
    elif f.open_only:
        stmt = stmt.where(Ticket.state.notin_(S.FINISHED))
    if f.severity in SEVERITIES:
        stmt = stmt.where(Ticket.severity == f.severity)
    if f.assignee:
        stmt = stmt.where(Ticket.assignee_id == f.assignee)
    if f.mine:
        stmt = stmt.where((Ticket.assignee_id == user.id) | (Ticket.reporter_id == user.id))
    return stmt


@dataclass
class Listing:
    """A page of tickets with their clocks."""

    page: Page
    clocks: dict = field(default_factory=dict)


def list_tickets(user, f: Filters, page: int, size: int, now: datetime) -> Listing:
    """Newest first; with a risk filter the risk is computed on up to MAX_SCAN rows, then paged."""
    stmt = _filtered(user, f).order_by(Ticket.created_at.desc(), Ticket.id.desc())
    if f.risk:
        rows = list(db.session.execute(stmt.limit(MAX_SCAN)).scalars())
        clocks = clocks_for(rows, now)
        rows = [t for t in rows if clocks[t.id].risk == f.risk]
        total = len(rows)
        page = min(max(page, 1), max(1, -(-total // size)))
        items = rows[(page - 1) * size: page * size]
        return Listing(Page(items=items, page=page, size=size, total=total), clocks)
    from app.pagination import paginate

    result = paginate(stmt, page, size)
    return Listing(result, clocks_for(result.items, now))


@dataclass
class Board:
    """Open tickets by state column with counts."""

    columns: list  # [(state, label, [tickets])]
    clocks: dict
    total: int
    risk_counts: dict


def board(user, f: Filters, now: datetime) -> Board:
    """Columns by state; the filters are the list's filters."""
    stmt = _filtered(user, f).where(Ticket.state.in_(S.BOARD_COLUMNS)).order_by(Ticket.created_at)
    rows = list(db.session.execute(stmt.options(*LEAN).limit(MAX_SCAN)).scalars())
    clocks = clocks_for(rows, now)
    if f.risk:
        rows = [t for t in rows if clocks[t.id].risk == f.risk]
    columns = [(state, S.STATE_LABELS[state], [t for t in rows if t.state == state]) for state in S.BOARD_COLUMNS]
    risk_counts = {"green": 0, "amber": 0, "red": 0}
    for t in rows:
        risk_counts[clocks[t.id].risk] = risk_counts.get(clocks[t.id].risk, 0) + 1
    return Board(columns, clocks, len(rows), risk_counts)


@dataclass
class ReviewQueue:
    """What waits for a supervisor: resolved tickets and extension requests."""

    tickets: list
    extensions: list
    clocks: dict
    ticket_by_id: dict


def review_queue(user, now: datetime) -> ReviewQueue:
    """Resolved tickets (oldest first) and pending extension requests in the supervisor's area."""
    tickets = list(db.session.execute(visible(user).where(Ticket.state.in_(S.AWAITING_REVIEW))
                                      .order_by(Ticket.resolved_at).limit(200)).scalars())
    ext_rows = list(db.session.execute(
        db.select(ExtensionRequest, Ticket).join(Ticket, Ticket.id == ExtensionRequest.ticket_id)
        .where(ExtensionRequest.state == "pending",
               Ticket.id.in_(visible(user).with_only_columns(Ticket.id).scalar_subquery()))
        .order_by(ExtensionRequest.requested_at).limit(200)))
    by_id = {t.id: t for t in tickets} | {t.id: t for _, t in ext_rows}
    return ReviewQueue(tickets, [e for e, _ in ext_rows], clocks_for(by_id.values(), now), by_id)


@dataclass
class Detail:
    """Everything the ticket page shows, loaded up front."""

    ticket: Ticket
    clocks: object
    events: list
    attachments: list
    extensions: list
    worklogs: list
    watching: bool
    actions: list
    can_work: bool
    can_supervise: bool
    state_labels: dict = field(default_factory=lambda: S.STATE_LABELS)


def detail(user, ticket: Ticket, now: datetime) -> Detail:
    """The ticket with its timeline (internal comments only for ops), files, extensions, worklog."""
    work = can_work(user)
    events = db.select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.at, TicketEvent.id)
    if not work:
        events = events.where(TicketEvent.is_internal.is_(False))
    return Detail(
        ticket=ticket,
        clocks=ticket_clocks(ticket, load_calendar(now), now),
        events=list(db.session.execute(events).scalars()),
        attachments=list(db.session.execute(db.select(TicketAttachment).where(
            TicketAttachment.ticket_id == ticket.id).order_by(TicketAttachment.id)).scalars()),
        extensions=list(db.session.execute(db.select(ExtensionRequest).where(
            ExtensionRequest.ticket_id == ticket.id).order_by(ExtensionRequest.id)).scalars()) if work else [],
        worklogs=list(db.session.execute(db.select(Worklog).where(Worklog.ticket_id == ticket.id).order_by(
            Worklog.work_date, Worklog.id)).scalars()) if work else [],
        watching=db.session.get(TicketWatcher, (ticket.id, user.id)) is not None,
        actions=S.actions_for(ticket.state, is_reporter=ticket.reporter_id == user.id, can_work=work,
                              can_supervise=can_supervise(user)),
        can_work=work,
        can_supervise=can_supervise(user),
    )


def tickets_by_ids(user, ids: list[int]) -> list[Ticket]:
    """Visible tickets among the ids (others are silently out of reach)."""
    if not ids:
        return []
    return list(db.session.execute(visible(user).where(Ticket.id.in_(ids[:200]))).scalars())
