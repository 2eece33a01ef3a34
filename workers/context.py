"""The wrapper every job runs in: its own app context, and a Job row that is always settled."""
import functools
import logging
import os
import threading
import traceback
from pathlib import Path

from app.clock import utcnow
from app.security.redact import mask_numbers

log = logging.getLogger(__name__)
_registered = threading.local()
_process_app = None
_pool_pid: int | None = None


def register_app(app) -> None:
    """Jobs run in this thread use this app (the embedded worker and tests)."""
    global _pool_pid
    _registered.app = app
    _pool_pid = os.getpid()


def job_app():
    """The app jobs run with: the registered one, or one built from the environment once per process."""
    global _process_app, _pool_pid
    app = getattr(_registered, "app", None)
    if app is not None:
        return app
    if _process_app is None:
        from app import create_app

        _process_app = create_app()
        _pool_pid = os.getpid()
    return _process_app


class JobContext:
    """What a running job may do to its own row: report progress and save its result file."""

    def __init__(self, job_id: str, app):
        self.job_id = job_id
        self.app = app

    def progress(self, percent: int, message: str = "") -> None:
        """Store progress on a separate connection, so pollers see it at once and a streaming read stays open."""
        from app.extensions import db
        from app.models.job import Job

        values = {"progress": max(0, min(100, int(percent)))}
        if message:
            values["message"] = message[:255]
        with db.engine.begin() as conn:
            conn.execute(db.update(Job).where(Job.id == self.job_id).values(**values))

    def result_file(self, filename: str) -> Path:
        """A path in the files folder for this job's result; the row points to it when the job ends."""
        folder = Path(self.app.config["FILES_DIR"]) / "jobs" / self.job_id
        folder.mkdir(parents=True, exist_ok=True)
        return folder / filename


def _settle(job_id: str, *, state: str, error: str | None = None, result: dict | None = None,
            error_kind: str | None = None) -> None:
    from app.extensions import db
    from app.models.job import DONE, Job

    db.session.rollback()
    row = db.session.get(Job, job_id)
    if row is None:
        return
    row.state = state
    row.finished_at = utcnow()
    if error:
        row.error = error[:4000]
        row.error_kind = error_kind
    if result:
        row.result_path = result.get("path", row.result_path)
        row.result_name = result.get("name", row.result_name)
        row.message = result.get("message", row.message)[:255]
    if state == DONE:
        row.progress = 100
    else:
        from app.blueprints.jobs.services import run_failure_hooks

        run_failure_hooks(row)
    db.session.commit()


def portal_job(func):
    """Decorate a job function taking (ctx, *plain_args): runs it in an app context and settles its row."""

    @functools.wraps(func)
    def run(job_id: str, *args, **kwargs):
        from app.extensions import db
        from app.models.job import DONE, FAILED, INPUT_ERROR, RUNNING, Job

        app = job_app()
        with app.app_context():
            _fresh_pool_after_fork(db)
            row = db.session.get(Job, job_id)
            if row is None:
                raise LookupError(f"job row {job_id} missing")
            row.state, row.started_at = RUNNING, utcnow()
            db.session.commit()
            state, error, result, error_kind = FAILED, "任务意外中断", None, None
            try:
                result = func(JobContext(job_id, app), *args, **kwargs) or {}
                state, error = DONE, None
                return result.get("message", "")
            except UserFacingJobError as exc:
                error, error_kind = mask_numbers(str(exc)), INPUT_ERROR
                raise
            except BaseException as exc:  # timeouts arrive as exceptions too
                # Exception texts may quote a row of a department file: the log gets its numbers masked.
                log.error("job %s failed: %s", job_id, mask_numbers(traceback.format_exc()))
                error = f"处理出错（{type(exc).__name__}）"
                raise
            finally:
                _settle(job_id, state=state, error=error, result=result, error_kind=error_kind)
                db.session.remove()

    return run


def _fresh_pool_after_fork(db) -> None:
    """A forked work horse must not reuse the parent's database connections."""
    global _pool_pid
    if _pool_pid != os.getpid():
        db.engine.dispose(close=False)
        _pool_pid = os.getpid()


def run_scan(scan) -> int:
    """Run a periodic `scan(now)` (no Job row: the scheduler enqueues it) in the worker's own app context."""
    from app.extensions import db

    with job_app().app_context():
        _fresh_pool_after_fork(db)
        try:
            return scan(utcnow())
        finally:
            db.session.remove()


class UserFacingJobError(Exception):
    """A failure the user can fix (their file, their data): the Chinese message is shown as it is, with no
    advice to call the ops team."""


def settle_after_crash(job, connection, type_=None, value=None, traceback_=None):
    """RQ failure callback: settles the row even when the work horse died before `finally` ran."""
    from app.models.job import FAILED, Job

    app = job_app()
    with app.app_context():
        from app.extensions import db

        row = db.session.get(Job, job.id)
        if row is not None and row.is_running:
            _settle(job.id, state=FAILED, error="任务进程异常退出")
        db.session.remove()


def system_job(func):
    """Decorate a job that no user started (dispatch, scans): it runs in an app context and cleans up."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        from app.extensions import db

        app = job_app()
        with app.app_context():
            _fresh_pool_after_fork(db)
            try:
                return func(*args, **kwargs)
            finally:
                db.session.remove()

    return run
