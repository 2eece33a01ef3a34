"""Seconds from `kill -9` on a running job's work horse (or on its worker and horse) to 失败 on the job's page.

BENCH_REDIS_URL=redis://127.0.0.1:6379/3 [BENCH_DATABASE_URL=postgresql://…] python -m benchmarks.job_reconcile [runs]

A real `python -m workers` process runs the job; the portal's scheduler loop runs in this process with the
production settings (tick every 5 s, reconciler every PORTAL_RECONCILE_SECONDS, heartbeat every
PORTAL_JOB_HEARTBEAT_SECONDS); the page is polled through the app every 0.5 s like the job component does.
"""
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.common import dialect, fresh_app, print_table
from workers.context import portal_job

ROOT = Path(__file__).resolve().parent.parent


@portal_job
def held_job(ctx, hold_file: str):
    """Report the work horse's pid, then wait while the hold file exists (a long export)."""
    ctx.progress(30, f"pid={os.getpid()}")
    while Path(hold_file).exists():
        time.sleep(0.05)
    return {"message": "完成"}


_started: list[subprocess.Popen] = []


def _worker(app, redis_url: str) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=redis_url,
               PORTAL_INSTANCE_DIR=str(app.config["INSTANCE_DIR"]), PORTAL_FILES_DIR=str(app.config["FILES_DIR"]),
               SECRET_KEY=app.config["SECRET_KEY"], PORTAL_PII_KEY=app.config["PII_KEY"],
               PORTAL_JOB_HEARTBEAT_SECONDS=str(app.config["JOB_HEARTBEAT_SECONDS"]))
    env.pop("TEST_REDIS_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "workers", "--without-scheduler"], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _started.append(process)
    return process


def _horse_pid(app, job_id: str) -> int:
    from app.extensions import db
    from app.models.job import Job

    deadline = time.monotonic() + 120
    with app.app_context():
        while time.monotonic() < deadline:
            db.session.expire_all()
            row = db.session.get(Job, job_id)
            if row.state == "running" and row.message.startswith("pid="):
                return int(row.message[4:])
            time.sleep(0.1)
    raise RuntimeError("the job never started")


def _one_run(app, client, redis_url: str, worker, scenario: str, owner_id: int):
    from app.blueprints.jobs.services import start_job
    from app.extensions import db
    from app.models.user import User

    hold = Path(tempfile.mkstemp(prefix="portal-hold-")[1])
    if worker is None or worker.poll() is not None:
        worker = _worker(app, redis_url)
    with app.app_context():
        job = start_job("benchmarks.job_reconcile.held_job", kind="bench.held", title="长任务",
                        owner=db.session.get(User, owner_id), args=(str(hold),))
        job_id = job.id
    horse = _horse_pid(app, job_id)
    started = time.monotonic()
    if scenario == "worker+horse":
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    os.kill(horse, signal.SIGKILL)
    while "失败" not in client.get(f"/jobs/{job_id}", headers={"HX-Request": "true"}).get_data(as_text=True):
        time.sleep(0.5)
    hold.unlink()
    return time.monotonic() - started, worker


def main(runs: int = 3) -> None:
    from app.extensions import db
    from app.models.user import User
    from fixtures.loader import DEMO_PASSWORD, load_demo
    from workers.queues import redis_connection, reset_connections
    from workers.scheduler import PERIODIC, run_forever

    redis_url = os.environ["BENCH_REDIS_URL"]
    app = fresh_app()
    app.config.update(REDIS_URL=redis_url,
                      JOB_HEARTBEAT_SECONDS=int(os.environ.get("PORTAL_JOB_HEARTBEAT_SECONDS", 10)),
                      RECONCILE_SECONDS=int(os.environ.get("PORTAL_RECONCILE_SECONDS", 15)), WTF_CSRF_ENABLED=False)
    reset_connections()
    conn = redis_connection(app)
    conn.flushdb()
    for periodic in PERIODIC:  # only the reconciler is measured: other periodic jobs count as already enqueued
        conn.set(f"portal:periodic:{periodic.name}", "1", ex=3600)
    with app.app_context():
        load_demo()
        owner = db.session.execute(db.select(User).where(User.username == "county")).scalar_one()
        owner.must_change_password = False
        db.session.commit()
        owner_id = owner.id
    client = app.test_client()
    client.post("/login", data={"username": "county", "password": DEMO_PASSWORD, "_idem": "bench-login"})
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(app, stop), daemon=True).start()
    rows, worker = [], None
    try:
        for scenario in ("horse", "worker+horse"):
            samples = []
            for _ in range(runs):
                seconds, worker = _one_run(app, client, redis_url, worker, scenario, owner_id)
                samples.append(seconds)
            rows.append([scenario, runs, f"{min(samples):.1f}", f"{sum(samples) / runs:.1f}", f"{max(samples):.1f}"])
    finally:
        stop.set()
        for process in _started:
            if process.poll() is None:
                process.kill()
            process.wait()
    print(f"{dialect(app)}; Redis {redis_url}; heartbeat {app.config['JOB_HEARTBEAT_SECONDS']} s, reconciler every "
          f"{app.config['RECONCILE_SECONDS']} s, scheduler tick 5 s")
    print_table(["kill -9 on", "runs", "min s", "mean s", "max s"], rows)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
