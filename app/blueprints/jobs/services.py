"""Starting background jobs and finding the ones a user may see."""
import uuid
from pathlib import Path

from flask import abort, current_app
from rq import Callback

from app.extensions import db
from app.models.job import FAILED, Job
from app.security import audit
from app.security.redact import mask_numbers
from app.security.permissions import KIOSK
from workers.context import UserFacingJobError, settle_after_crash
from workers.queues import get_queue


class QueueUnavailable(Exception):
    """The queue could not take the job; the row says so."""


def start_job(func, *, kind: str, title: str, owner, queue: str = "default", params: dict | None = None,
              args: tuple = (), timeout: int | None = None) -> Job:
    """Create the Job row, then enqueue `func(job_id, *args)`; the row exists before any worker sees the job."""
    job_id = uuid.uuid4().hex
    # The row outlives the job and is read by the monitor's queries: search values are kept masked there.
    row = Job(id=job_id, owner_id=owner.id if owner else None, kind=kind, title=mask_numbers(title), queue=queue,
              params={k: mask_numbers(v) if isinstance(v, str) else v for k, v in (params or {}).items()})
    db.session.add(row)
    audit.record("job.start", row, detail=f"{kind}: {title}")
    db.session.commit()
    cfg = current_app.config
    try:
        get_queue(current_app, queue).enqueue(
            func, job_id, *args, job_id=job_id, job_timeout=timeout or cfg["JOB_TIMEOUT"],
            result_ttl=cfg["JOB_RESULT_TTL"], failure_ttl=cfg["JOB_FAILURE_TTL"],
            on_failure=Callback(settle_after_crash), description=f"{kind}:{job_id}",
        )
    except Exception as exc:  # Redis down: the row must not stay 'queued' forever
        row.state, row.error = FAILED, "任务队列暂不可用，请稍后重试"
        db.session.commit()
        raise QueueUnavailable() from exc
    return row


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


__all__ = ["QueueUnavailable", "UserFacingJobError", "recent_jobs", "result_file", "start_job",
           "visible_job_or_404"]
