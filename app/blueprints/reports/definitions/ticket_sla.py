"""工单 SLA 统计: tickets created in the month per severity, with response and resolution compliance."""
from collections import defaultdict

from app.blueprints.reports.registry import report
from app.blueprints.reports.rows import subtree
from app.blueprints.tickets.clocks import clocks_for
from app.blueprints.tickets.dashboard import Compliance
from app.blueprints.tickets.queries import LEAN
from app.clock import utcnow
from app.extensions import db
from app.models.ticket import SEVERITIES, Ticket

COLUMNS = [
    ("严重程度", ["严重程度"]),
    ("工单（件）", ["本月新建", "已取消"]),
    ("响应", ["及时响应", "响应达标率"]),
    ("解决", ["已计时", "及时解决", "解决达标率"]),
]
KINDS = ["int", "int", "int", "pct", "int", "int", "pct"]


class _Row:
    """Figures of one severity, or of all of them."""

    def __init__(self):
        self.created, self.cancelled = 0, 0
        self.response, self.resolution = Compliance(), Compliance()

    def add(self, clock) -> None:
        """Count one ticket with the dashboard's rules: response always measured, resolution once stopped or late."""
        self.created += 1
        if clock.cancelled:
            self.cancelled += 1
            return
        self.response.total += 1
        self.response.met += int(not clock.response.breached)
        if clock.resolution.stopped_at is not None or clock.resolution.breached:
            self.resolution.total += 1
            self.resolution.met += int(not clock.resolution.breached)

    def values(self) -> list:
        ratio = lambda c: c.met / c.total if c.total else 0  # noqa: E731
        return [self.created, self.cancelled, self.response.met, ratio(self.response),
                self.resolution.total, self.resolution.met, ratio(self.resolution)]


@report("ticket_sla", "工单 SLA 统计", "按严重程度统计本区域本月新建工单的及时响应、及时解决件数与达标率")
def build(book, region, period) -> int:
    """One row per severity and a totals row over every ticket of the period."""
    book.title(f"{region.name}工单 SLA 统计表", f"统计范围：{region.name}　　统计期间：{period.label}", 8)
    book.columns([18, 11, 10, 11, 12, 10, 11, 12])
    book.headers(COLUMNS)
    tickets = list(db.session.execute(db.select(Ticket).options(*LEAN).where(
        Ticket.region_id.in_(subtree(region)), Ticket.created_at >= period.start_utc,
        Ticket.created_at < period.end_utc)).scalars())
    clocks = clocks_for(tickets, utcnow())
    by_severity, total = defaultdict(_Row), _Row()
    for ticket in tickets:
        by_severity[ticket.severity].add(clocks[ticket.id])
        total.add(clocks[ticket.id])
    for severity, label in SEVERITIES.items():
        book.data_row([label, *by_severity[severity].values()], ["text", *KINDS])
    book.totals_row("合计", total.values(), KINDS)
    return len(SEVERITIES)
