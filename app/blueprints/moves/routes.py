"""Move pages: officers' lists, 迁出/县内迁移/死亡注销 of a member, 迁入, 分户, accept/reject, history."""
from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from app.blueprints.households.queries import get_household_or_404, grids_in_scope
from app.blueprints.jobs.services import QueueUnavailable, start_job
from app.blueprints.moves import bp, history, queries, services
from app.blueprints.moves.forms import (AcceptForm, DeathForm, MoveInForm, MoveOutForm, RejectForm, SplitForm,
                                        TransferForm)
from app.blueprints.moves.rules import present_members
from app.clock import local_today
from app.extensions import db
from app.models.move import MOVE_KINDS, MOVE_STATES
from app.models.person import Person
from app.models.region import COMMUNITY, Region
from app.security import permissions as P
from app.security.permissions import requires
from app.validation import Invalid
from app.web import page_args, render
from workers.visits import export_moves

PERSON_MOVES = {"out": (MoveOutForm, services.move_out), "death": (DeathForm, services.register_death),
                "transfer": (TransferForm, services.transfer)}


def _user():
    return current_user._get_current_object()


def _person_or_404(person_id: int):
    person = db.session.get(Person, person_id)
    if person is None or person.deleted_at is not None:
        abort(404)
    return person, get_household_or_404(_user(), person.household_id)


def _head_choices(household_id: int, leaving: set[int]) -> list:
    return [(None, "—（户主不迁移时不用选）")] + [(p.id, f"{p.name}（{p.relation}）")
                                            for p in present_members(household_id) if p.id not in leaving]



def _communities() -> list:
    stmt = db.select(Region).where(Region.level == COMMUNITY).order_by(Region.path)
    return [(r.id, r.name) for r in db.session.execute(stmt).scalars()]


@bp.route("/")
@requires(P.MOVES_MANAGE)
def index():
    """Pending moves for and from my area, and every move in a period with filters."""
    f = queries.parse_filters(request.args)
    page, size = page_args(current_app.config["PAGE_SIZE"], current_app.config["PAGE_SIZE_MAX"])
    return render("moves/index.html", "moves/_list.html", result=queries.moves_page(_user(), f, page, size), f=f,
                  incoming=queries.pending_incoming(_user()), outgoing=queries.pending_outgoing(_user()),
                  kinds=MOVE_KINDS, states=MOVE_STATES)


@bp.route("/export", methods=["POST"])
@requires(P.MOVES_MANAGE)
def export():
    """Export the filtered moves to XLSX in the background."""
    f = queries.parse_filters(request.form)
    try:
        job = start_job(export_moves, kind="moves.export", title="迁入迁出导出", owner=_user(), queue="reports",
                        params=f.args(), args=(_user().id, f.args()), idempotent=True)
    except QueueUnavailable:
        flash("任务队列暂不可用，请稍后重试", "error")
        return redirect(url_for("moves.index", **f.args()), 303)
    return render("jobs/page.html", "jobs/_status.html", job=job)


@bp.route("/person/<int:person_id>/<any(out, death, transfer):kind>", methods=["GET", "POST"])
@requires(P.MOVES_MANAGE)
def person_move(person_id: int, kind: str):
    """迁出, 死亡注销 or 县内迁移 of one member."""
    person, household = _person_or_404(person_id)
    form_class, action = PERSON_MOVES[kind]
    form = form_class()
    form.new_head_id.choices = _head_choices(household.id, {person.id})
    if kind == "death":
        form.death_source.choices = [(s, s) for s in services.DEATH_SOURCES]
    if kind == "transfer":
        form.to_region_id.choices = _communities()
    if request.method == "GET":
        form.event_date.data = local_today()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            move = action(_user(), person, form.data)
            outcome = "已提交，等待接收地处理" if move.state == "pending" else "已办理"
            flash(f"{person.name}：{move.kind_label}{outcome}", "success")
            return redirect(url_for("households.show", household_id=household.id, _anchor="section-moves"), 303)
        except Invalid as exc:
            general = exc.attach(form)
    status = 422 if request.method == "POST" else 200
    return render("moves/person_form.html", form=form, person=person, household=household, kind=kind,
                  title=MOVE_KINDS[kind], general=general,
                  status=status)


@bp.route("/in/<int:household_id>", methods=["GET", "POST"])
@requires(P.MOVES_MANAGE)
def move_in(household_id: int):
    """迁入 from outside the county into this household."""
    household = get_household_or_404(_user(), household_id)
    form = MoveInForm()
    if request.method == "GET":
        form.event_date.data = local_today()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            move = services.move_in(_user(), household, form.data)
            flash(f"{move.person_name} 已迁入", "success")
            return redirect(url_for("households.show", household_id=household.id, _anchor="section-moves"), 303)
        except Invalid as exc:
            general = exc.attach(form)
    status = 422 if request.method == "POST" else 200
    return render("moves/in_form.html", form=form, household=household, general=general, status=status)


@bp.route("/split/<int:household_id>", methods=["GET", "POST"])
@requires(P.MOVES_MANAGE)
def split(household_id: int):
    """分户: chosen members form a new household."""
    household = get_household_or_404(_user(), household_id)
    members = present_members(household.id)
    form = SplitForm()
    form.member_ids.choices = [(p.id, f"{p.name}（{p.relation}）") for p in members]
    form.head_id.choices = [(None, "请选择")] + [(p.id, p.name) for p in members]
    form.new_head_id.choices = [(None, "—（户主不分出时不用选）")] + [(p.id, p.name) for p in members]
    form.region_id.choices = [(g.id, g.name) for g in grids_in_scope(_user())]
    if request.method == "GET":
        form.region_id.data, form.event_date.data = household.region_id, local_today()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            move = services.split(_user(), household, form.data)
            flash("分户已办理", "success")
            return redirect(url_for("households.show", household_id=move.to_household_id), 303)
        except Invalid as exc:
            general = exc.attach(form)
    status = 422 if request.method == "POST" else 200
    return render("moves/split_form.html", form=form, household=household, general=general, status=status)


def _decision(move, accept_form=None, reject_form=None, general=None, status=200):
    form = accept_form or AcceptForm()
    area = db.session.get(Region, move.to_region_id) if move.to_region_id else None
    form.region_id.choices = [(g.id, g.name) for g in grids_in_scope(_user()) if area and area.contains(g)]
    origin = db.session.get(Region, move.from_region_id) if move.from_region_id else None
    return render("moves/show.html", "moves/_decision.html", move=move, accept_form=form,
                  origin=origin.name if origin else "", goal=area.name if area else "",
                  reject_form=reject_form or RejectForm(), general=general or [], status=status,
                  can_decide=queries.receives(_user(), move), mover=queries.mover(move))


@bp.route("/<int:move_id>")
@requires(P.MOVES_MANAGE)
def show(move_id: int):
    """One move with its accept/reject component."""
    return _decision(queries.get_move_or_404(_user(), move_id))


@bp.route("/<int:move_id>/accept", methods=["POST"])
@requires(P.MOVES_MANAGE)
def accept(move_id: int):
    """The receiving community accepts into an existing or a new household."""
    move = queries.get_move_or_404(_user(), move_id)
    if not queries.receives(_user(), move):
        abort(404)
    form = AcceptForm()
    try:
        services.accept(_user(), move, form.data)
        flash(f"已接收 {move.person_name} 迁入", "success")
        return _decision(move)
    except Invalid as exc:
        general = exc.attach(form)
        return _decision(db.session.get(type(move), move_id), accept_form=form, general=general, status=422)


@bp.route("/<int:move_id>/reject", methods=["POST"])
@requires(P.MOVES_MANAGE)
def reject(move_id: int):
    """The receiving community rejects with a reason."""
    move = queries.get_move_or_404(_user(), move_id)
    if not queries.receives(_user(), move):
        abort(404)
    form = RejectForm()
    try:
        services.reject(_user(), move, form.reject_reason.data)
        flash(f"已拒绝 {move.person_name} 的迁入", "success")
        return _decision(move)
    except Invalid as exc:
        general = exc.attach(form)
        return _decision(db.session.get(type(move), move_id), reject_form=form, general=general, status=422)


@bp.route("/person/<int:person_id>/history")
@requires(P.ARCHIVE_VIEW)
def person_history(person_id: int):
    """A person's residence history (every move, who approved, when, why)."""
    person, household = _person_or_404(person_id)
    return render("moves/person_history.html", person=person, household=household,
                  rows=history.person_history(person.id))
