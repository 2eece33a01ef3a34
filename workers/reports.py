"""Report jobs: one workbook per (report, region, month), and the monthly run for every area."""
from app.blueprints.reports.period import Period
from app.blueprints.reports.registry import load_definitions
from app.blueprints.reports.workbook import OfficeWorkbook
from app.clock import local_today
from app.extensions import db
from app.models.region import Region
from app.models.report import ReportArchive
from app.models.user import User
from workers.context import portal_job, system_job


@portal_job
def generate_report(ctx, key: str, region_id: int, period_text: str, user_id: int | None, scheduled: bool = False):
    """Build the workbook, archive it, and point the job row at it."""
    definition = load_definitions()[key]
    region = db.session.get(Region, region_id)
    period = Period.parse(period_text)
    user = db.session.get(User, user_id) if user_id else None
    filename = f"{definition.title}-{region.name}-{period}.xlsx"
    path = ctx.result_file(f"{key}-{region.code}-{period}.xlsx")
    book = OfficeWorkbook(str(path), definition.title)
    ctx.progress(10, "正在统计")
    rows = definition.build(book, region, period)
    book.footer(user.display_name if user else "系统定时生成")
    book.close()
    db.session.add(ReportArchive(report_key=key, region_id=region_id, period=str(period), job_id=ctx.job_id,
                                 path=str(path), filename=filename, rows=rows, generated_by_id=user_id,
                                 scheduled=scheduled))
    db.session.commit()
    return {"path": str(path), "name": filename, "message": f"{rows} 行"}


@system_job
def monthly_reports() -> int:
    """Generate last month's workbooks for every county, township and community still missing them."""
    from app.blueprints.jobs.services import start_job
    from app.blueprints.reports.services import monthly_targets

    period = Period.previous(local_today())
    pairs = monthly_targets(period)
    for key, region_id in pairs:
        start_job(generate_report, idempotent=True, kind=f"report:{key}", title=f"定时报表 {key} {period}", owner=None,
                  queue="reports", params={"report": key, "region_id": region_id, "period": str(period)},
                  args=(key, region_id, str(period), None, True))
    return len(pairs)
