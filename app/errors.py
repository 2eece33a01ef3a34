"""Error pages in Chinese, as full pages or as small fragments for htmx requests."""
import logging

from flask import render_template, request
from flask_wtf.csrf import CSRFError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.exceptions import RedisError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.outage import database_unreachable, unavailable_response
from app.security import audit
from app.web import wants_fragment

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("请求有误", "提交的内容无法识别，请返回后重试。"),
    401: ("需要登录", "请先登录。"),
    403: ("没有权限", "您的账号没有访问该页面的权限。"),
    404: ("页面不存在", "您访问的页面或记录不存在，或不在您的管辖范围内。"),
    405: ("请求方式不支持", "该地址不支持这种请求方式。"),
    409: ("正在处理", "上一次提交正在处理，请稍候刷新页面查看结果。"),
    413: ("内容过大", "上传的内容超过大小限制，请压缩或拆分后再试。"),
    422: ("内容有误", "提交的内容未通过校验。"),
    429: ("操作过于频繁", "操作过于频繁，请稍后再试。"),
    500: ("系统繁忙", "服务器处理出错，已记录，请稍后重试。"),
    503: ("服务暂不可用", "依赖的服务暂不可用，请稍后重试。"),
}


def render_error(code: int, detail: str | None = None):
    """The error page (or fragment) for an HTTP status."""
    title, message = MESSAGES.get(code, MESSAGES[500])
    template = "errors/_error.html" if wants_fragment() else "errors/error.html"
    try:
        return render_template(template, code=code, title=title, message=detail or message), code
    except Exception as exc:  # the page's header loads the user: with the database gone, answer 503 instead
        if database_unreachable(exc):
            return unavailable_response()
        raise


def _record_refusal(action: str, detail: str) -> None:
    """Audit a refused request; a database outage must not turn the refusal into a crash."""
    try:
        audit.record_refusal(action, detail=detail)
    except Exception as exc:
        if not (database_unreachable(exc) or isinstance(exc, RedisError)):
            raise
        log.warning("not audited (database unreachable): %s %s", action, detail)


def init_app(app) -> None:
    """Register handlers for every HTTP error and for unexpected exceptions."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        _record_refusal("security.csrf_rejected", f"{request.method} {request.path}: {error.description}")
        return render_error(400, "页面已过期或来源不明（CSRF 校验失败），请刷新页面后重新提交。")

    @app.errorhandler(HTTPException)
    def http_error(error):
        detail = error.description if _is_chinese(error.description) else None
        if error.code == 403:
            _record_refusal("security.forbidden", f"{request.method} {request.path}")
        return render_error(error.code or 500, detail)

    @app.errorhandler(OperationalError)
    def write_conflict(error):
        if database_unreachable(error):
            return unavailable_response()
        # The embedded SQLite refuses a write whose snapshot another request has just changed; nothing was saved
        # and the idempotency key is released, so the user can simply look again and resubmit.
        db.session.rollback()
        if "database is locked" not in str(error.orig):
            return server_error(error)
        log.warning("write conflict on %s %s", request.method, request.path)
        return render_error(503, "该记录刚被他人修改，本次提交未保存。请刷新页面查看最新状态后再提交。")

    @app.errorhandler(RedisConnectionError)
    @app.errorhandler(RedisTimeoutError)
    def redis_down(error):
        # Rate limits and queue reads need Redis; the circuit breaker makes this answer immediate while it is down.
        log.warning("redis unavailable on %s %s: %s", request.method, request.path, error)
        db.session.rollback()
        response, code = render_error(503, "任务队列暂不可用（Redis 无响应），本次操作未完成，请稍后重试。")
        return response, code, {"Retry-After": "30"}

    @app.errorhandler(Exception)
    def server_error(error):
        if database_unreachable(error):  # e.g. raised while loading the user, or wrapped by another error
            return unavailable_response()
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500)


def _is_chinese(text: str | None) -> bool:
    return bool(text) and any("\u4e00" <= ch <= "\u9fff" for ch in text)
