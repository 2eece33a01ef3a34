"""Answers while the database is unreachable: a Chinese 503 built without touching the database again."""
import logging

from flask import g, jsonify, make_response, render_template, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from app.extensions import db, login_manager
from app.web import wants_fragment

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def database_unreachable(error: BaseException | None) -> bool:
    """True for a lost or refused database connection (not for a constraint, a bad query or SQLite's lock)."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OperationalError | InterfaceError) and "database is locked" not in str(error):
            return True
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        error = error.__cause__ or error.__context__
    return False


def unavailable_response():
    """The 503 for this request: JSON for /healthz, a fragment for htmx, else a page without the user's menus."""
    # The request's user must not be loaded again: that would query the database that just failed.
    g._login_user = login_manager.anonymous_user()
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; nothing was written
        pass
    log.warning("database unreachable on %s %s", request.method, request.path)
    if request.path == "/healthz":
        response = jsonify(status="degraded", database={"ok": False, "error": "unreachable"})
    else:
        template = "errors/_unavailable.html" if wants_fragment() else "errors/unavailable.html"
        response = make_response(render_template(template))
        response.vary.add("HX-Request")
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response
