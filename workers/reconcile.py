"""Settles the Job rows no `finally` will reach: a killed work horse, a dead worker, a job lost with Redis.

Runs on the scheduler's tick (at most once per RECONCILE_SECONDS across every scheduler, a Redis key decides).
Times are compared with the Redis server's clock, the one RQ's own timestamps come from.
"""
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq.job import Job as RQJob
from rq.job import JobStatus
from rq.queue import Queue

from workers.queues import redis_connection

log = logging.getLogger(__name__)

LOST = "任务在队列中丢失（队列服务曾重启），请重试"
CRASHED = "任务进程异常退出，请重试"
STALLED = "处理该任务的工作进程已停止响应，请重试"
TIMED_OUT = "任务超时未完成，请重试"
UNSAVED = "任务已结束但结果未能保存，请重试"
ABANDONED_RUN = "运行中断：处理进程已终止，未送达的事件将在下次运行时发送"
# A job whose RQ entry vanished right now may just be between commit and enqueue, or mid-dequeue: it counts as
# lost only when two ticks in a row see it missing.
SUSPECT_KEY = "portal:reconcile:suspect:{}"
TIMEOUT_GRACE = timedelta(seconds=60)
MAX_REQUEUES = 1
_ENDED = {JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}


@dataclass(frozen=True)
class Verdict:
    """What one tick decided about one row: `lost` rows wait for a second sighting; the others fail now."""

    job_id: str
    error: str
    lost: bool = False
    may_requeue: bool = False


def reconcile(app) -> dict:
    """Fail, or re-queue where safe, every active row whose RQ job is missing, failed, stalled or past its timeout."""
    from app.extensions import db
    from app.models.job import QUEUED, RUNNING, Job

    counts = {"failed": 0, "requeued": 0, "suspect": 0, "runs": 0}
    with app.app_context():
        counts["runs"] = _close_abandoned_dispatch_runs(app)
        conn = redis_connection(app)
        now = _redis_now(conn)
        rows = list(db.session.execute(db.select(Job).where(Job.state.in_((QUEUED, RUNNING)))).scalars())
        for row, rq_job in zip(rows, _fetch(conn, [row.id for row in rows])):
            try:
                outcome = _reconcile_one(app, conn, row, rq_job, now)
            except (RedisConnectionError, RedisTimeoutError):
                raise
            except Exception:  # one odd row must not keep the others stuck
                log.exception("reconciler: job %s", row.id)
                db.session.rollback()
                continue
            if outcome:
                counts[outcome] += 1
        db.session.remove()
    if counts["failed"] or counts["requeued"] or counts["runs"]:
        log.warning("reconciler: %s", counts)
    return counts


def _reconcile_one(app, conn, row, rq_job: RQJob | None, now: datetime) -> str | None:
    """What happened to one row this tick: 'failed', 'requeued', 'suspect' or nothing."""
    verdict = judge(app, conn, row, rq_job, now)
    if verdict is None:
        conn.delete(SUSPECT_KEY.format(row.id))
        return None
    if verdict.lost and conn.set(SUSPECT_KEY.format(row.id), "1", nx=True, ex=app.config["RECONCILE_SECONDS"] * 10):
        return "suspect"
    conn.delete(SUSPECT_KEY.format(row.id))
    return _settle(row, verdict)


def _fetch(conn, job_ids: list[str]) -> list[RQJob | None]:
    """The RQ jobs of these ids (None where missing); a damaged entry counts as missing."""
    if not job_ids:
        return []
    try:
        return RQJob.fetch_many(job_ids, connection=conn)
    except (RedisConnectionError, RedisTimeoutError):
        raise
    except Exception:  # e.g. a hash holding only a late heartbeat
        return [_fetch_one(conn, job_id) for job_id in job_ids]


def _fetch_one(conn, job_id: str) -> RQJob | None:
    try:
        return RQJob.fetch(job_id, connection=conn)
    except (RedisConnectionError, RedisTimeoutError):
        raise
    except Exception:
        return None


def _close_abandoned_dispatch_runs(app) -> int:
    """A dispatch run whose job was killed stays 'running'; once past the job timeout it cannot still be alive."""
    from app.clock import utcnow
    from app.extensions import db
    from app.models.dispatch import DispatchRun

    cutoff = utcnow() - timedelta(seconds=app.config["JOB_TIMEOUT"]) - TIMEOUT_GRACE
    closed = db.session.execute(
        db.update(DispatchRun).where(DispatchRun.status == "running", DispatchRun.started_at < cutoff)
        .values(status="failed", error=ABANDONED_RUN, finished_at=utcnow())).rowcount
    db.session.commit()
    return closed


def judge(app, conn, row, rq_job: RQJob | None, now: datetime) -> Verdict | None:
    """None while the row's RQ job looks alive; else why it will never settle by itself."""
    from app.models.job import QUEUED

    never_started = row.state == QUEUED
    if rq_job is None:
        return Verdict(row.id, LOST if never_started else CRASHED, lost=True, may_requeue=never_started)
    status = rq_job.get_status(refresh=False)
    if status in _ENDED:
        return Verdict(row.id, CRASHED, may_requeue=True)
    if status == JobStatus.FINISHED:
        return Verdict(row.id, UNSAVED)
    if status == JobStatus.QUEUED and not _waiting_in_queue(conn, rq_job):
        return Verdict(row.id, LOST, lost=True, may_requeue=True)
    if status == JobStatus.STARTED:
        started = _aware(rq_job.started_at)
        timeout = rq_job.timeout if rq_job.timeout and rq_job.timeout > 0 else app.config["JOB_TIMEOUT"]
        if started and now > started + timedelta(seconds=timeout) + TIMEOUT_GRACE:
            return Verdict(row.id, TIMED_OUT)
        if app.config.get("REDIS_URL") and _stalled(app, rq_job, now):
            return Verdict(row.id, STALLED, may_requeue=True)
    return None


def _stalled(app, rq_job: RQJob, now: datetime) -> bool:
    """A forking worker heartbeats its running job every JOB_HEARTBEAT_SECONDS; three missed beats mean it died.
    (The embedded worker runs jobs in its own thread without beats, and dies only with the process.)"""
    beat = _aware(rq_job.last_heartbeat) or _aware(rq_job.started_at)
    return beat is not None and now - beat > timedelta(seconds=3 * app.config["JOB_HEARTBEAT_SECONDS"])


def _waiting_in_queue(conn, rq_job: RQJob) -> bool:
    queue = Queue(rq_job.origin, connection=conn)
    return conn.lpos(queue.key, rq_job.id) is not None or \
        conn.lpos(queue.intermediate_queue_key, rq_job.id) is not None


def _settle(row, verdict: Verdict) -> str:
    """Re-queue an idempotent job once (a job that never started is always safe to run); else fail the row."""
    from app.blueprints.jobs.services import QueueUnavailable, enqueue_row, mark_failed
    from app.extensions import db
    from app.models.job import QUEUED, RUNNING, Job

    if verdict.may_requeue and row.idempotent and row.func and row.requeues < MAX_REQUEUES:
        claimed = db.session.execute(
            db.update(Job).where(Job.id == row.id, Job.state.in_((QUEUED, RUNNING)), Job.requeues == row.requeues)
            .values(state=QUEUED, requeues=row.requeues + 1, progress=0, started_at=None,
                    message="任务已自动重新排队")).rowcount
        db.session.commit()
        if claimed:
            db.session.refresh(row)
            try:
                enqueue_row(row, replace=True)
            except QueueUnavailable:
                return "failed"
            return "requeued"
    mark_failed(row.id, verdict.error)
    return "failed"


def _redis_now(conn) -> datetime:
    seconds, micros = conn.time()
    return datetime.fromtimestamp(seconds + micros / 1e6, UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
