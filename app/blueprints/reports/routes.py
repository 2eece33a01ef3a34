"""Report pages: pick and start, the archive, downloads."""
from flask import flash, redirect, request, send_file, url_for
from flask_login import current_user

from app.blueprints.jobs.services import QueueUnavailable
from app.blueprints.reports import bp, services
from app.blueprints.reports.forms import ReportForm
from app.blueprints.reports.period import Period
from app.clock import local_today
from app.extensions import db
from app.models.region import GRID
from app.security import audit
from app.security.permissions import REPORTS_VIEW, requires
from app.security.scoping import scoped_regions
from app.validation import Invalid
from app.web import page_args, render


def _form() -> ReportForm:
    form = ReportForm(period=str(Period.previous(local_today())))
    form.report.choices = [(d.key, d.title) for d in services.definitions().values()]
    form.region_id.choices = [(r.id, f"{'　' * r.depth}{r.name}")
                              for r in db.session.execute(scoped_regions()).scalars() if r.level != GRID]
    return form


@bp.route("/", methods=["GET", "POST"])
@requires(REPORTS_VIEW)
def index():
    """Choose a report, an area of one's own and a month; one click starts the job."""
    form = _form()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            job = services.start_report(current_user, form.report.data, form.region_id.data, form.period.data)
            return redirect(url_for("jobs.status", job_id=job.id), 303)
        except Invalid as exc:
            general = exc.attach(form)
        except QueueUnavailable:
            general = ["任务队列暂不可用，请稍后重试"]
    page, size = page_args(20, 100)
    archive = services.archive_page(current_user, page, size, request.args.get("report", ""))
    return render("reports/index.html", form=form, general=general, archive=archive,
                  definitions=services.definitions(), status=422 if request.method == "POST" else 200)


@bp.route("/archive/<int:archive_id>")
@requires(REPORTS_VIEW)
def download(archive_id: int):
    """Download an archived workbook (audited)."""
    entry = services.archive_entry_or_404(current_user, archive_id)
    audit.record("report.download", object_type="report_archive", object_id=entry.id, detail=entry.filename)
    db.session.commit()
    return send_file(entry.path, as_attachment=True, download_name=entry.filename, max_age=0)


@bp.route("/archive/<int:archive_id>/regenerate", methods=["POST"])
@requires(REPORTS_VIEW)
def regenerate(archive_id: int):
    """Make the same report again with current data."""
    entry = services.archive_entry_or_404(current_user, archive_id)
    try:
        job = services.start_report(current_user, entry.report_key, entry.region_id, entry.period)
    except QueueUnavailable:
        flash("任务队列暂不可用，请稍后重试", "error")
        return redirect(url_for("reports.index"), 303)
    return redirect(url_for("jobs.status", job_id=job.id), 303)


