"""走访覆盖统计: households, households visited in the month, coverage and follow-ups per child region."""
from sqlalchemy import func

from app.blueprints.reports.registry import report
from app.blueprints.reports.rows import child_regions, subtree
from app.extensions import db
from app.models.household import Household
from app.models.visit import Visit

COLUMNS = [
    ("区域", ["区域"]),
    ("农户", ["在册户数", "本月已走访户数", "走访覆盖率"]),
    ("走访记录", ["本月走访次数", "需跟进次数"]),
]
KINDS = ["int", "int", "pct", "int", "int"]


def counts(region, period) -> list:
    """Live households of the subtree, those visited in the period, coverage, visits and follow-ups."""
    in_period = (Visit.visited_at >= period.start_utc, Visit.visited_at < period.end_utc)
    visited = db.select(Visit.household_id).where(*in_period)
    homes, seen = db.session.execute(db.select(
        func.count(Household.id), func.count(Household.id).filter(Household.id.in_(visited)),
    ).where(Household.region_id.in_(subtree(region)), Household.deleted_at.is_(None))).one()
    visits, follow_ups = db.session.execute(db.select(
        func.count(Visit.id), func.count(Visit.id).filter(Visit.follow_up.is_(True)),
    ).join(Household, Household.id == Visit.household_id)
        .where(Household.region_id.in_(subtree(region)), Household.deleted_at.is_(None), *in_period)).one()
    return [homes, seen, seen / homes if homes else 0, visits, follow_ups]


@report("visit_coverage", "走访覆盖统计", "各下级区域在册户数、本月已走访户数与覆盖率、走访次数和需跟进次数")
def build(book, region, period) -> int:
    """One row per child region and a totals row counted over the whole region."""
    book.title(f"{region.name}走访覆盖统计表", f"统计范围：{region.name}　　统计期间：{period.label}", 6)
    book.columns([22, 11, 14, 11, 13, 11])
    book.headers(COLUMNS)
    rows = 0
    for child in child_regions(region):
        book.data_row([child.name, *counts(child, period)], ["text", *KINDS])
        rows += 1
    book.totals_row("合计", counts(region, period), KINDS)
    return rows
