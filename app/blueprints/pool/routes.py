"""Pool pages: imports, batches, conflict queue and resolution, cross-check, field mapping."""
from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from app.blueprints.households.queries import grid_choices
from app.blueprints.jobs.services import QueueUnavailable, start_job
from app.blueprints.pool import bp, mapping, services
from app.blueprints.pool import conflicts as conflict_services
from app.blueprints.pool.forms import ResolveForm, UploadForm
from app.blueprints.pool.importer import sample_csv
from app.blueprints.pool.sources import FILLABLE, SOURCES, field_sources
from app.clock import to_local
from app.models.job import Job
from app.extensions import db
from app.security import permissions as P
from app.security.permissions import requires
from app.validation import Invalid
from app.web import page_args, render
from workers.pool import cross_check


def _user():
    return current_user._get_current_object()


@bp.route("/", methods=["GET", "POST"])
@requires(P.POOL_IMPORT)
def imports():
    """Upload a department source file; recent batches."""
    form = UploadForm()
    general: list[str] = []
    if request.method == "POST" and form.validate():
        try:
            batch, started = services.start_import(_user(), form.source.data, request.files.get("file"))
            if not started:
                when = to_local(batch.created_at)
                flash(f"该文件已于 {when:%Y-%m-%d %H:%M} 导入过（批次 {batch.id}），未重复处理", "info")
            return redirect(url_for("pool.batch", batch_id=batch.id), 303)
        except (Invalid, QueueUnavailable) as exc:
            general = exc.attach(form) if isinstance(exc, Invalid) else ["任务队列暂不可用，请稍后重试"]
    status = 422 if request.method == "POST" else 200
    return render("pool/imports.html", form=form, general=general, batches=services.batches(_user()),
                  sources=SOURCES, status=status)


@bp.route("/template/<source_key>.csv")
@requires(P.POOL_IMPORT)
def template(source_key: str):
    """A header-only CSV template of a source."""
    if source_key not in SOURCES:
        abort(404)
    return Response("\ufeff" + sample_csv(source_key), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={source_key}.csv"})


@bp.route("/batches/<int:batch_id>")
@requires(P.POOL_IMPORT)
def batch(batch_id: int):
    """One import: counts, listed rejects and the job component with the rejected-rows download."""
    row = services.get_batch_or_404(_user(), batch_id)
    job = db.session.get(Job, row.job_id) if row.job_id else None
    return render("pool/batch.html", "pool/_batch.html", batch=row, job=job, source=SOURCES[row.source])


@bp.route("/conflicts")
@requires(P.ARCHIVE_VIEW)
def conflicts():
    """The conflict queue of the user's area."""
    page, size = page_args(20, 100)
    state = request.args.get("state", "open")
    text = request.args.get("q", "").strip()[:64]
    region = request.args.get("region", type=int)
    result = conflict_services.queue(_user(), state, text, region, page, size)
    return render("pool/conflicts.html", "pool/_conflicts.html", result=result, state=state, q=text, region=region,
                  states=conflict_services.STATES, regions=grid_choices(_user()), form=ResolveForm())


@bp.route("/conflicts/<int:conflict_id>", methods=["POST"])
@requires(P.ARCHIVE_EDIT)
def resolve(conflict_id: int):
    """Resolve one conflict; the row is a component that swaps itself."""
    conflict = conflict_services.get_conflict_or_404(_user(), conflict_id)
    form = ResolveForm()
    errors: list[str] = []
    status = 200
    try:
        conflict_services.resolve(_user(), conflict, form.choice.data, form.note.data)
    except Invalid as exc:
        errors, status = [m for msgs in exc.errors.values() for m in msgs], 422
    return render("pool/conflict_page.html", "pool/_conflict.html", c=conflict, number="", form=form,
                  errors=errors, status=status)


@bp.route("/crosscheck", methods=["POST"])
@requires(P.ARCHIVE_EDIT)
def crosscheck():
    """Start the cross-check of the user's area."""
    try:
        job = start_job(cross_check, kind="pool.cross_check", title="多元校核", owner=_user(),
                        args=(_user().id, _user().region_id))
    except QueueUnavailable:
        flash("任务队列暂不可用，请稍后重试", "error")
        return redirect(url_for("pool.conflicts"), 303)
    return render("jobs/page.html", "jobs/_status.html", job=job)


@bp.route("/mapping", methods=["GET", "POST"])
@requires(P.TAGS_MANAGE)
def field_mapping():
    """一数一源: which source fills which person field."""
    if request.method == "POST":
        try:
            mapping.set_source(request.form.get("field", ""), request.form.get("source", ""))
            flash("已保存", "success")
        except Invalid as exc:
            flash(str(exc), "error")
        return redirect(url_for("pool.field_mapping"), 303)
    return render("pool/mapping.html", fillable=FILLABLE, current=field_sources(), sources=SOURCES)


@bp.errorhandler(413)
def upload_too_large(error):
    """Name the limit when an upload is refused for its size (the body is never read)."""
    from app.errors import render_error

    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    return render_error(413, f"文件超过 {limit} MB 上限，请拆分成较小的文件后再导入。")
