"""Admin pages of the household area: the recycle bin and the tag dictionary."""
from flask import flash, redirect, request, url_for
from flask_login import current_user

from app.blueprints.households import bp, recycle, tags
from app.blueprints.households.forms import TagForm
from app.security import permissions as P
from app.security.permissions import requires
from app.validation import Invalid
from app.web import render


def _user():
    return current_user._get_current_object()


@bp.route("/recycle")
@requires(P.ARCHIVE_RECYCLE)
def recycle_bin():
    """Deleted households and removed members of the last 30 days."""
    return render("households/recycle.html", households=recycle.deleted_households(_user()),
                  persons=recycle.removed_persons(_user()))


@bp.route("/recycle/households/<int:household_id>", methods=["POST"])
@requires(P.ARCHIVE_RECYCLE)
def restore_household(household_id: int):
    """Restore a household with its members."""
    try:
        household = recycle.restore_household(_user(), household_id)
        flash(f"户号 {household.number} 已恢复", "success")
    except Invalid as exc:
        flash(str(exc), "error")
    return redirect(url_for("households.recycle_bin"), 303)


@bp.route("/recycle/persons/<int:person_id>", methods=["POST"])
@requires(P.ARCHIVE_RECYCLE)
def restore_person(person_id: int):
    """Restore a removed member."""
    try:
        person = recycle.restore_person(_user(), person_id)
        flash(f"成员 {person.name} 已恢复", "success")
    except Invalid as exc:
        flash(str(exc), "error")
    return redirect(url_for("households.recycle_bin"), 303)


@bp.route("/tags", methods=["GET", "POST"])
@requires(P.TAGS_MANAGE)
def tag_dictionary():
    """The tag dictionary: add, retire, bring back."""
    form = TagForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            tags.add_tag(form.scope.data, form.name.data)
            flash("标签已添加", "success")
            return redirect(url_for("households.tag_dictionary"), 303)
        except Invalid as exc:
            general = exc.attach(form)
    status = 422 if request.method == "POST" else 200
    return render("households/tags.html", form=form, tags=tags.all_tags(), general=general, status=status)


@bp.route("/tags/<int:tag_id>", methods=["POST"])
@requires(P.TAGS_MANAGE)
def tag_toggle(tag_id: int):
    """Retire or bring back a tag."""
    tag = tags.set_tag_active(tag_id, request.form.get("active") == "1")
    flash(f"标签“{tag.name}”已{'启用' if tag.is_active else '停用'}", "success")
    return redirect(url_for("households.tag_dictionary"), 303)
