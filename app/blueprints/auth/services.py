"""Authentication with lockout per account and per client address, and password changes."""
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func

from app.clock import utcnow
from app.extensions import db
from app.models.user import LoginAttempt, User
from app.security import audit
from app.security.passwords import hash_password, policy_errors, verify_password


class TooManyAttempts(Exception):
    """Too many failed logins from one client address."""


@dataclass
class LoginResult:
    """The user on success, else a Chinese message for the form."""

    user: User | None = None
    error: str = ""


def _failures_since(column, value, since) -> int:
    stmt = db.select(func.count(LoginAttempt.id)).where(
        column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since
    )
    return db.session.execute(stmt).scalar_one()


def _last_success(username: str):
    stmt = db.select(func.max(LoginAttempt.at)).where(
        LoginAttempt.username == username, LoginAttempt.succeeded.is_(True)
    )
    return db.session.execute(stmt).scalar_one()


def authenticate(username: str, password: str, address: str) -> LoginResult:
    """Check a login; record the attempt and audit it; lock the account after too many failures."""
    cfg = current_app.config
    now = utcnow()
    window_start = now - cfg["LOGIN_WINDOW"]
    username = username.strip()[:64]
    if _failures_since(LoginAttempt.address, address, window_start) >= cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"]:
        audit.record_now("auth.login_throttled", object_type="user_account", object_id=username,
                         detail=f"client {address}", outcome="refused")
        raise TooManyAttempts()

    user = db.session.execute(db.select(User).where(User.username == username)).scalar_one_or_none()
    if user is not None and user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        _note_attempt(username, address, False)
        audit.record("auth.login_locked", user, outcome="refused", actor=user)
        db.session.commit()
        return LoginResult(error=f"账号因多次密码错误已锁定，请 {minutes} 分钟后再试或联系管理员")

    if user is None or not verify_password(user.password_hash, password) or not user.is_enabled:
        reason = "账号已停用" if user is not None and user.is_enabled is False else ""
        audit.record("auth.login_failed", object_type="user_account", object_id=user.id if user else username,
                     detail=reason or f"username={username}", outcome="refused", actor=user)
        message = "用户名或密码错误"
        if user is not None:
            since = max(window_start, _last_success(username) or window_start)
            failures = _failures_since(LoginAttempt.username, username, since) + 1  # + this attempt
            if failures >= cfg["LOGIN_MAX_FAILURES"]:
                user.locked_until = now + cfg["LOGIN_LOCK"]
                audit.record("auth.account_locked", user, outcome="refused", actor=user,
                             detail=f"{failures} failures in {int(cfg['LOGIN_WINDOW'].total_seconds() // 60)} min")
                message = f"密码连续错误 {failures} 次，账号已锁定 {int(cfg['LOGIN_LOCK'].total_seconds() // 60)} 分钟"
            elif user.is_enabled:
                message = f"用户名或密码错误（再错 {cfg['LOGIN_MAX_FAILURES'] - failures} 次将锁定账号）"
        _note_attempt(username, address, False)
        db.session.commit()
        return LoginResult(error=message)

    _note_attempt(username, address, True)
    user.last_login_at = now
    user.locked_until = None
    audit.record("auth.login", user, actor=user)
    db.session.commit()
    return LoginResult(user=user)


def _note_attempt(username: str, address: str, succeeded: bool) -> None:
    db.session.add(LoginAttempt(username=username, address=address, succeeded=succeeded))


def change_password(user: User, current: str, new: str) -> dict[str, list[str]]:
    """Set a new password that meets the policy; errors by field name, empty on success."""
    if not verify_password(user.password_hash, current):
        audit.record_now("auth.password_change_failed", object_type="user_account", object_id=user.id,
                         outcome="refused")
        return {"current": ["当前密码不正确"]}
    errors = policy_errors(new, user.username)
    if verify_password(user.password_hash, new):
        errors.append("新密码不能与当前密码相同")
    if errors:
        return {"new": errors}
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    user.session_version += 1
    audit.record("auth.password_changed", user)
    db.session.commit()
    return {}


def log_out(user: User) -> None:
    """Audit a logout."""
    audit.record("auth.logout", user)
    db.session.commit()
