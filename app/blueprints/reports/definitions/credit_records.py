"""信用记录统计: credit records per source department (records are departmental, not regional)."""
from sqlalchemy import func

from app.blueprints.reports.registry import report
from app.blueprints.reports.rows import subtree
from app.extensions import db
from app.models.credit import CATEGORIES, OBJECTED, REPAIRED, CreditRecord, CreditSubject

COLUMNS = [
    ("来源部门", ["来源部门"]),
    ("本月认定记录（条）", [*CATEGORIES.values(), "小计"]),
    ("当前状态（条）", ["异议处理中", "已修复"]),
]
WIDTH = 1 + len(CATEGORIES) + 1 + 2
KINDS = ["int"] * (WIDTH - 1)


def _measures(period) -> list:
    in_period = (CreditRecord.decision_date >= period.first_day, CreditRecord.decision_date <= period.last_day)
    return [*[func.count(CreditRecord.id).filter(CreditRecord.category == key, *in_period) for key in CATEGORIES],
            func.count(CreditRecord.id).filter(*in_period),
            func.count(CreditRecord.id).filter(CreditRecord.status == OBJECTED),
            func.count(CreditRecord.id).filter(CreditRecord.status == REPAIRED)]


def _scoped(stmt, region):
    return (stmt.select_from(CreditRecord).join(CreditSubject, CreditSubject.id == CreditRecord.subject_id)
            .where(CreditSubject.region_id.in_(subtree(region))))


@report("credit_records", "信用记录统计",
        "信用记录由各部门认定，按来源部门（而非区域）统计本区域主体本月认定的各类记录及异议处理中、已修复条数")
def build(book, region, period) -> int:
    """One row per source department and a totals row counted over all of them."""
    book.title(f"{region.name}信用记录统计表", f"统计范围：{region.name}　　统计期间：{period.label}", WIDTH)
    book.columns([24] + [11] * (WIDTH - 1))
    book.headers(COLUMNS)
    per_department = db.session.execute(_scoped(db.select(CreditRecord.department, *_measures(period)), region)
                                        .group_by(CreditRecord.department).order_by(CreditRecord.department)).all()
    rows = 0
    for department, *figures in per_department:
        book.data_row([department, *figures], ["text", *KINDS])
        rows += 1
    book.totals_row("合计", list(db.session.execute(_scoped(db.select(*_measures(period)), region)).one()), KINDS)
    return rows
