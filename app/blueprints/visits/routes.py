"""Visit pages: 今日走访, the visit form, officers' list, coverage, visit policies."""
from datetime import timedelta

from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user
from markupsafe import Markup

from app.blueprints.households.queries import get_household_or_404, head_name
from app.blueprints.households.tags import active_tags
from app.blueprints.jobs.services import QueueUnavailable, start_job
from app.blueprints.visits import bp, queries, services
from app.blueprints.visits.forms import PolicyForm, VisitForm
from app.clock import local_today, to_local, utcnow
from app.models.visit import DEFAULT_POLICY_TAG, VISIT_KINDS, Visit
from app.security import permissions as P
from app.security.permissions import requires
from app.security.scoping import get_scoped_or_404
from app.validation import Invalid
from app.web import page_args, render
from workers.visits import export_visits

WORKLIST_SIZE = 20


def _household_link(text: str, household) -> Markup:
    """A flash message naming the household (户号 and head) as a link back to its page."""
    label = f"{household.number}（户主 {head_name(household) or '未登记'}）"
    link = Markup('<a href="{}">{}</a>').format(url_for("households.show", household_id=household.id), label)
    return Markup(text).format(link)


def _user():
    return current_user._get_current_object()


@bp.route("/today")
@requires(P.VISITS_RECORD)
def today():
    """今日走访: overdue households first, then those due this week, one tap to the visit form."""
    page, _ = page_args(WORKLIST_SIZE, WORKLIST_SIZE)
    work = queries.worklist(_user(), page, WORKLIST_SIZE)
    return render("visits/today.html", "visits/_worklist.html", work=work, today=local_today())


@bp.route("/new/<int:household_id>", methods=["GET", "POST"])
@requires(P.VISITS_RECORD)
def new(household_id: int):
    """Record a visit to a household of the user's area (one request; a replayed submit saves nothing new)."""
    household = get_household_or_404(_user(), household_id)
    form = VisitForm()
    if request.method == "GET":
        now = to_local(utcnow())
        form.visited_on.data, form.visited_time.data = now.date(), now.time().replace(second=0, microsecond=0)
    general: list[str] = []
    if form.validate_on_submit():
        try:
            services.record_visit(_user(), household, form.values())
            flash(_household_link("已记录对 {} 的走访", household), "success")
            return redirect(url_for("visits.today"), 303)
        except Invalid as exc:
            general = exc.attach(form)
    status = 422 if request.method == "POST" else 200
    return render("visits/form.html", "visits/_form.html", form=form, household=household, visit=None,
                  head=head_name(household), general=general, status=status)


@bp.route("/<int:visit_id>/edit", methods=["GET", "POST"])
@requires(P.VISITS_RECORD)
def edit(visit_id: int):
    """Edit a visit: the visitor within 24 hours, an officer at any time; audited."""
    visit = get_scoped_or_404(Visit, visit_id)
    household = get_household_or_404(_user(), visit.household_id)
    form = VisitForm(data=services.form_values(visit)) if request.method == "GET" else VisitForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            services.update_visit(_user(), visit, form.values(), version=form.row_version.data)
            flash("走访记录已保存", "success")
            return redirect(url_for("households.show", household_id=household.id, _anchor="section-visits"), 303)
        except Invalid as exc:
            general = exc.attach(form)
    elif not services.may_edit(_user(), visit):
        general = ["超过 24 小时的走访记录（或他人的记录）须由社区及以上管理员修改"]
    status = 422 if request.method == "POST" else 200
    return render("visits/form.html", "visits/_form.html", form=form, household=household, visit=visit,
                  head=head_name(household), general=general, status=status)


@bp.route("/")
@requires(P.VISITS_MANAGE)
def index():
    """Visits of the user's area with filters in the URL."""
    f = queries.parse_filters(request.args)
    page, size = page_args(current_app.config["PAGE_SIZE"], current_app.config["PAGE_SIZE_MAX"])
    result = queries.visits_page(_user(), f, page, size)
    return render("visits/index.html", "visits/_list.html", result=result, f=f, kinds=VISIT_KINDS,
                  regions=queries.region_choices(_user()))


@bp.route("/export", methods=["POST"])
@requires(P.VISITS_MANAGE)
def export():
    """Export the filtered visits to XLSX in the background."""
    f = queries.parse_filters(request.form)
    try:
        job = start_job(export_visits, kind="visits.export", title="走访记录导出", owner=_user(), queue="reports",
                        params=f.args(), args=(_user().id, f.args()), idempotent=True)
    except QueueUnavailable:
        flash("任务队列暂不可用，请稍后重试", "error")
        return redirect(url_for("visits.index", **f.args()), 303)
    return render("jobs/page.html", "jobs/_status.html", job=job)


@bp.route("/coverage")
@requires(P.VISITS_MANAGE)
def coverage():
    """Visited / due households per community and grid in a period, as a table with bars."""
    end = queries._date_arg(request.args.get("end")) or local_today()
    start = queries._date_arg(request.args.get("start")) or end - timedelta(days=29)
    if start > end:
        start, end = end, start
    return render("visits/coverage.html", rows=queries.coverage(_user(), start, end), start=start, end=end)


@bp.route("/policies", methods=["GET", "POST"])
@requires(P.VISIT_POLICY)
def policies():
    """Visit intervals per household tag (the strictest tag of a household applies)."""
    form = PolicyForm()
    tags = active_tags("household")
    form.tag.choices = [(DEFAULT_POLICY_TAG, "其他户（默认）")] + [(t, t) for t in tags]
    general: list[str] = []
    if form.validate_on_submit():
        try:
            services.set_policy(_user(), form.tag.data, form.interval_days.data, tags)
            flash("走访周期已保存", "success")
            return redirect(url_for("visits.policies"), 303)
        except Invalid as exc:
            general = exc.attach(form)
    services.ensure_policies()
    status = 422 if request.method == "POST" else 200
    return render("visits/policies.html", form=form, rows=services.policy_rows(), general=general, status=status,
                  default_tag=DEFAULT_POLICY_TAG)


@bp.route("/policies/<int:policy_id>/delete", methods=["POST"])
@requires(P.VISIT_POLICY)
def policy_delete(policy_id: int):
    """Remove a tag's own interval."""
    try:
        services.delete_policy(_user(), policy_id)
        flash("已删除该标签的走访周期", "success")
    except Invalid as exc:
        flash(str(exc), "error")
    return redirect(url_for("visits.policies"), 303)
