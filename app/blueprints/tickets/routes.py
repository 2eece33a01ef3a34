"""Ticket pages: 报障, list, board, review queue, detail with its state component, dashboard, SLA policies."""
from decimal import Decimal

from flask import flash, make_response, redirect, request, send_file, url_for
from flask_login import current_user

from app.blueprints.jobs.services import QueueUnavailable, start_job
from app.blueprints.tickets import bp, dashboard, extensions, policies, queries, services, workload
from app.blueprints.tickets import states as S
from app.blueprints.tickets.attachments import add_attachment, attachment_path
from app.blueprints.tickets.forms import AssignForm, BulkAssignForm, CommentForm, ContractForm, DecisionForm, \
    ExtensionForm, PolicyForm, SlaChangeForm, SystemForm, TicketForm, TransitionForm, WorklogForm
from app.clock import local_today, utcnow
from app.extensions import db
from app.models.ticket import CALENDARS, SEVERITIES, ExtensionRequest
from app.security import audit
from app.security import permissions as P
from app.security.permissions import requires
from app.validation import Invalid
from app.web import page_args, render, wants_fragment


def _actor():
    return current_user._get_current_object()


def _filters() -> queries.Filters:
    args = request.args
    return queries.Filters(q=args.get("q", "").strip()[:64], state=args.get("state", ""),
                           severity=args.get("severity", ""), assignee=args.get("assignee", None, type=int),
                           risk=args.get("risk", "") if args.get("risk") in ("green", "amber", "red") else "",
                           mine=args.get("mine") == "1")


def _engineer_choices():
    return [(u.id, u.display_name) for u in services.engineers()]


def _system_choices():
    return [(s.id, f"{s.name}（{s.contract.name}）") for s in policies.active_systems()]


@bp.route("/new", methods=["GET", "POST"])
@requires(P.TICKETS_FILE)
def new():
    """报障: any logged-in user files a ticket, prefilled with the page they came from."""
    form = TicketForm()
    form.system_id.choices = _system_choices()
    if request.method == "GET":
        form.source_page.data = services.safe_source(request.args.get("from", ""))
        form.title.data = request.args.get("title", "")[:100] or None  # e.g. raised from a visit
    general: list[str] = []
    if form.validate_on_submit():
        try:
            ticket = services.create_ticket(
                _actor(), title=form.title.data, description=form.description.data, category=form.category.data,
                severity=form.severity.data, system_id=form.system_id.data, module=form.module.data or "",
                external_ref=form.external_ref.data or "", source_page=form.source_page.data or "",
                files=[f for f in (form.attachments.data or []) if getattr(f, "filename", "")])
            flash(f"工单 {ticket.number} 已提交，运维人员将尽快响应", "success")
            return redirect(url_for("tickets.show", ticket_id=ticket.id), 303)
        except Invalid as exc:
            general = exc.attach(form)
    status = 422 if request.method == "POST" else 200
    return render("tickets/new.html", form=form, general=general, status=status)


@bp.route("/")
@requires(P.TICKETS_FILE)
def index():
    """My tickets (reporters) or every ticket in the area (ops), with filters in the URL."""
    f = _filters()
    page, size = page_args(20, 100)
    listing = queries.list_tickets(_actor(), f, page, size, utcnow())
    bulk = None
    if services.can_supervise(_actor()):
        bulk = BulkAssignForm()
        bulk.assignee_id.choices = _engineer_choices()
    return render("tickets/index.html", "tickets/_list.html", listing=listing, f=f, bulk=bulk,
                  engineers=_engineer_choices() if services.can_work(_actor()) else [], **_labels())


def _labels() -> dict:
    from app.blueprints.tickets.sla import RISK_LABELS

    return {"state_labels": S.STATE_LABELS, "severities": SEVERITIES, "risk_labels": RISK_LABELS}


@bp.route("/bulk-assign", methods=["POST"])
@requires(P.TICKETS_SUPERVISE)
def bulk_assign():
    """Reassign the ticked tickets."""
    form = BulkAssignForm()
    form.assignee_id.choices = _engineer_choices()
    ids = [int(x) for x in request.form.getlist("ids") if x.isdigit()]
    try:
        if not form.validate_on_submit():
            raise Invalid({"assignee_id": "请选择处理人"})
        moved = services.bulk_assign(_actor(), queries.tickets_by_ids(_actor(), ids), form.assignee_id.data)
        flash(f"已改派 {moved} 张工单", "success")
    except Invalid as exc:
        flash(str(exc), "error")
    return redirect(request.form.get("next") if services.safe_source(request.form.get("next")) else
                    url_for("tickets.index"), 303)


@bp.route("/board")
@requires(P.TICKETS_WORK)
def board():
    """Team board: columns by state, filters, counts that refresh themselves."""
    f = _filters()
    data = queries.board(_actor(), f, utcnow())
    return render("tickets/board.html", "tickets/_board.html", board=data, f=f, engineers=_engineer_choices(),
                  **_labels())


@bp.route("/review")
@requires(P.TICKETS_SUPERVISE)
def review():
    """Supervisor's queue: resolved tickets to approve or send back, extension requests to decide."""
    data = queries.review_queue(_actor(), utcnow())
    return render("tickets/review.html", queue=data, decision=DecisionForm(), **_labels())


def _detail(ticket, status: int = 200, fragment: str = "tickets/_state.html", **forms):
    actor = _actor()
    d = queries.detail(actor, ticket, utcnow())
    assign = forms.get("assign") or AssignForm(assignee_id=ticket.assignee_id, team=ticket.team)
    assign.assignee_id.choices = _engineer_choices()
    sla_form = forms.get("sla_form") or SlaChangeForm(severity=ticket.severity, system_id=ticket.system_id)
    sla_form.system_id.choices = _system_choices()
    return render("tickets/show.html", fragment, status=status, d=d, t=ticket,
                  transition=forms.get("transition") or TransitionForm(),
                  comment=forms.get("comment") or CommentForm(), assign=assign, sla_form=sla_form,
                  extension=forms.get("extension") or ExtensionForm(), decision=forms.get("decision") or DecisionForm(),
                  worklog=forms.get("worklog") or WorklogForm(work_date=local_today()),
                  general=forms.get("general", []), **_labels())


@bp.route("/<int:ticket_id>")
@requires(P.TICKETS_FILE)
def show(ticket_id: int):
    """The ticket: state component with clocks and actions, timeline, files, extensions, worklog."""
    return _detail(queries.get_ticket_or_404(_actor(), ticket_id))


@bp.route("/<int:ticket_id>/timeline")
@requires(P.TICKETS_FILE)
def timeline(ticket_id: int):
    """The timeline alone (refreshed after a state change); without htmx, the whole ticket page."""
    return _detail(queries.get_ticket_or_404(_actor(), ticket_id), fragment="tickets/_timeline.html")


@bp.route("/<int:ticket_id>/panel")
@requires(P.TICKETS_WORK)
def panel(ticket_id: int):
    """The ops side panel alone (refreshed after a state change)."""
    return _detail(queries.get_ticket_or_404(_actor(), ticket_id), fragment="tickets/_ops.html")


@bp.route("/<int:ticket_id>/transition", methods=["POST"])
@requires(P.TICKETS_FILE)
def transition(ticket_id: int):
    """One state change; htmx gets the state component back, others a redirect."""
    ticket = queries.get_ticket_or_404(_actor(), ticket_id)
    form = TransitionForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            services.transition(_actor(), ticket, form.action.data, comment=form.comment.data or "",
                                internal=form.internal.data, breach_reason=form.breach_reason.data or "",
                                version=request.form.get("row_version"))
            label = S.TRANSITIONS[form.action.data].label
            if wants_fragment():
                response = _detail(ticket)
                response.headers["HX-Trigger"] = "ticket-changed"
                return response
            flash(f"已{label}", "success")
            return redirect(url_for("tickets.show", ticket_id=ticket.id), 303)
        except Invalid as exc:
            db.session.rollback()
            general = exc.attach(form)
    else:
        general = ["请检查填写内容"]
    return _detail(queries.get_ticket_or_404(_actor(), ticket_id), 422, transition=form, general=general)


@bp.route("/<int:ticket_id>/comment", methods=["POST"])
@requires(P.TICKETS_FILE)
def comment(ticket_id: int):
    """Add a comment to the timeline."""
    ticket = queries.get_ticket_or_404(_actor(), ticket_id)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            services.add_comment(_actor(), ticket, form.comment.data, internal=form.internal.data)
            flash("评论已添加", "success")
            return redirect(url_for("tickets.show", ticket_id=ticket.id) + "#timeline", 303)
        except Invalid as exc:
            general = exc.attach(form)
            if ticket.state in S.FINISHED:  # the comment box is not shown on finished tickets
                general = [str(exc)]
            return _detail(ticket, 422, comment=form, general=general)
    return _detail(ticket, 422, comment=form)


@bp.route("/<int:ticket_id>/assign", methods=["POST"])
@requires(P.TICKETS_SUPERVISE)
def assign(ticket_id: int):
    """Reassign one ticket."""
    ticket = queries.get_ticket_or_404(_actor(), ticket_id)
    form = AssignForm()
    form.assignee_id.choices = _engineer_choices()
    if form.validate_on_submit():
        try:
            services.assign(_actor(), ticket, form.assignee_id.data, form.team.data or "",
                            version=request.form.get("row_version"))
            flash("已指派", "success")
            return redirect(url_for("tickets.show", ticket_id=ticket.id), 303)
        except Invalid as exc:
            return _detail(ticket, 422, assign=form, general=exc.attach(form))
    return _detail(ticket, 422, assign=form)


@bp.route("/<int:ticket_id>/sla", methods=["POST"])
@requires(P.TICKETS_WORK)
def change_sla(ticket_id: int):
    """Change severity or system; due times are recomputed from creation keeping paused time."""
    ticket = queries.get_ticket_or_404(_actor(), ticket_id)
    form = SlaChangeForm()
    form.system_id.choices = _system_choices()
    if form.validate_on_submit():
        try:
            services.change_sla(_actor(), ticket, severity=form.severity.data, system_id=form.system_id.data,
                                version=request.form.get("row_version"))
            flash("级别/系统已调整，SLA 时限已重算", "success")
            return redirect(url_for("tickets.show", ticket_id=ticket.id), 303)
        except Invalid as exc:
            return _detail(ticket, 422, sla_form=form, general=exc.attach(form))
    return _detail(ticket, 422, sla_form=form)


@bp.route("/<int:ticket_id>/onsite", methods=["POST"])
@requires(P.TICKETS_WORK)
def onsite(ticket_id: int):
    """Record arrival on site."""
    ticket = queries.get_ticket_or_404(_actor(), ticket_id)
    try:
        services.record_onsite(_actor(), ticket)
        flash("已登记到场", "success")
        return redirect(url_for("tickets.show", ticket_id=ticket.id), 303)
    except Invalid as exc:
        db.session.rollback()
        return _detail(ticket, 422, general=[str(exc)])


@bp.route("/<int:ticket_id>/watch", methods=["POST"])
@requires(P.TICKETS_FILE)
def watch(ticket_id: int):
    """Follow or unfollow."""
    ticket = queries.get_ticket_or_404(_actor(), ticket_id)
    flash("已关注" if services.toggle_watch(_actor(), ticket) else "已取消关注", "success")
    return redirect(url_for("tickets.show", ticket_id=ticket.id), 303)


@bp.route("/<int:ticket_id>/attachments", methods=["POST"])
@requires(P.TICKETS_FILE)
def attach(ticket_id: int):
    """Add a file."""
    ticket = queries.get_ticket_or_404(_actor(), ticket_id)
    try:
        add_attachment(_actor(), ticket, request.files.get("file"), utcnow())
        flash("附件已上传", "success")
        return redirect(url_for("tickets.show", ticket_id=ticket.id), 303)
    except Invalid as exc:
        db.session.rollback()
        return _detail(ticket, 422, general=[str(exc)])


@bp.route("/<int:ticket_id>/attachments/<int:attachment_id>")
@requires(P.TICKETS_FILE)
def attachment(ticket_id: int, attachment_id: int):
    """Download a file of a visible ticket."""
    ticket = queries.get_ticket_or_404(_actor(), ticket_id)
    row, path = attachment_path(ticket, attachment_id)
    audit.record("ticket.attachment_download", row)
    db.session.commit()
    return send_file(path, as_attachment=True, download_name=row.filename, mimetype=row.content_type, max_age=0)


def _minutes(hours) -> int | None:
    return int(Decimal(str(hours)) * 60) if hours is not None else None


@bp.route("/<int:ticket_id>/extension", methods=["POST"])
@requires(P.TICKETS_WORK)
def extension(ticket_id: int):
    """Ask for a later resolution deadline."""
    ticket = queries.get_ticket_or_404(_actor(), ticket_id)
    form = ExtensionForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            extensions.request_extension(_actor(), ticket, minutes=_minutes(form.hours.data), reason=form.reason.data)
            flash("延期申请已提交，等待主管审批", "success")
            return redirect(url_for("tickets.show", ticket_id=ticket.id), 303)
        except Invalid as exc:
            general = exc.attach(form)
    return _detail(ticket, 422, extension=form, general=general)


@bp.route("/<int:ticket_id>/extension/<int:request_id>", methods=["POST"])
@requires(P.TICKETS_SUPERVISE)
def decide(ticket_id: int, request_id: int):
    """Approve, approve another length, or deny an extension request."""
    ticket = queries.get_ticket_or_404(_actor(), ticket_id)
    row = db.session.get(ExtensionRequest, request_id)
    if row is None or row.ticket_id != ticket.id:
        return make_response("", 404)
    form = DecisionForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            extensions.decide_extension(_actor(), ticket, row, decision=form.decision.data,
                                        minutes=_minutes(form.hours.data), note=form.note.data or "")
            flash("延期申请已处理", "success")
            back = request.form.get("next")
            return redirect(back if back == url_for("tickets.review") else
                            url_for("tickets.show", ticket_id=ticket.id), 303)
        except Invalid as exc:
            general = exc.attach(form)
    return _detail(ticket, 422, decision=form, general=general)


@bp.route("/<int:ticket_id>/worklog", methods=["POST"])
@requires(P.TICKETS_WORK)
def add_worklog(ticket_id: int):
    """Book hours on the ticket."""
    ticket = queries.get_ticket_or_404(_actor(), ticket_id)
    form = WorklogForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            workload.add_worklog(_actor(), ticket, work_date=form.work_date.data, hours=form.hours.data,
                                 note=form.note.data or "")
            flash("工时已登记", "success")
            return redirect(url_for("tickets.show", ticket_id=ticket.id) + "#worklog", 303)
        except Invalid as exc:
            general = exc.attach(form)
    return _detail(ticket, 422, worklog=form, general=general)


@bp.route("/dashboard")
@requires(P.TICKETS_SUPERVISE)
def dash():
    """Supervisor dashboard and monthly workload."""
    month = request.args.get("month") or local_today().strftime("%Y-%m")
    try:
        totals = workload.monthly_totals(month, _actor())
    except Invalid:
        month = local_today().strftime("%Y-%m")
        totals = workload.monthly_totals(month, _actor())
    figs = dashboard.figures(_actor(), utcnow())
    return render("tickets/dashboard.html", figs=figs, totals=totals, month=month, **_labels())


@bp.route("/report", methods=["POST"])
@requires(P.TICKETS_SUPERVISE)
def report():
    """Start the monthly XLSX report job and show its progress component."""
    from workers.tickets import monthly_report

    month = (request.form.get("month") or "")[:7]
    try:
        workload.month_bounds(month)
    except Invalid as exc:
        flash(str(exc), "error")
        return redirect(url_for("tickets.dash"), 303)
    try:
        job = start_job(monthly_report, kind="tickets.monthly", title=f"运维月报 {month}", owner=_actor(),
                        queue="reports", params={"month": month}, args=(_actor().id, month), idempotent=True)
    except QueueUnavailable:
        flash("任务队列暂不可用，请稍后重试", "error")
        return redirect(url_for("tickets.dash"), 303)
    return redirect(url_for("jobs.status", job_id=job.id), 303)


@bp.route("/policies")
@requires(P.TICKETS_POLICY)
def policy_list():
    """SLA policies by contract and severity."""
    return render("tickets/policies.html", rows=policies.all_policies(), calendars=CALENDARS, severities=SEVERITIES)


@bp.route("/policies/<int:policy_id>", methods=["GET", "POST"])
@requires(P.TICKETS_POLICY)
def policy_edit(policy_id: int):
    """Edit one policy."""
    policy = policies.get_policy_or_404(policy_id)
    form = PolicyForm(obj=policy)
    general: list[str] = []
    if form.validate_on_submit():
        try:
            policies.update_policy(_actor(), policy, response_minutes=form.response_minutes.data,
                                   resolution_minutes=form.resolution_minutes.data,
                                   onsite_minutes=form.onsite_minutes.data, calendar=form.calendar.data,
                                   business_start=form.business_start.data.strip(),
                                   business_end=form.business_end.data.strip())
            flash("SLA 策略已保存；已有工单保留提交时的时限", "success")
            return redirect(url_for("tickets.policy_list"), 303)
        except Invalid as exc:
            db.session.rollback()
            general = exc.attach(form)
    status = 422 if request.method == "POST" else 200
    return render("tickets/policy_form.html", form=form, policy=policy, general=general, status=status,
                  severities=SEVERITIES)


def _dictionary_forms(contract_form=None, system_form=None):
    contracts = policies.all_contracts()
    system_form = system_form or SystemForm()
    system_form.contract_id.choices = [(c.id, c.name) for c in contracts]
    return dict(contracts=contracts, systems=policies.all_systems(), contract_form=contract_form or ContractForm(),
                system_form=system_form)


@bp.route("/systems")
@requires(P.TICKETS_POLICY)
def systems():
    """Contracts and the systems they cover."""
    return render("tickets/systems.html", **_dictionary_forms())


@bp.route("/systems/contracts", methods=["POST"])
@requires(P.TICKETS_POLICY)
def contract_add():
    """Add a contract (with default policies to edit)."""
    form = ContractForm()
    if form.validate_on_submit():
        try:
            contract = policies.add_contract(_actor(), code=form.code.data, name=form.name.data,
                                             vendor=form.vendor.data or "",
                                             hours_per_person_day=form.hours_per_person_day.data)
            flash(f"已添加合同“{contract.name}”，并按默认承诺生成 SLA 策略，请核对", "success")
            return redirect(url_for("tickets.policy_list"), 303)
        except Invalid as exc:
            db.session.rollback()
            exc.attach(form)
    return render("tickets/systems.html", status=422, **_dictionary_forms(contract_form=form))


@bp.route("/systems/new", methods=["POST"])
@requires(P.TICKETS_POLICY)
def system_add():
    """Add a system."""
    form = SystemForm()
    form.contract_id.choices = [(c.id, c.name) for c in policies.all_contracts()]
    if form.validate_on_submit():
        try:
            system = policies.add_system(_actor(), code=form.code.data, name=form.name.data,
                                         contract_id=form.contract_id.data)
            flash(f"已添加系统“{system.name}”", "success")
            return redirect(url_for("tickets.systems"), 303)
        except Invalid as exc:
            db.session.rollback()
            exc.attach(form)
    return render("tickets/systems.html", status=422, **_dictionary_forms(system_form=form))


@bp.route("/systems/<int:system_id>/active", methods=["POST"])
@requires(P.TICKETS_POLICY)
def system_active(system_id: int):
    """Retire or restore a system."""
    system = policies.set_system_active(_actor(), system_id, request.form.get("active") == "1")
    flash(f"系统“{system.name}”已{'启用' if system.is_active else '停用'}", "success")
    return redirect(url_for("tickets.systems"), 303)
