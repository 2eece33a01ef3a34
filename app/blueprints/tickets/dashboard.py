"""Supervisor figures: open by risk, SLA compliance by month/severity/engineer, backlog age, top categories."""
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.blueprints.tickets import states as S
from app.blueprints.tickets.clocks import clocks_for
from app.blueprints.tickets.queries import LEAN, visible
from app.clock import to_local
from app.extensions import db
from app.models.ticket import Ticket

MONTHS_BACK = 6
AGE_BUCKETS = ((1, "1 天内"), (3, "1–3 天"), (7, "3–7 天"), (30, "7–30 天"), (None, "30 天以上"))


@dataclass
class Compliance:
    """Met / measured counts of one clock for one group."""

    met: int = 0
    total: int = 0

    @property
    def percent(self) -> float | None:
        return round(100.0 * self.met / self.total, 1) if self.total else None


def _add(table, key, clock) -> None:
    pair = table[key]
    pair[0].total += 1
    pair[0].met += int(not clock.response.breached)
    if clock.resolution.stopped_at is not None or clock.resolution.breached:
        pair[1].total += 1
        pair[1].met += int(not clock.resolution.breached)


def figures(user, now: datetime, since: datetime | None = None) -> dict:
    """Everything the dashboard and the monthly report show, from one ticket query and one calendar load."""
    since = since or now - timedelta(days=31 * MONTHS_BACK)
    tickets = list(db.session.execute(visible(user).where(Ticket.created_at >= since, Ticket.state != S.CANCELLED)
                                      .options(*LEAN).order_by(Ticket.created_at)).scalars())
    clocks = clocks_for(tickets, now)
    new_pair = lambda: (Compliance(), Compliance())  # noqa: E731
    by_month, by_severity, by_engineer = defaultdict(new_pair), defaultdict(new_pair), defaultdict(new_pair)
    open_risk = Counter()
    ages = Counter()
    categories = Counter()
    for t in tickets:
        c = clocks[t.id]
        categories[t.category] += 1
        _add(by_month, to_local(t.created_at).strftime("%Y-%m"), c)
        _add(by_severity, t.severity, c)
        _add(by_engineer, t.assignee.display_name if t.assignee else "未指派", c)
        if t.state in S.OPEN or t.state in S.AWAITING_REVIEW:
            open_risk[c.risk] += 1
            age_days = (now - t.created_at).total_seconds() / 86400
            ages[next(label for limit, label in AGE_BUCKETS if limit is None or age_days < limit)] += 1
    return {
        "tickets": tickets,
        "clocks": clocks,
        "open_risk": {r: open_risk.get(r, 0) for r in ("green", "amber", "red")},
        "by_month": sorted(by_month.items()),
        "by_severity": sorted(by_severity.items()),
        "by_engineer": sorted(by_engineer.items()),
        "ages": [(label, ages.get(label, 0)) for _, label in AGE_BUCKETS],
        "categories": categories.most_common(5),
    }
