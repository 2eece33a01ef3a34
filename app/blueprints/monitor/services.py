"""What the RQ registries say about workers, queues and failed jobs, and the retry/cancel actions."""
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job as RQJob
from rq.registry import DeferredJobRegistry, FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from app.clock import utcnow
from app.extensions import db
from app.models.job import FAILED, QUEUED, Job
from app.security import audit
from app.validation import Invalid
from workers.queues import QUEUE_NAMES, WORKER_TTL_SECONDS, get_queue, redis_connection

QUEUE_ERRORS = (RedisConnectionError, RedisTimeoutError)

STATE_LABELS = {"idle": "空闲", "busy": "执行中", "started": "启动中", "suspended": "已暂停"}
# The monitor names a job by its kind: titles, arguments and error texts can carry personal data.
KIND_LABELS = {
    "audit_export": "审计日志导出", "credit_import": "信用记录导入", "credit_report": "信用报告生成",
    "households.export": "户档导出", "moves.export": "迁入迁出导出", "visits.export": "走访记录导出",
    "pool.import": "数据资源池导入", "pool.cross_check": "多元校核", "tickets.monthly": "运维月报",
    "report": "统计报表",
}
FAILED_LIMIT = 50


@dataclass
class WorkerInfo:
    """One worker as its registry entry says."""

    name: str
    queues: list[str]
    state: str
    current_job: str | None
    last_heartbeat: datetime | None
    online: bool = True

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state) if self.online else "失联（无心跳）"


@dataclass
class QueueInfo:
    """Depths of one named queue and its registries."""

    name: str
    queued: int
    started: int
    scheduled: int
    deferred: int
    failed: int


@dataclass
class FailedJob:
    """A failed RQ job: its kind and the type of its error, never its arguments, title or message."""

    id: str
    queue: str
    kind: str
    error: str
    ended_at: datetime | None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind.partition(":")[0], self.kind)


def workers() -> list[WorkerInfo]:
    """Workers registered on this Redis (the embedded thread included)."""
    conn = redis_connection(current_app)
    seconds, _ = conn.time()
    # Liveness comes from the heartbeat, not from being registered: a killed worker stays registered for minutes.
    silent_after = datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None) - timedelta(seconds=2 * WORKER_TTL_SECONDS)
    result = []
    for worker in Worker.all(connection=conn):
        heartbeat = worker.last_heartbeat.replace(tzinfo=None) if worker.last_heartbeat else None
        state = str(worker.get_state())
        # The embedded worker runs a job in its own thread without beats; the job reconciler watches busy ones.
        fresh = heartbeat is not None and heartbeat >= silent_after
        result.append(WorkerInfo(name=worker.name, queues=worker.queue_names(), state=state,
                                 current_job=worker.get_current_job_id(), last_heartbeat=heartbeat,
                                 online=fresh or state == "busy"))
    return sorted(result, key=lambda w: w.name)


def queues() -> list[QueueInfo]:
    """Depth of every named queue."""
    result = []
    for name in QUEUE_NAMES:
        queue = get_queue(current_app, name)
        result.append(QueueInfo(name=name, queued=queue.count, started=StartedJobRegistry(queue=queue).count,
                                scheduled=ScheduledJobRegistry(queue=queue).count,
                                deferred=DeferredJobRegistry(queue=queue).count,
                                failed=FailedJobRegistry(queue=queue).count))
    return result


def failed_jobs() -> list[FailedJob]:
    """The newest failed jobs of every queue, with the last line of their error."""
    conn = redis_connection(current_app)
    found = []
    for name in QUEUE_NAMES:
        registry = FailedJobRegistry(queue=get_queue(current_app, name))
        ids = registry.get_job_ids(0, FAILED_LIMIT - 1, desc=True)
        for job in RQJob.fetch_many(ids, connection=conn):
            if job is not None:
                found.append((name, job))
    rows = {row.id: row for row in db.session.execute(
        db.select(Job).where(Job.id.in_([job.id for _, job in found]))).scalars()} if found else {}
    result = []
    for name, job in found:
        latest = job.latest_result()
        text = (latest.exc_string if latest is not None and latest.exc_string else "") or ""
        ended = job.ended_at.replace(tzinfo=None) if job.ended_at else None
        row = rows.get(job.id)
        kind = row.kind if row is not None else (job.description or "").partition(":")[0] or job.func_name
        result.append(FailedJob(id=job.id, queue=name, kind=kind, error=error_type(text), ended_at=ended))
    return sorted(result, key=lambda f: f.ended_at or datetime.min, reverse=True)


def error_type(traceback_text: str) -> str:
    """The exception class of a traceback's last line, without its message (which may quote a resident)."""
    lines = [line for line in traceback_text.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    return lines[-1].partition(":")[0].strip().rsplit(".", 1)[-1][:80]


def _failed_registry_of(job_id: str) -> FailedJobRegistry:
    for name in QUEUE_NAMES:
        registry = FailedJobRegistry(queue=get_queue(current_app, name))
        if job_id in registry:
            return registry
    raise Invalid("该任务不在失败列表中（可能已重试或已取消）")


def retry(job_id: str) -> None:
    """Put a failed job back on its queue; its Job row goes back to 排队中."""
    registry = _failed_registry_of(job_id)
    try:
        registry.requeue(job_id)
    except NoSuchJobError:
        raise Invalid("任务数据已过期，无法重试") from None
    row = db.session.get(Job, job_id)
    if row is not None:
        row.state, row.error, row.progress, row.finished_at = QUEUED, None, 0, None
    audit.record("job.retry", object_type="job", object_id=job_id)
    db.session.commit()


def cancel(job_id: str) -> None:
    """Drop a failed job for good; its Job row says it was cancelled."""
    registry = _failed_registry_of(job_id)
    registry.remove(job_id, delete_job=True)
    row = db.session.get(Job, job_id)
    if row is not None:
        row.state, row.error, row.finished_at = FAILED, "已由管理员取消", utcnow()
    audit.record("job.cancel", object_type="job", object_id=job_id)
    db.session.commit()
