"""Household pages: list, 一户一档, create/edit, members, head, reveal, export."""
from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from app.blueprints.households import bp, members, queries, services, tags
from app.blueprints.households.forms import ChangeHeadForm, HouseholdForm, NewHouseholdForm, PersonForm, ReasonForm
from app.blueprints.households.page import household_context
from app.blueprints.jobs.services import QueueUnavailable, start_job
from app.blueprints.pool.autofill import facts_for_number, refill
from app.extensions import db
from app.models.household import HOUSEHOLD_KINDS
from app.security import audit
from app.security.pii import mask_id, mask_phone
from app.security import permissions as P
from app.security.permissions import requires
from app.validation import Invalid
from app.web import page_args, render
from workers.households import export_households


def _user():
    return current_user._get_current_object()


def _household_form(form_class, obj=None):
    form = form_class(obj=obj)
    form.region_id.choices = [(g.id, g.name) for g in queries.grids_in_scope(_user())]
    form.tags.choices = [(t, t) for t in tags.active_tags("household") + [t for t in (obj.tag_list if obj else [])
                                                                         if t not in tags.active_tags("household")]]
    if obj is not None and request.method == "GET":
        form.tags.data = obj.tag_list
    return form


def _person_form(person=None, **data):
    form = PersonForm(obj=person, data=data or None)
    names = tags.active_tags("person")
    form.tags.choices = [(t, t) for t in names + [t for t in (person.tag_list if person else []) if t not in names]]
    if person is not None and request.method == "GET":
        # The edit form shows the ID masked like everywhere else; leaving it masked keeps the stored number.
        form.tags.data, form.id_number.data = person.tag_list, mask_id(person.id_number)
        form.phone.data = mask_phone(person.phone)
    if person is not None and "*" in (form.id_number.data or ""):
        form.id_number.data = person.id_number
    return form


@bp.route("/")
@requires(P.ARCHIVE_VIEW)
def index():
    """Households of the user's area: live search, filters in the URL, paging, sorting."""
    filters = queries.parse_filters(request.args)
    page, size = page_args(current_app.config["PAGE_SIZE"], current_app.config["PAGE_SIZE_MAX"])
    result = queries.list_page(_user(), filters, page, size)
    return render("households/index.html", "households/_list.html", result=result, f=filters,
                  regions=queries.grid_choices(_user()), kinds=HOUSEHOLD_KINDS, tag_names=tags.active_tags("household"),
                  sorts=queries.SORT_LABELS, statuses=queries.STATUS_LABELS)


@bp.route("/new", methods=["GET", "POST"])
@requires(P.ARCHIVE_EDIT)
def new():
    """Create a household together with its head."""
    form = _household_form(NewHouseholdForm)
    general: list[str] = []
    if form.validate_on_submit():
        values = {k: form[k].data for k in services.HOUSEHOLD_FIELDS if k in form}
        head = {"name": form.head_name.data, "id_number": form.head_id_number.data, "phone": form.head_phone.data,
                "ethnicity": form.head_ethnicity.data, "residence_status": "在册", "residence_type": "户籍人口",
                "birth_date": None, "gender": ""}
        try:
            household = services.create_household(_user(), values, head)
            flash(f"已建档：户号 {household.number}", "success")
            return redirect(url_for("households.show", household_id=household.id), 303)
        except Invalid as exc:
            general = exc.attach(form)
    status = 422 if request.method == "POST" else 200
    return render("households/form.html", form=form, household=None, general=general, status=status)


@bp.route("/<int:household_id>")
@requires(P.ARCHIVE_VIEW)
def show(household_id: int):
    """一户一档: members, tags, address, source facts, open conflicts, and the slots later areas fill."""
    household = queries.get_household_or_404(_user(), household_id)
    return render("households/show.html", **household_context(household, _user()))


@bp.route("/<int:household_id>/edit", methods=["GET", "POST"])
@requires(P.ARCHIVE_EDIT)
def edit(household_id: int):
    """Edit 户号, grid, type, address, tags, notes."""
    household = queries.get_household_or_404(_user(), household_id)
    form = _household_form(HouseholdForm, household)
    general: list[str] = []
    if form.validate_on_submit():
        try:
            services.update_household(_user(), household, {k: form[k].data for k in services.HOUSEHOLD_FIELDS
                                                            if k in form}, version=form.row_version.data)
            flash("户档已保存", "success")
            return redirect(url_for("households.show", household_id=household.id), 303)
        except Invalid as exc:
            general = exc.attach(form)
    status = 422 if request.method == "POST" else 200
    return render("households/form.html", form=form, household=household, general=general, status=status)


@bp.route("/<int:household_id>/delete", methods=["POST"])
@requires(P.ARCHIVE_EDIT)
def delete(household_id: int):
    """Move the household to the recycle bin."""
    household = queries.get_household_or_404(_user(), household_id)
    try:
        services.delete_household(_user(), household, ReasonForm().reason.data)
        flash(f"户号 {household.number} 已移入回收站，30 天内可由管理员恢复", "success")
        return redirect(url_for("households.index"), 303)
    except Invalid as exc:
        flash(str(exc), "error")
        return redirect(url_for("households.show", household_id=household.id), 303)


@bp.route("/<int:household_id>/members/new", methods=["GET", "POST"])
@requires(P.ARCHIVE_EDIT)
def member_new(household_id: int):
    """Add a member; typing the ID number fills fields from the pool."""
    household = queries.get_household_or_404(_user(), household_id)
    form = _person_form()
    general: list[str] = []
    facts = {}
    if form.validate_on_submit():
        try:
            members.add_member(_user(), household, form.values())
            flash("成员已添加", "success")
            return redirect(url_for("households.show", household_id=household.id), 303)
        except Invalid as exc:
            general = exc.attach(form)
        facts = facts_for_number(form.id_number.data)[1]
    status = 422 if request.method == "POST" else 200
    return render("households/member_form.html", "households/_member_form.html", form=form, household=household,
                  person=None, facts=facts, general=general, status=status)


@bp.route("/<int:household_id>/members/autofill")
@requires(P.ARCHIVE_EDIT)
def member_autofill(household_id: int):
    """The member form filled from the pool for the typed ID number (one htmx request)."""
    household = queries.get_household_or_404(_user(), household_id)
    person = None
    if request.args.get("person_id", type=int):
        person = queries.get_member_or_404(household, request.args.get("person_id", type=int))
    form = _person_form(person)
    form.process(request.args)
    if person is not None and "*" in (form.id_number.data or ""):
        form.id_number.data = person.id_number
    number, facts = refill(form, person)
    if facts:  # pool facts about a resident are personal data: each look-up is on record
        audit.record("pool.autofill", object_type="source_record", detail=mask_id(number))
        db.session.commit()
    general = [] if number or not request.args.get("id_number") else ["身份证号无效，未能从资源池带出信息"]
    if number and not facts:
        general = ["资源池中暂无该身份证号的记录，请手工填写"]
    return render("households/member_form.html", "households/_member_form.html", form=form, household=household,
                  person=person, facts=facts, general=general)


@bp.route("/<int:household_id>/members/<int:person_id>", methods=["GET", "POST"])
@requires(P.ARCHIVE_EDIT)
def member_edit(household_id: int, person_id: int):
    """Edit a member."""
    household = queries.get_household_or_404(_user(), household_id)
    person = queries.get_member_or_404(household, person_id)
    form = _person_form(person)
    general: list[str] = []
    if form.validate_on_submit():
        try:
            values = form.values()
            if "*" in (values["phone"] or ""):  # left masked: keep the stored number
                values["phone"] = person.phone
            members.update_member(_user(), household, person, values, version=form.row_version.data)
            flash("成员信息已保存", "success")
            return redirect(url_for("households.show", household_id=household.id), 303)
        except Invalid as exc:
            general = exc.attach(form)
    status = 422 if request.method == "POST" else 200
    facts = facts_for_number(form.id_number.data)[1]
    return render("households/member_form.html", "households/_member_form.html", form=form, household=household,
                  person=person, facts=facts, general=general, status=status)


@bp.route("/<int:household_id>/members/<int:person_id>/remove", methods=["POST"])
@requires(P.ARCHIVE_EDIT)
def member_remove(household_id: int, person_id: int):
    """Remove a member (soft; the recycle bin keeps it 30 days)."""
    household = queries.get_household_or_404(_user(), household_id)
    person = queries.get_member_or_404(household, person_id)
    try:
        members.remove_member(_user(), household, person, ReasonForm().reason.data)
        flash(f"已移除成员 {person.name}", "success")
    except Invalid as exc:
        flash(str(exc), "error")
    return redirect(url_for("households.show", household_id=household.id), 303)


@bp.route("/<int:household_id>/head", methods=["POST"])
@requires(P.ARCHIVE_EDIT)
def change_head(household_id: int):
    """Make another member the head."""
    household = queries.get_household_or_404(_user(), household_id)
    form = ChangeHeadForm()
    try:
        person = members.change_head(_user(), household, form.person_id.data, form.old_head_relation.data)
        flash(f"户主已变更为 {person.name}", "success")
    except Invalid as exc:
        flash(str(exc), "error")
    return redirect(url_for("households.show", household_id=household.id), 303)


@bp.route("/<int:household_id>/members/<int:person_id>/reveal/<what>", methods=["POST"])
@requires(P.ARCHIVE_VIEW)
def reveal(household_id: int, person_id: int, what: str):
    """Show one member's full ID or phone number (audited)."""
    if what not in ("id", "phone"):
        abort(404)
    household = queries.get_household_or_404(_user(), household_id)
    person = queries.get_member_or_404(household, person_id)
    try:
        value = members.reveal(_user(), person, what)
    except PermissionError:
        abort(403)
    return render("households/_revealed.html", "households/_revealed.html", value=value)


@bp.route("/export", methods=["POST"])
@requires(P.ARCHIVE_VIEW)
def export():
    """Export the filtered list (households and members) to XLSX in the background."""
    filters = queries.parse_filters(request.form)
    try:
        job = start_job(export_households, idempotent=True, kind="households.export", title="户档导出", owner=_user(),
                        queue="reports", params=filters.args(), args=(_user().id, filters.__dict__))
    except QueueUnavailable:
        flash("任务队列暂不可用，请稍后重试", "error")
        return redirect(url_for("households.index", **filters.args()), 303)
    return render("jobs/page.html", "jobs/_status.html", job=job)


@bp.app_template_filter("masked_token")
def masked_token(token: str | None) -> str:
    """A stored encrypted ID number shown masked."""
    from app.security.pii import decrypt, mask_id

    return mask_id(decrypt(token))
