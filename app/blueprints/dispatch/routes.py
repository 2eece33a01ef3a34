"""Dispatch pages: targets, drafts and approval, runs, dead letters."""
from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from app.blueprints.dispatch import bp, services
from app.blueprints.dispatch.forms import TargetForm
from app.extensions import db
from app.models.dispatch import DeadLetter, DispatchRun, DispatchTarget, DispatchTargetVersion
from app.security import pii
from app.security.permissions import DISPATCH_MANAGE, requires
from app.security.scoping import scoped_regions
from app.validation import Invalid
from app.web import attempt, render
from workers.queues import get_queue


def _form(obj=None) -> TargetForm:
    form = TargetForm(obj=obj)
    form.region_id.choices = [(0, "全部区域")] + [(r.id, f"{'　' * r.depth}{r.name}")
                                              for r in db.session.execute(scoped_regions()).scalars()]
    form.event_types.choices = [(t, t) for t in services.event_type_choices()]
    return form


def _values(form: TargetForm) -> dict:
    return {"kind": form.kind.data, "url": form.url.data, "secret": form.secret.data, "folder": form.folder.data,
            "region_id": form.region_id.data, "event_types": form.event_types.data, "mapping": form.mapping.data,
            "batch_size": form.batch_size.data, "max_failures": form.max_failures.data, "note": form.note.data}


def _target(target_id: int) -> DispatchTarget:
    return db.get_or_404(DispatchTarget, target_id)


@bp.route("/")
@requires(DISPATCH_MANAGE)
def index():
    """Targets with cursor, state and pending drafts."""
    return render("dispatch/index.html", **services.overview())


@bp.route("/new", methods=["GET", "POST"])
@requires(DISPATCH_MANAGE)
def new():
    """Define a target (saved as a draft)."""
    form = _form()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            target = services.create_target(current_user, name=form.name.data, department=form.department.data,
                                            values=_values(form))
            flash("已保存为草稿，须由另一位管理员审核发布后才开始分发", "success")
            return redirect(url_for("dispatch.detail", target_id=target.id), 303)
        except Invalid as exc:
            general = exc.attach(form)
    return render("dispatch/form.html", form=form, target=None, general=general,
                  status=422 if request.method == "POST" else 200)


@bp.route("/<int:target_id>/edit", methods=["GET", "POST"])
@requires(DISPATCH_MANAGE)
def edit(target_id: int):
    """Propose a change (a new draft version)."""
    target = _target(target_id)
    form = _form()
    if request.method == "GET" and target.active_version is not None:
        version = target.active_version
        form.process(obj=version, name=target.name, department=target.department, region_id=version.region_id or 0,
                     mapping="\n".join(f"{k}={v}" for k, v in version.field_mapping.items()), note="",
                     row_version=target.row_version)
    elif request.method == "GET":
        form.row_version.data = target.row_version
    del form.name
    general: list[str] = []
    if form.validate_on_submit():
        try:
            version = services.propose_change(current_user, target, department=form.department.data,
                                              values=_values(form), version=form.row_version.data)
            flash(f"草稿 v{version.number} 已保存，待审核发布", "success")
            return redirect(url_for("dispatch.detail", target_id=target.id), 303)
        except Invalid as exc:
            general = exc.attach(form)
    return render("dispatch/form.html", form=form, target=target, general=general,
                  status=422 if request.method == "POST" else 200)


@bp.route("/<int:target_id>")
@requires(DISPATCH_MANAGE)
def detail(target_id: int):
    """Versions, runs and dead letters of a target."""
    data = services.target_detail(target_id)
    return render("dispatch/detail.html", secret=pii.decrypt, **data)


@bp.route("/versions/<int:version_id>/<action>", methods=["POST"])
@requires(DISPATCH_MANAGE)
def decide(version_id: int, action: str):
    """Approve (审核发布) or discard a draft."""
    version = db.get_or_404(DispatchTargetVersion, version_id)
    try:
        if action == "approve":
            services.approve(current_user, version)
            flash(f"v{version.number} 已发布", "success")
        elif action == "discard":
            services.discard(current_user, version)
            flash("草稿已撤销", "success")
        else:
            abort(404)
    except Invalid as exc:
        flash(str(exc), "error")
    return redirect(url_for("dispatch.detail", target_id=version.target_id), 303)


@bp.route("/<int:target_id>/control", methods=["POST"])
@requires(DISPATCH_MANAGE)
def control(target_id: int):
    """Pause, resume, replay from an event, or run now."""
    target = _target(target_id)
    action, version = request.form.get("action"), request.form.get("row_version")
    try:
        if action in ("pause", "resume"):
            services.set_paused(target, action == "pause", version=version)
            flash("已暂停分发" if action == "pause" else "已恢复分发", "success")
        elif action == "replay":
            services.replay_from(target, request.form.get("event_id", type=int) or 0, version=version)
            flash("将从所选事件起重新分发", "success")
        elif action == "run":
            get_queue(current_app, "dispatch").enqueue("workers.dispatch.dispatch_target", target.id)
            flash("已加入分发队列", "success")
        else:
            abort(400)
    except Invalid as exc:
        flash(str(exc), "error")
    return redirect(url_for("dispatch.detail", target_id=target.id), 303)


@bp.route("/dead-letters/<int:letter_id>", methods=["POST"])
@requires(DISPATCH_MANAGE)
def dead_letter(letter_id: int):
    """Send a dead-lettered batch again, or discard it."""
    letter = db.get_or_404(DeadLetter, letter_id)
    requeue = request.form.get("action") == "requeue"
    return attempt(lambda: services.resolve_dead_letter(letter, requeue=requeue), "死信已处理",
                   url_for("dispatch.detail", target_id=letter.target_id))


@bp.route("/runs/<int:run_id>")
@requires(DISPATCH_MANAGE)
def run_log(run_id: int):
    """The log of one run."""
    run = db.get_or_404(DispatchRun, run_id)
    return render("dispatch/run.html", run=run, target=_target(run.target_id))
