"""Health of the database and the queue, for /healthz."""
from flask import current_app
from sqlalchemy import text

from app.extensions import db
from workers.queues import QUEUE_NAMES, get_queue, redis_connection


def database_status() -> dict:
    """Whether a trivial query answers, and which kind of database this is."""
    try:
        db.session.execute(text("SELECT 1"))
        return {"ok": True, "dialect": db.engine.dialect.name}
    except Exception as exc:  # any driver error means unhealthy
        db.session.rollback()
        return {"ok": False, "dialect": db.engine.dialect.name, "error": type(exc).__name__}


def queue_status() -> dict:
    """Whether Redis answers, and the depth of each named queue."""
    embedded = not current_app.config.get("REDIS_URL")
    try:
        redis_connection(current_app).ping()
        depths = {name: get_queue(current_app, name).count for name in QUEUE_NAMES}
        return {"ok": True, "embedded": embedded, "queues": depths}
    except Exception as exc:  # connection refused, timeout, auth
        return {"ok": False, "embedded": embedded, "error": type(exc).__name__}
