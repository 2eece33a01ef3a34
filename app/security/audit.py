"""Audit helpers used by every service: one row per event, in the caller's transaction."""
from flask import has_request_context, request
from flask_login import current_user

from app.extensions import db
from app.models.audit import AuditLog

_MISSING = object()


def client_address() -> str:
    """The client's address: waitress's peer, or the one the configured proxy hops report (see proxy.py)."""
    if not has_request_context():
        return ""
    return (request.remote_addr or "")[:64]


def _actor():
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id, current_user.username
    return None, ""


def record(action: str, obj=None, *, object_type: str = "", object_id="", changes: dict | None = None,
           detail: str = "", outcome: str = "ok", actor=None) -> AuditLog:
    """Add an audit row to the current session; it commits with the change it describes."""
    actor_id, actor_name = (actor.id, actor.username) if actor is not None else _actor()
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id or getattr(obj, "id", "")
    row = AuditLog(
        actor_id=actor_id, actor_name=actor_name, action=action, object_type=object_type,
        object_id=str(object_id or ""), changes=changes or None, detail=detail[:2000],
        address=client_address(), outcome=outcome,
    )
    db.session.add(row)
    return row


def record_now(action: str, **kwargs) -> None:
    """Write an audit row in its own transaction, for refusals where the main work is rolled back."""
    db.session.rollback()
    record(action, **kwargs)
    db.session.commit()


# Refused requests anyone can send (no CSRF token, forbidden pages, unenrolled kiosks) are audited up to this
# many per client address and minute; past it one row says the rest were dropped, so a scanner cannot flood the log.
REFUSALS_PER_MINUTE = 30


def record_refusal(action: str, **kwargs) -> bool:
    """Audit a refused request (own transaction) unless its address exceeded the per-minute cap; True if written."""
    from app.security.ratelimit import count

    address = client_address()
    seen = count(f"audit-refusal:{address}", 60)
    if seen <= REFUSALS_PER_MINUTE:
        record_now(action, outcome="refused", **kwargs)
        return True
    if seen == REFUSALS_PER_MINUTE + 1:
        record_now("security.audit_capped", outcome="refused",
                   detail=f"{address} 一分钟内被拒绝的请求超过 {REFUSALS_PER_MINUTE} 次，本分钟其余不再逐条记录")
    return False


def snapshot(obj, fields) -> dict:
    """The current values of some fields, to compare after a change."""
    return {name: _plain(getattr(obj, name, None)) for name in fields}


def changed(before: dict, obj) -> dict:
    """{field: [old, new]} for each field of `before` whose value on obj differs now."""
    diff = {}
    for name, old in before.items():
        new = _plain(getattr(obj, name, None))
        if new != old:
            diff[name] = [old, new]
    return diff


def _plain(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
