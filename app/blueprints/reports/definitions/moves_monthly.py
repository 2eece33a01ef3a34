"""迁入迁出统计: moves applied in the month per child region, by kind."""
from sqlalchemy import func

from app.blueprints.reports.registry import report
from app.blueprints.reports.rows import child_regions, subtree
from app.extensions import db
from app.models.move import APPLIED, DEATH, MOVE_IN, MOVE_KINDS, MOVE_OUT, SPLIT, TRANSFER, Move

COLUMNS = [
    ("区域", ["区域"]),
    ("跨县迁移（人）", [MOVE_KINDS[MOVE_OUT], MOVE_KINDS[MOVE_IN]]),
    ("县内迁移（人）", ["迁入本区域", "迁出本区域"]),
    ("其他", [MOVE_KINDS[SPLIT], MOVE_KINDS[DEATH]]),
    ("合计", ["合计"]),
]
KINDS = ["int"] * 7


def counts(region, period) -> list[int]:
    """Applied moves decided in the period whose from/to region lies in the region's subtree."""
    area = subtree(region)
    # 迁出/分户/死亡注销 count where they leave (from_region_id), 迁入 where they arrive (to_region_id);
    # a 县内迁移 counts in at to_region_id and out at from_region_id, so one inside the region counts both.
    came_in = Move.to_region_id.in_(area)
    went_out = Move.from_region_id.in_(area)
    measures = [
        func.count(Move.id).filter(Move.kind == MOVE_OUT, went_out),
        func.count(Move.id).filter(Move.kind == MOVE_IN, came_in),
        func.count(Move.id).filter(Move.kind == TRANSFER, came_in),
        func.count(Move.id).filter(Move.kind == TRANSFER, went_out),
        func.count(Move.id).filter(Move.kind == SPLIT, went_out),
        func.count(Move.id).filter(Move.kind == DEATH, went_out),
    ]
    figures = list(db.session.execute(db.select(*measures).where(
        Move.state == APPLIED, Move.decided_at >= period.start_utc, Move.decided_at < period.end_utc)).one())
    return figures + [sum(figures)]


@report("moves_monthly", "迁入迁出统计", "各下级区域本月已生效的迁出、迁入、县内迁移、分户和死亡注销人次")
def build(book, region, period) -> int:
    """One row per child region and a totals row counted over the whole region."""
    book.title(f"{region.name}迁入迁出统计表", f"统计范围：{region.name}　　统计期间：{period.label}", 8)
    book.columns([22] + [11] * 7)
    book.headers(COLUMNS)
    rows = 0
    for child in child_regions(region):
        book.data_row([child.name, *counts(child, period)], ["text", *KINDS])
        rows += 1
    book.totals_row("合计", counts(region, period), KINDS)
    return rows
