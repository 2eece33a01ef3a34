"""人口统计: residents per child region by gender, age band, ethnic group and residence type."""
from datetime import date

from sqlalchemy import func

from app.blueprints.reports.registry import report
from app.blueprints.reports.rows import child_regions, subtree
from app.extensions import db
from app.models.household import Household
from app.models.person import RESIDENCE_TYPES, Person

AGE_BANDS = (("0–17 岁", 0, 18), ("18–59 岁", 18, 60), ("60–79 岁", 60, 80), ("80 岁及以上", 80, 200))
COLUMNS = [
    ("区域", ["区域"]),
    ("在册人口", ["在册人口"]),
    ("性别", ["男", "女"]),
    ("年龄", [band[0] for band in AGE_BANDS]),
    ("民族", ["汉族", "少数民族"]),
    ("人口类型", list(RESIDENCE_TYPES)),
]
WIDTH = 1 + 1 + 2 + len(AGE_BANDS) + 2 + len(RESIDENCE_TYPES)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def counts(region, period) -> list[int]:
    """One row of figures for everyone registered (在册) in the region's subtree at the end of the period."""
    end = period.last_day
    measures = [func.count(Person.id), func.count(Person.id).filter(Person.gender == "男"),
                func.count(Person.id).filter(Person.gender == "女")]
    for _, low, high in AGE_BANDS:
        measures.append(func.count(Person.id).filter(Person.birth_date <= _years_before(end, low),
                                                     Person.birth_date > _years_before(end, high)))
    measures += [func.count(Person.id).filter(Person.ethnicity == "汉族"),
                 func.count(Person.id).filter(Person.ethnicity != "汉族")]
    measures += [func.count(Person.id).filter(Person.residence_type == kind) for kind in RESIDENCE_TYPES]
    stmt = (db.select(*measures).select_from(Person).join(Household, Household.id == Person.household_id)
            .where(Household.region_id.in_(subtree(region)), Household.deleted_at.is_(None),
                   Person.deleted_at.is_(None), Person.residence_status == "在册"))
    return list(db.session.execute(stmt).one())


@report("population", "人口统计", "各下级区域在册人口的性别、年龄段、民族和人口类型构成")
def build(book, region, period) -> int:
    """One row per child region; the totals row is counted over the whole region, not summed."""
    book.title(f"{region.name}人口统计表", f"统计范围：{region.name}　　截至：{period.last_day:%Y-%m-%d}", WIDTH)
    book.columns([22] + [10] * (WIDTH - 1))
    book.headers(COLUMNS)
    kinds = ["int"] * (WIDTH - 1)
    rows = 0
    for child in child_regions(region):
        book.data_row([child.name, *counts(child, period)], ["text", *kinds])
        rows += 1
    book.totals_row("合计", counts(region, period), kinds)
    return rows
