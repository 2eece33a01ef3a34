"""Admin pages: users, regions, audit log."""
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from datetime import date

from app.blueprints.admin import audit_log, bp, calendar, services
from app.blueprints.admin import messages as messages_log
from app.blueprints.admin.audit_names import object_names
from app.blueprints.admin.forms import AuditFilterForm, CalendarOverrideForm, RegionForm, RenameRegionForm, UserForm
from app.clock import local_today
from app.extensions import db
from app.models.notification import OutboundMessage
from app.blueprints.jobs.services import QueueUnavailable, start_job
from app.pagination import paginate
from app.security import permissions as P
from app.security.permissions import requires
from app.validation import Invalid
from app.web import attempt, page_args, render
from workers.audit import export_audit_log


def _actor():
    return current_user._get_current_object()


def _user_form(obj=None) -> UserForm:
    form = UserForm(obj=obj)
    actor = _actor()
    form.role.choices = [(role, P.ROLE_LABELS[role]) for role in services.assignable_roles(actor)]
    if obj is not None and obj.role not in services.assignable_roles(actor):
        form.role.choices.append((obj.role, P.ROLE_LABELS[obj.role]))
    form.region_id.choices = [(r.id, f"{'　' * r.depth}{r.name}（{r.level_label}）")
                              for r in services.regions_in_scope(actor)]
    return form


@bp.route("/users")
@requires(P.USERS_MANAGE)
def users():
    """Users of the admin's area, searchable and paged."""
    text = request.args.get("q", "").strip()[:64]
    page, size = page_args(20, 100)
    result = paginate(services.users_query(_actor(), text), page, size)
    return render("admin/users.html", "admin/_users_table.html", result=result, q=text)


@bp.route("/users/new", methods=["GET", "POST"])
@requires(P.USERS_MANAGE)
def user_new():
    """Create a user; shows the initial password once."""
    form = _user_form()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            user, password = services.create_user(
                _actor(), username=form.username.data, display_name=form.display_name.data,
                role=form.role.data, region_id=form.region_id.data, department=form.department.data)
            return render("admin/user_password.html", user=user, password=password, created=True)
        except Invalid as exc:
            general = exc.attach(form)
    status = 422 if request.method == "POST" else 200
    return render("admin/user_form.html", form=form, general=general, user=None, status=status)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires(P.USERS_MANAGE)
def user_edit(user_id: int):
    """Change a user's name, role, region or department."""
    user = services.get_user_or_404(_actor(), user_id)
    if not services.may_manage(_actor(), user):
        abort(403)
    form = _user_form(obj=user)
    del form.username
    general: list[str] = []
    if form.validate_on_submit():
        try:
            services.update_user(_actor(), user, display_name=form.display_name.data, role=form.role.data,
                                 region_id=form.region_id.data, department=form.department.data,
                                 version=form.row_version.data)
            flash("用户信息已保存", "success")
            return redirect(url_for("admin.users"), 303)
        except Invalid as exc:
            general = exc.attach(form)
    status = 422 if request.method == "POST" else 200
    return render("admin/user_form.html", form=form, general=general, user=user, status=status)


@bp.route("/users/<int:user_id>/enabled", methods=["POST"])
@requires(P.USERS_MANAGE)
def user_enabled(user_id: int):
    """Disable or enable an account."""
    user = services.get_user_or_404(_actor(), user_id)
    enable = request.form.get("enabled") == "1"
    return attempt(lambda: services.set_enabled(_actor(), user, enable), "账号已启用" if enable else "账号已停用",
                   url_for("admin.users"))


@bp.route("/users/<int:user_id>/reset", methods=["POST"])
@requires(P.USERS_MANAGE)
def user_reset(user_id: int):
    """Reset a password; shows the new one once."""
    user = services.get_user_or_404(_actor(), user_id)
    try:
        password = services.reset_password(_actor(), user)
    except Invalid as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.users"), 303)
    return render("admin/user_password.html", user=user, password=password, created=False)


@bp.route("/regions")
@requires(P.REGIONS_VIEW)
def regions():
    """The region tree of the user's area."""
    return render("admin/regions.html", regions=services.regions_in_scope(_actor()))


@bp.route("/regions/<int:region_id>/children", methods=["GET", "POST"])
@requires(P.REGIONS_MANAGE)
def region_add(region_id: int):
    """Add a child node."""
    parent = services.get_region_or_404(_actor(), region_id)
    form = RegionForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            region = services.add_region(_actor(), parent, code=form.code.data, name=form.name.data)
            flash(f"已添加{region.level_label}“{region.name}”", "success")
            return redirect(url_for("admin.regions"), 303)
        except Invalid as exc:
            general = exc.attach(form)
    status = 422 if request.method == "POST" else 200
    return render("admin/region_form.html", form=form, parent=parent, region=None, general=general, status=status)


@bp.route("/regions/<int:region_id>", methods=["GET", "POST"])
@requires(P.REGIONS_MANAGE)
def region_rename(region_id: int):
    """Rename a node."""
    region = services.get_region_or_404(_actor(), region_id)
    form = RenameRegionForm(obj=region)
    general: list[str] = []
    if form.validate_on_submit():
        try:
            services.rename_region(_actor(), region, form.name.data, version=form.row_version.data)
            flash("名称已修改", "success")
            return redirect(url_for("admin.regions"), 303)
        except Invalid as exc:
            general = exc.attach(form)
    status = 422 if request.method == "POST" else 200
    return render("admin/region_form.html", form=form, parent=None, region=region, general=general, status=status)


@bp.route("/audit")
@requires(P.AUDIT_VIEW)
def audit():
    """Audit log with filters in the URL and paging."""
    form = AuditFilterForm(request.args, meta={"csrf": False})
    filters = audit_log.plain_filters(form) if form.validate() else {}
    page, size = page_args(50, 200)
    result = paginate(audit_log.audit_query(_actor(), filters), page, size)
    return render("admin/audit.html", "admin/_audit_table.html", form=form, result=result, filters=filters,
                  names=object_names(result.items))


@bp.route("/audit/export", methods=["POST"])
@requires(P.AUDIT_EXPORT)
def audit_export():
    """Start an XLSX export of the filtered audit log."""
    form = AuditFilterForm(request.form)
    filters = audit_log.plain_filters(form) if form.validate() else {}
    try:
        job = start_job(export_audit_log, idempotent=True, kind="audit_export", title="导出审计日志", owner=_actor(),
                        queue="reports", params=filters, args=(_actor().id, filters))
    except QueueUnavailable:
        flash("任务队列暂不可用，请稍后重试", "error")
        return redirect(url_for("admin.audit", **filters), 303)
    return redirect(url_for("jobs.status", job_id=job.id), 303)


@bp.route("/calendar", methods=["GET", "POST"], endpoint="calendar")
@requires(P.CALENDAR_MANAGE)
def calendar_page():
    """Working-day calendar: library coverage and admin overrides."""
    form = CalendarOverrideForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            calendar.set_override(form.day.data, form.kind.data == "work", form.note.data)
            flash("工作日历已调整", "success")
            return redirect(url_for("admin.calendar"), 303)
        except Invalid as exc:
            general = exc.attach(form)
    status = 422 if request.method == "POST" else 200
    return render("admin/calendar.html", form=form, general=general, status=status, **calendar.overview(local_today()))


@bp.route("/calendar/<day>/delete", methods=["POST"])
@requires(P.CALENDAR_MANAGE)
def calendar_remove(day: str):
    """Remove one override."""
    try:
        calendar.remove_override(date.fromisoformat(day))
        flash("已恢复为法定日历", "success")
    except (ValueError, Invalid):
        flash("该日期没有人工调整", "error")
    return redirect(url_for("admin.calendar"), 303)


@bp.route("/messages")
@requires(P.MESSAGES_VIEW)
def messages():
    """Log of SMS and e-mail the portal sent."""
    page, size = page_args(50, 200)
    result = paginate(db.select(OutboundMessage).order_by(OutboundMessage.id.desc()), page, size)
    return render("admin/messages.html", result=result, can_reveal=current_user.can(P.PII_REVEAL))


@bp.route("/messages/<int:message_id>/reveal", methods=["POST"])
@requires(P.MESSAGES_VIEW)
def message_reveal(message_id: int):
    """The original text of a message the log gateway kept sealed (it was the delivery); audited."""
    text = messages_log.reveal(_actor(), message_id)
    return render("households/_revealed.html", "households/_revealed.html", value=text)
