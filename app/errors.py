"""Error pages in Chinese, as full pages or as small fragments for htmx requests."""
import logging

from flask import render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.extensions import db
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
    return render_template(template, code=code, title=title, message=detail or message), code


def init_app(app) -> None:
    """Register handlers for every HTTP error and for unexpected exceptions."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        audit.record_refusal("security.csrf_rejected", detail=f"{request.method} {request.path}: {error.description}")
        return render_error(400, "页面已过期或来源不明（CSRF 校验失败），请刷新页面后重新提交。")

    @app.errorhandler(HTTPException)
    def http_error(error):
        detail = error.description if _is_chinese(error.description) else None
        if error.code == 403:
            audit.record_refusal("security.forbidden", detail=f"{request.method} {request.path}")
        return render_error(error.code or 500, detail)

    @app.errorhandler(OperationalError)
    def write_conflict(error):
        # The embedded SQLite refuses a write whose snapshot another request has just changed; nothing was saved
        # and the idempotency key is released, so the user can simply look again and resubmit.
        db.session.rollback()
        if "database is locked" not in str(error.orig):
            return server_error(error)
        log.warning("write conflict on %s %s", request.method, request.path)
        return render_error(503, "该记录刚被他人修改，本次提交未保存。请刷新页面查看最新状态后再提交。")

    @app.errorhandler(Exception)
    def server_error(error):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500)


def _is_chinese(text: str | None) -> bool:
    return bool(text) and any("\u4e00" <= ch <= "\u9fff" for ch in text)
