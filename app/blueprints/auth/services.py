"""Authentication with lockout per account and per client address, and password changes."""
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func

from app.clock import utcnow
from app.extensions import db
from app.models.user import LoginAttempt, User
from app.security import audit
from app.security.permissions import KIOSK
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


# One answer for every refused login: which accounts exist, are locked, disabled or kiosk-only stays unsaid.
LOGIN_REFUSED = "用户名或密码错误；若已连续输错 5 次，请 15 分钟后再试或联系管理员"


def authenticate(username: str, password: str, address: str) -> LoginResult:
    """Check a login; record the attempt and audit it; lock the account after too many failures.

    Known and unknown accounts take the same path: one password hash and the same queries, one message."""
    cfg = current_app.config
    now = utcnow()
    window_start = now - cfg["LOGIN_WINDOW"]
    username = username.strip()[:64]
    if _failures_since(LoginAttempt.address, address, window_start) >= cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"]:
        audit.record_refusal("auth.login_throttled", object_type="user_account", object_id=username,
                             detail=f"client {address}")
        raise TooManyAttempts()

    user = db.session.execute(db.select(User).where(User.username == username)).scalar_one_or_none()
    password_ok = verify_password(user.password_hash if user else None, password)
    since = max(window_start, _last_success(username) or window_start)
    failures = _failures_since(LoginAttempt.username, username, since)
    reason = _refusal(user, password_ok, now)
    if reason is None:
        _note_attempt(username, address, True)
        user.last_login_at = now
        user.locked_until = None
        audit.record("auth.login", user, actor=user)
        db.session.commit()
        return LoginResult(user=user)

    audit.record("auth.login_locked" if reason == "locked" else "auth.login_failed", object_type="user_account",
                 object_id=user.id if user else username, detail=_REASONS[reason], outcome="refused", actor=user)
    if user is not None and reason == "password" and failures + 1 >= cfg["LOGIN_MAX_FAILURES"]:
        user.locked_until = now + cfg["LOGIN_LOCK"]
        audit.record("auth.account_locked", user, outcome="refused", actor=user,
                     detail=f"{failures + 1} failures in {int(cfg['LOGIN_WINDOW'].total_seconds() // 60)} min")
    _note_attempt(username, address, False)
    db.session.commit()
    return LoginResult(error=LOGIN_REFUSED)


_REASONS = {"unknown": "账号不存在", "locked": "账号已锁定", "disabled": "账号已停用",
            "kiosk": "自助终端账号不能用密码登录", "password": "密码错误"}


def _refusal(user: User | None, password_ok: bool, now) -> str | None:
    """Why a login is refused (a key of _REASONS, for the audit row only), or None to let it in."""
    if user is None:
        return "unknown"
    if user.locked_until and user.locked_until > now:
        return "locked"
    if not password_ok:
        return "password"
    if not user.is_enabled:
        return "disabled"
    if user.role == KIOSK:
        # Kiosk accounts act only through an enrolled device; nobody types their password.
        return "kiosk"
    return None


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
    """Audit a logout and end every session of the user: a copied cookie carries the old version."""
    user.session_version += 1
    audit.record("auth.logout", user)
    db.session.commit()
