"""Starting report jobs, the report archive, and the monthly generation for every area."""
from flask import abort

from app.blueprints.jobs.services import start_job
from app.blueprints.reports.period import Period
from app.blueprints.reports.registry import load_definitions
from app.extensions import db
from app.models.region import COUNTY, COMMUNITY, TOWN, Region
from app.models.report import ReportArchive
from app.pagination import paginate
from app.security.scoping import get_scoped_or_404, scope
from app.validation import Invalid


def definitions():
    """Every registered report, by key."""
    return load_definitions()


def start_report(actor, key: str, region_id: int, period_text: str):
    """Start one report job for a region in the actor's subtree (another area answers 404)."""
    if key not in definitions():
        raise Invalid({"report": "请选择报表"})
    period = Period.parse(period_text)
    region = get_scoped_or_404(Region, region_id, region_attr="id", user=actor)
    from workers.reports import generate_report

    title = f"{definitions()[key].title} · {region.name} · {period.label}"
    return start_job(generate_report, idempotent=True, kind=f"report:{key}", title=title, owner=actor, queue="reports",
                     params={"report": key, "region_id": region.id, "period": str(period)},
                     args=(key, region.id, str(period), actor.id))


def archive_page(actor, page: int, size: int, key: str = ""):
    """Archived workbooks of the actor's subtree, newest first."""
    stmt = scope(db.select(ReportArchive), ReportArchive.region_id, actor).order_by(ReportArchive.id.desc())
    if key:
        stmt = stmt.where(ReportArchive.report_key == key)
    return paginate(stmt, page, size)


def archive_entry_or_404(actor, archive_id: int) -> ReportArchive:
    """One archived workbook in the actor's subtree."""
    entry = get_scoped_or_404(ReportArchive, archive_id, user=actor)
    if entry is None:
        abort(404)
    return entry


def monthly_targets(period: Period) -> list[tuple[str, int]]:
    """(report, region) pairs of the month that have no archived workbook yet."""
    regions = list(db.session.execute(db.select(Region.id).where(Region.level.in_((COUNTY, TOWN, COMMUNITY))))
                   .scalars())
    done = set(db.session.execute(db.select(ReportArchive.report_key, ReportArchive.region_id).where(
        ReportArchive.period == str(period), ReportArchive.scheduled.is_(True))).all())
    return [(key, region_id) for key in definitions() for region_id in regions if (key, region_id) not in done]
