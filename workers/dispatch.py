"""Dispatch jobs: one run per target, and the periodic tick that starts runs for targets with work."""
import uuid

from flask import current_app

from app.clock import utcnow
from app.extensions import db
from app.models.dispatch import DispatchTarget, OutboxEvent
from workers.context import system_job
from workers.queues import get_queue, redis_connection

LOCK_SECONDS = 600


def _lock_key(target_id: int) -> str:
    return f"portal:dispatch:lock:{target_id}"


@system_job
def dispatch_target(target_id: int) -> str:
    """Deliver a target's pending events; a second run for the same target at the same time does nothing."""
    from app.blueprints.dispatch.delivery import run_target

    conn, token = redis_connection(current_app), uuid.uuid4().hex
    # SET NX EX instead of redis-py's Lock: its Lua scripts are not available on the embedded fakeredis.
    if not conn.set(_lock_key(target_id), token, nx=True, ex=LOCK_SECONDS):
        return "busy"
    try:
        target = db.session.get(DispatchTarget, target_id)
        if target is None or target.paused or target.active_version is None:
            return "skipped"
        run = run_target(target)
        return f"{run.status}: sent {run.sent}, failed {run.failed}"
    finally:
        if conn.get(_lock_key(target_id)) == token.encode():
            conn.delete(_lock_key(target_id))


@system_job
def dispatch_tick() -> int:
    """Enqueue a run for every active target that has events after its cursor and is not backing off."""
    latest = db.session.execute(db.select(db.func.max(OutboxEvent.id))).scalar() or 0
    now = utcnow()
    stmt = db.select(DispatchTarget.id).where(
        DispatchTarget.paused.is_(False), DispatchTarget.active_version_id.is_not(None),
        DispatchTarget.cursor < latest,
        (DispatchTarget.next_attempt_at.is_(None)) | (DispatchTarget.next_attempt_at <= now))
    ids = list(db.session.execute(stmt).scalars())
    queue = get_queue(current_app, "dispatch")
    for target_id in ids:
        queue.enqueue(dispatch_target, target_id, job_timeout=LOCK_SECONDS, result_ttl=3600, failure_ttl=86400)
    return len(ids)
