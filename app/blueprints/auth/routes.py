"""Login, logout, change password."""
from urllib.parse import urlsplit

from flask import flash, redirect, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.blueprints.auth import bp, services
from app.blueprints.auth.forms import ChangePasswordForm, LoginForm
from app.clock import utcnow
from app.conditional import conditional
from app.security.audit import client_address
from app.security.headers import clear_site_data
from app.web import render


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@conditional
def login():
    """The login page."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error = ""
    if form.validate_on_submit():
        try:
            result = services.authenticate(form.username.data, form.password.data, client_address())
        except services.TooManyAttempts:
            return render("auth/login.html", form=form, error="该地址登录失败次数过多，请 15 分钟后再试", status=429)
        if result.user is not None:
            session.clear()
            login_user(result.user)
            session["seen"] = utcnow().timestamp()
            return redirect(_safe_next(request.args.get("next")), 303)
        error = result.error
    status = 422 if request.method == "POST" else 200
    return render("auth/login.html", form=form, error=error, status=status)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """End the session."""
    services.log_out(current_user._get_current_object())
    logout_user()
    session.clear()
    flash("已安全退出", "success")
    return clear_site_data(redirect(url_for("auth.login"), 303))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the own password (forced after first login or reset)."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        errors = services.change_password(user, form.current.data, form.new.data)
        if not errors:
            login_user(user)  # the session identity carries the new version
            session["seen"] = utcnow().timestamp()
            flash("密码已修改", "success")
            return redirect(url_for("home.index"), 303)
        for field, messages in errors.items():
            getattr(form, field).errors = list(getattr(form, field).errors) + messages
    status = 422 if form.errors else 200
    return render("auth/password.html", form=form, status=status)
