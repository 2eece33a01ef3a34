"""人口统计 report for a county of ~300k persons: time and peak memory against raw xlsxwriter.

Usage (PostgreSQL, a scratch database; the scale county is generated when missing):
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_population PORTAL_INSTANCE_DIR=$(mktemp -d) \\
        .venv/bin/python benchmarks/population_report.py --households 90000 --repeat 5

Two comparisons, each as median wall time and Python peak memory (tracemalloc, in a separate run so tracing does
not slow the timed one):
1. The report itself (county and one town): the portal's report (queries + office layout) against the same
   queries written by a bare xlsxwriter workbook. The report aggregates in SQL, so this shows the layout's cost.
2. The workbook layer at person scale: OfficeWorkbook writing N formatted rows against raw xlsxwriter
   `write_row` of the same rows, at N/10 and N, to show time overhead and that memory stays flat.
"""
import argparse
import statistics
import sys
import tempfile
import tracemalloc
from pathlib import Path

import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import timed  # noqa: E402  (needs the project on the path)

OUT = Path(tempfile.mkdtemp(prefix="portal-population-"))


def _measure(func, repeat: int) -> tuple[float, float]:
    """Median seconds over `repeat` runs (after one warm-up), then peak MiB of one traced run."""
    func()
    times = timed(func, repeat)
    tracemalloc.start()
    func()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak / 2**20


def _portal_report(region, period):
    from app.blueprints.reports.definitions.population import build
    from app.blueprints.reports.workbook import OfficeWorkbook

    book = OfficeWorkbook(str(OUT / "portal.xlsx"), "人口统计")
    build(book, region, period)
    book.footer("基准测试")
    book.close()


def _raw_report(region, period):
    from app.blueprints.reports.definitions.population import counts
    from app.blueprints.reports.rows import child_regions

    book = xlsxwriter.Workbook(str(OUT / "raw.xlsx"), {"constant_memory": True})
    sheet = book.add_worksheet()
    row = 0
    for child in child_regions(region):
        sheet.write_row(row, 0, [child.name, *counts(child, period)])
        row += 1
    sheet.write_row(row, 0, ["合计", *counts(region, period)])
    book.close()


def _person_rows(n: int):
    """Rows shaped like a person listing (text, dates as text, ints), generated so no list is held in memory."""
    for i in range(n):
        yield [f"居民{i:06d}", "男" if i % 2 else "女", f"19{50 + i % 50}-0{1 + i % 9}-1{i % 10}", "汉族",
               "户籍人口", i % 100, f"G330128{i:08d}"]


def _portal_rows(n: int):
    from app.blueprints.reports.workbook import OfficeWorkbook

    book = OfficeWorkbook(str(OUT / "portal-rows.xlsx"), "人员")
    book.title("人员清单", "基准测试", 7)
    book.headers([("人员", ["姓名", "性别", "出生日期", "民族", "人口类型", "年龄", "户号"])])
    kinds = ["text", "text", "text", "text", "text", "int", "text"]
    for values in _person_rows(n):
        book.data_row(values, kinds)
    book.totals_row("合计", [n], ["int"])
    book.close()


def _raw_rows(n: int):
    book = xlsxwriter.Workbook(str(OUT / "raw-rows.xlsx"), {"constant_memory": True})
    sheet = book.add_worksheet()
    for row, values in enumerate(_person_rows(n)):
        sheet.write_row(row, 0, values)
    book.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=90_000)
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from app import create_app
    from app.blueprints.reports.period import Period
    from app.clock import local_today
    from app.extensions import db
    from app.models.person import Person
    from app.models.region import Region
    from benchmarks.scale_county import ensure_scale_county

    app = create_app()
    print("| what | scope | portal s | raw s | ratio | portal peak MiB | raw peak MiB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    with app.app_context():
        county = ensure_scale_county(args.households)
        town = db.session.execute(db.select(Region).where(Region.parent_id == county.id)
                                  .order_by(Region.code)).scalars().first()
        period = Period.parse(local_today().strftime("%Y-%m"))
        persons = db.session.execute(db.select(db.func.count(Person.id))).scalar()
        for label, region in (("county", county), ("one town", town)):
            ours = _measure(lambda: _portal_report(region, period), args.repeat)
            raw = _measure(lambda: _raw_report(region, period), args.repeat)
            print(f"| 人口统计 report | {label} ({persons:,} persons in the database) | {ours[0]:.3f} | {raw[0]:.3f} "
                  f"| {ours[0] / raw[0]:.2f} | {ours[1]:.1f} | {raw[1]:.1f} |")
    for n in (args.rows // 10, args.rows):
        ours = _measure(lambda: _portal_rows(n), max(1, args.repeat // 2))
        raw = _measure(lambda: _raw_rows(n), max(1, args.repeat // 2))
        print(f"| workbook layer | {n:,} person rows | {ours[0]:.2f} | {raw[0]:.2f} | {ours[0] / raw[0]:.2f} "
              f"| {ours[1]:.1f} | {raw[1]:.1f} |")


if __name__ == "__main__":
    main()
