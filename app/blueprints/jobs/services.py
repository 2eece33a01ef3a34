"""Starting background jobs and finding the ones a user may see."""
import uuid
from pathlib import Path

from flask import abort, current_app
from rq import Callback

from app.clock import utcnow
from app.extensions import db
from app.models.job import FAILED, QUEUED, RUNNING, Job
from app.security import audit
from app.security.permissions import KIOSK
from app.security.redact import mask_numbers
from app.validation import Invalid
from workers.context import UserFacingJobError, settle_after_crash
from workers.queues import get_queue, redis_connection

QUEUE_DOWN_MESSAGE = "任务队列暂不可用，请稍后重试"
_failure_hooks: dict[str, list] = {}
_retry_hooks: dict[str, list] = {}


class QueueUnavailable(Exception):
    """The queue could not take the job; the row says so."""


def start_job(func, *, kind: str, title: str, owner, queue: str = "default", params: dict | None = None,
              args: tuple = (), timeout: int | None = None, idempotent: bool = False) -> Job:
    """Create the Job row, then enqueue `func(job_id, *args)`; the row exists before any worker sees the job.

    `idempotent` jobs (a second run changes nothing a first run did not) are re-queued once by the reconciler
    when Redis lost them or their worker died; every job keeps its function and arguments for the retry button."""
    job_id = uuid.uuid4().hex
    # The row outlives the job and is read by the monitor's queries: search values are kept masked there.
    row = Job(id=job_id, owner_id=owner.id if owner else None, kind=kind, title=mask_numbers(title), queue=queue,
              params={k: mask_numbers(v) if isinstance(v, str) else v for k, v in (params or {}).items()},
              func=dotted_name(func), args=list(args),
              timeout=timeout or current_app.config["JOB_TIMEOUT"], idempotent=idempotent)
    db.session.add(row)
    audit.record("job.start", row, detail=f"{kind}: {title}")
    db.session.commit()
    enqueue_row(row)
    return row


def dotted_name(func) -> str:
    """The import path RQ resolves inside the worker."""
    return func if isinstance(func, str) else f"{func.__module__}.{func.__qualname__}"


def enqueue_row(row: Job, *, replace: bool = False) -> None:
    """Put the row's job on its queue under the row's id; a queue that cannot take it fails the row at once."""
    cfg = current_app.config
    try:
        if replace:
            _discard_rq_job(row.id)
        get_queue(current_app, row.queue).enqueue(
            row.func, row.id, *(row.args or ()), job_id=row.id, job_timeout=row.timeout or cfg["JOB_TIMEOUT"],
            result_ttl=cfg["JOB_RESULT_TTL"], failure_ttl=cfg["JOB_FAILURE_TTL"],
            on_failure=Callback(settle_after_crash), description=f"{row.kind}:{row.id}",
        )
    except Exception as exc:  # Redis down: the row must not stay 'queued' forever
        mark_failed(row.id, QUEUE_DOWN_MESSAGE)
        db.session.refresh(row)
        raise QueueUnavailable() from exc


def mark_failed(job_id: str, error: str) -> bool:
    """Fail a row that is still queued or running, and whatever waits on it; False if it had settled already."""
    settled = db.session.execute(
        db.update(Job).where(Job.id == job_id, Job.state.in_((QUEUED, RUNNING)))
        .values(state=FAILED, error=error[:4000], finished_at=utcnow())).rowcount
    if settled:
        run_failure_hooks(db.session.get(Job, job_id, populate_existing=True))
    db.session.commit()
    return bool(settled)


def run_failure_hooks(row: Job) -> None:
    """Let the area that owns the job settle what waits on it (a batch, a report) in the caller's transaction."""
    for hook in _failure_hooks.get(row.kind, ()):
        hook(row)


def on_job_failed(kind: str):
    """Register `hook(row)`, run in the same transaction whenever a job of this kind fails (batches, reports)."""
    def register(hook):
        _failure_hooks.setdefault(kind, []).append(hook)
        return hook
    return register


def on_job_retry(kind: str):
    """Register `hook(row)`, run before a failed job of this kind is started again; it may refuse with Invalid."""
    def register(hook):
        _retry_hooks.setdefault(kind, []).append(hook)
        return hook
    return register


def retry_job(row: Job, user) -> Job:
    """Start a failed job again under the same row (the retry button)."""
    if row.is_running:
        raise Invalid("该任务已在排队或运行中")
    if not row.can_retry:
        raise Invalid("该任务不能重试")
    for hook in _retry_hooks.get(row.kind, ()):
        hook(row)
    updated = db.session.execute(
        db.update(Job).where(Job.id == row.id, Job.state == FAILED)
        .values(state=QUEUED, error=None, progress=0, message="", started_at=None, finished_at=None)).rowcount
    if not updated:
        db.session.rollback()
        raise Invalid("该任务已在排队或运行中")
    audit.record("job.retry", row, actor=user, detail=f"{row.kind}: {row.title}")
    db.session.commit()
    db.session.refresh(row)
    enqueue_row(row, replace=True)
    return row


def _discard_rq_job(job_id: str) -> None:
    """Drop the old RQ entry of a job id before it is enqueued again (it may sit in the failed registry)."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job as RQJob

    try:
        RQJob.fetch(job_id, connection=redis_connection(current_app)).delete()
    except NoSuchJobError:
        pass


def visible_job_or_404(job_id: str, user) -> Job:
    """A job the user started; anyone else (monitors included) gets 404, because results carry personal data."""
    row = db.session.get(Job, job_id)
    if row is None or row.owner_id != user.id or user.role == KIOSK:
        # Kiosk results are served only to the device session that printed them (kiosk.pdf).
        abort(404)
    return row


def result_file(row: Job) -> Path:
    """The job's result file, which must lie inside the files folder."""
    if row.state != "done" or not row.result_path:
        abort(404)
    root = Path(current_app.config["FILES_DIR"]).resolve()
    path = Path(row.result_path).resolve()
    if root not in path.parents or not path.is_file():
        abort(404)
    return path


def recent_jobs(user, limit: int = 10) -> list[Job]:
    """The user's latest jobs."""
    stmt = db.select(Job).where(Job.owner_id == user.id).order_by(Job.created_at.desc()).limit(limit)
    return list(db.session.execute(stmt).scalars())


__all__ = ["QueueUnavailable", "UserFacingJobError", "enqueue_row", "mark_failed", "on_job_failed", "on_job_retry",
           "recent_jobs", "result_file", "retry_job", "start_job", "visible_job_or_404"]
