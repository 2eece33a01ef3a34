"""Login sessions: loading the user, idle timeout, forced password change."""
from flask import current_app, flash, redirect, request, session, url_for
from flask_login import current_user, logout_user

from app.clock import utcnow
from app.extensions import db, login_manager
from app.models.user import User
from app.security import audit
from app.security.headers import clear_site_data
from app.security.permissions import KIOSK
from app.web import wants_fragment

# Background polls that must not count as user activity for the idle timeout.
PASSIVE_ENDPOINTS = {"notifications.bell", "monitor.index"}
# Endpoints a user who must change the password may still reach.
_OPEN_ENDPOINTS = {"auth.login", "auth.logout", "auth.change_password", "static", "home.healthz"}


def idle_limit(user) -> float:
    """Seconds of inactivity after which the session ends (2 minutes for kiosks)."""
    key = "IDLE_TIMEOUT_KIOSK" if user.role == KIOSK else "IDLE_TIMEOUT_STAFF"
    return current_app.config[key].total_seconds()


def redirect_to(endpoint: str, **values):
    """A redirect that also works for htmx requests, which would otherwise swap the target page in."""
    target = url_for(endpoint, **values)
    if getattr(request, "htmx", None) and not request.htmx.boosted:
        response = current_app.response_class(status=204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303 if request.method == "POST" else 302)


def init_app(app) -> None:
    """Register the user loader and the per-request session checks."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(identity: str):
        user_id, _, version = identity.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        # Kiosk accounts act only through enrolled devices: a staff session of one (from before that rule) ends.
        if user is None or user.session_version != int(version) or not user.is_enabled or user.role == KIOSK:
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        flash(login_manager.login_message, "warning")
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect_to("auth.login", next=target)

    @app.before_request
    def check_session():
        if request.endpoint in ("static", "home.healthz") or not current_user.is_authenticated:
            return None
        now = utcnow().timestamp()
        seen = session.get("seen", now)
        if now - seen > idle_limit(current_user):
            audit.record("auth.idle_timeout", current_user._get_current_object())
            db.session.commit()
            logout_user()
            session.clear()
            flash("长时间未操作，会话已超时，请重新登录", "warning")
            return clear_site_data(redirect_to("auth.login"))
        # Refresh at most once a minute so most responses carry no new cookie.
        passive = request.endpoint in PASSIVE_ENDPOINTS and wants_fragment()
        if not passive and (now - seen > 60 or "seen" not in session):
            session["seen"] = now
        if current_user.must_change_password and request.endpoint not in _OPEN_ENDPOINTS:
            flash("首次登录或密码已重置，请先修改密码", "warning")
            return redirect_to("auth.change_password")
        return None
