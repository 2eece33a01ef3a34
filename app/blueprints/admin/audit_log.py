"""Querying the audit log with filters, limited to what the viewer may see."""
from datetime import date, datetime, time, timedelta

from app.clock import CHINA_OFFSET
from app.extensions import db
from app.models.audit import AuditLog
from app.models.user import User
from app.security.scoping import scope

FILTER_KEYS = ("user", "action", "object_type", "object_id", "start", "end")


def _day_start_utc(day: date) -> datetime:
    return datetime.combine(day, time.min) - CHINA_OFFSET


def audit_query(viewer: User, filters: dict):
    """Newest first; admins below the county see only what users of their subtree did."""
    stmt = db.select(AuditLog).order_by(AuditLog.id.desc())
    if viewer.region.parent_id is not None:
        stmt = stmt.where(AuditLog.actor_id.in_(scope(db.select(User.id), User.region_id, viewer)))
    if filters.get("user"):
        stmt = stmt.where(AuditLog.actor_name == filters["user"])
    if filters.get("action"):
        stmt = stmt.where(AuditLog.action.startswith(filters["action"], autoescape=True))
    if filters.get("object_type"):
        stmt = stmt.where(AuditLog.object_type == filters["object_type"])
    if filters.get("object_id"):
        stmt = stmt.where(AuditLog.object_id == str(filters["object_id"]))
    if filters.get("start"):
        stmt = stmt.where(AuditLog.at >= _day_start_utc(_as_date(filters["start"])))
    if filters.get("end"):
        stmt = stmt.where(AuditLog.at < _day_start_utc(_as_date(filters["end"]) + timedelta(days=1)))
    return stmt


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def plain_filters(form) -> dict:
    """Form data as JSON-safe values, for the URL and for job parameters."""
    result = {}
    for key in FILTER_KEYS:
        value = getattr(form, key).data
        if value:
            result[key] = value.isoformat() if isinstance(value, date) else str(value).strip()
    return result
