"""Bell, list and mark-read."""
from flask import redirect, request, url_for
from flask_login import current_user, login_required

from app.blueprints.notifications import bp, services
from app.pagination import paginate
from app.web import page_args, render


@bp.route("/")
@login_required
def index():
    """The user's notifications."""
    page, size = page_args(20, 100)
    result = paginate(services.for_user(current_user.id), page, size)
    return render("notifications/index.html", "notifications/_list.html", result=result)


@bp.route("/bell")
@login_required
def bell():
    """The bell with its unread count; polled once a minute without keeping the session alive."""
    return render("notifications/_bell.html", unread=services.unread_count(current_user.id))


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id: int):
    """Mark one as read and follow its link."""
    services.mark_read(current_user.id, notification_id)
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("notifications.index")
    return redirect(target, 303)


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    """Mark all as read."""
    services.mark_read(current_user.id)
    return redirect(url_for("notifications.index"), 303)
