"""Ticket SLA clocks at read time: stored timestamps + pauses + the working-day calendar, never a cached flag."""
from dataclasses import dataclass
from datetime import datetime

from app.blueprints.tickets import sla
from app.models.ticket import CALENDAR_BUSINESS, Ticket
from app.workcalendar import calendar_for


def load_calendar(now: datetime):
    """One working-day calendar (one query) for every ticket on a page."""
    return calendar_for(now.year - 1, now.year)


def hours_for(ticket: Ticket, calendar) -> sla.BusinessHours | None:
    """Business hours of the ticket's SLA, or None on 7×24."""
    if ticket.sla_calendar != CALENDAR_BUSINESS:
        return None
    return sla.BusinessHours(sla.parse_hhmm(ticket.sla_business_start), sla.parse_hhmm(ticket.sla_business_end),
                             calendar.is_working_day)


def intervals(ticket: Ticket) -> list[sla.Interval]:
    """The ticket's pauses as (start, end) pairs."""
    return [(p.started_at, p.ended_at) for p in ticket.pauses]


@dataclass(frozen=True)
class TicketClocks:
    """Response and resolution clocks of one ticket and its overall risk."""

    response: sla.Clock
    resolution: sla.Clock
    onsite: sla.Clock | None = None
    cancelled: bool = False

    @property
    def all(self) -> list[sla.Clock]:
        """Every clock this ticket has (on-site only when the policy promises it)."""
        return [c for c in (self.response, self.resolution, self.onsite) if c is not None]

    @property
    def risk(self) -> str:
        """Worst colour of the two clocks; a cancelled ticket has none."""
        return "none" if self.cancelled else sla.worst(c.risk for c in self.all)

    @property
    def risk_label(self) -> str:
        return "已取消" if self.cancelled else sla.RISK_LABELS[self.risk]

    @property
    def breached(self) -> bool:
        return any(c.breached for c in self.all)


def ticket_clocks(ticket: Ticket, calendar, now: datetime) -> TicketClocks:
    """Both clocks of a ticket at `now`."""
    hours, pauses = hours_for(ticket, calendar), intervals(ticket)
    response = sla.clock("response", ticket.created_at, ticket.sla_response_minutes, ticket.responded_at, pauses,
                         hours, now)
    stopped = ticket.resolved_at or (ticket.closed_at if ticket.state == "cancelled" else None)
    resolution = sla.clock("resolution", ticket.created_at, ticket.sla_resolution_minutes + ticket.extension_minutes,
                           stopped, pauses, hours, now)
    onsite = None
    if ticket.sla_onsite_minutes:
        onsite = sla.clock("onsite", ticket.created_at, ticket.sla_onsite_minutes,
                           ticket.onsite_at or (stopped if ticket.state in ("resolved", "review", "closed", "cancelled")
                                                else None), pauses, hours, now)
    return TicketClocks(response, resolution, onsite, cancelled=ticket.state == "cancelled")


def clocks_for(tickets, now: datetime, calendar=None) -> dict[int, TicketClocks]:
    """Clocks for many tickets with one calendar load (pauses must be preloaded)."""
    tickets = list(tickets)
    if not tickets:
        return {}
    calendar = calendar or load_calendar(now)
    return {t.id: ticket_clocks(t, calendar, now) for t in tickets}
