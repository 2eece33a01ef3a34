"""The reconciler settles job rows nobody else will: lost with Redis, a killed work horse, a killed worker."""
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from rq.job import Job as RQJob

from app.blueprints.jobs.services import start_job
from app.extensions import db
from app.models.job import Job
from app.models.user import User
from tests.conftest import TEST_REDIS_URL, body, login, post, project_root, worker_env
from tests.foundation.held_jobs import held_job
from workers import reconcile
from workers.queues import drain, embedded_worker, redis_connection
from workers.scheduler import PERIODIC, tick

HX = {"HX-Request": "true"}


def scheduler_tick(app) -> list[str]:
    """One scheduler round after RECONCILE_SECONDS; the periodic jobs count as enqueued by another scheduler."""
    conn = redis_connection(app)
    conn.delete("portal:periodic:reconcile")
    for periodic in PERIODIC:
        conn.set(f"portal:periodic:{periodic.name}", "1", ex=3600)
    return tick(app)


def row_of(job_id: str) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def county() -> User:
    return db.session.execute(db.select(User).where(User.username == "county")).scalar_one()


class Started:
    """The id of a started job (an ORM row would not outlive the test client's request contexts)."""

    def __init__(self, row: Job):
        self.id = row.id


def start_held(tmp_path, *, idempotent: bool = False, hold: bool = True) -> Started:
    hold_file = tmp_path / "hold"
    if hold:
        hold_file.write_text("")
    return Started(start_job(held_job, kind="test.held", title="长任务", owner=county(), args=(str(hold_file),),
                             idempotent=idempotent))


def lose_from_redis(app, job_id: str, how: str) -> None:
    """What a Redis restart without persistence does (everything gone), or only the job's own entry."""
    conn = redis_connection(app)
    if how == "flush":
        conn.flushdb()
    else:
        conn.delete(RQJob.key_for(job_id))


@pytest.mark.parametrize("how", ["flush", "job-entry"])
def test_a_queued_job_lost_with_redis_fails_on_the_second_tick_and_retries(demo, client, app, tmp_path, how):
    login(client, "county")
    row = start_held(tmp_path, hold=False)
    lose_from_redis(app, row.id, how)
    assert "reconcile" in scheduler_tick(app)
    assert row_of(row.id).state == "queued"  # one sighting may be a job between commit and enqueue
    scheduler_tick(app)
    settled = row_of(row.id)
    assert settled.state == "failed" and settled.error == reconcile.LOST
    page = body(client.get(f"/jobs/{row.id}", headers=HX))
    assert "失败" in page and "重试" in page and "hx-trigger" not in page
    again = post(client, f"/jobs/{row.id}/retry", headers=HX)
    assert again.status_code == 200 and "排队中" in body(again)
    drain(app)
    assert row_of(row.id).state == "done"


def test_an_idempotent_job_lost_before_it_started_is_requeued_once(demo, app, tmp_path):
    row = start_held(tmp_path, idempotent=True, hold=False)
    lose_from_redis(app, row.id, "job-entry")
    scheduler_tick(app)
    scheduler_tick(app)
    requeued = row_of(row.id)
    assert requeued.state == "queued" and requeued.requeues == 1
    drain(app)
    assert row_of(row.id).state == "done"
    # Lost a second time: the one automatic re-run is spent, the user decides.
    second = start_held(tmp_path, idempotent=True, hold=False)
    db.session.execute(db.update(Job).where(Job.id == second.id).values(requeues=1))
    db.session.commit()
    lose_from_redis(app, second.id, "job-entry")
    scheduler_tick(app)
    scheduler_tick(app)
    assert row_of(second.id).state == "failed"


def test_a_damaged_queue_entry_counts_as_lost_and_spares_the_other_rows(demo, app, tmp_path):
    damaged, healthy = start_held(tmp_path, hold=False), start_held(tmp_path, hold=False)
    conn = redis_connection(app)
    conn.delete(RQJob.key_for(damaged.id))
    conn.hset(RQJob.key_for(damaged.id), "last_heartbeat", "garbage")  # what a late heartbeat leaves behind
    scheduler_tick(app)
    scheduler_tick(app)
    assert row_of(damaged.id).state == "failed" and row_of(healthy.id).state == "queued"


def test_a_live_queued_job_is_left_alone(demo, app, tmp_path):
    row = start_held(tmp_path, hold=False)
    scheduler_tick(app)
    scheduler_tick(app)
    assert row_of(row.id).state == "queued"


def test_retry_is_only_for_the_owner_and_only_once(demo, client, app, tmp_path):
    row = start_held(tmp_path, hold=False)
    lose_from_redis(app, row.id, "flush")
    scheduler_tick(app)
    scheduler_tick(app)
    other = app.test_client()
    login(other, "town")
    assert post(other, f"/jobs/{row.id}/retry").status_code == 404
    login(client, "county")
    assert post(client, f"/jobs/{row.id}/retry").status_code == 303
    twice = post(client, f"/jobs/{row.id}/retry", headers=HX)
    assert "该任务已在排队或运行中" in body(twice)
    assert row_of(row.id).state == "queued"


@pytest.mark.skipif(bool(TEST_REDIS_URL), reason="the test clock drives the embedded queue's clock only")
def test_a_job_hung_past_its_timeout_fails(demo, client, app, tmp_path, frozen_clock):
    row = start_held(tmp_path)
    worker = embedded_worker(app)

    def work():
        from workers.context import register_app

        register_app(app)
        worker.work(burst=True, logging_level="WARNING")

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while row_of(row.id).state != "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    scheduler_tick(app)
    assert row_of(row.id).state == "running"
    frozen_clock.shift(timedelta(seconds=app.config["JOB_TIMEOUT"]) + reconcile.TIMEOUT_GRACE + timedelta(seconds=5))
    scheduler_tick(app)
    assert row_of(row.id).error == reconcile.TIMED_OUT
    (tmp_path / "hold").unlink()
    thread.join(30)


def test_a_dispatch_run_abandoned_by_a_killed_job_is_closed(demo, app, frozen_clock):
    from app.models.dispatch import DispatchRun, DispatchTarget

    target = DispatchTarget(name="民政局系统", department="县民政局")
    db.session.add(target)
    db.session.flush()
    run = DispatchRun(target_id=target.id)
    db.session.add(run)
    db.session.commit()
    run_id = run.id
    scheduler_tick(app)
    assert db.session.get(DispatchRun, run_id).status == "running"
    frozen_clock.shift(timedelta(seconds=app.config["JOB_TIMEOUT"]) + reconcile.TIMEOUT_GRACE + timedelta(seconds=5))
    scheduler_tick(app)
    db.session.expire_all()
    closed = db.session.get(DispatchRun, run_id)
    assert closed.status == "failed" and closed.error == reconcile.ABANDONED_RUN and closed.finished_at


# --- a real `python -m workers` process on real Redis, killed with SIGKILL -------------------------------------

HEARTBEAT = 1


@pytest.fixture
def real_worker(app):
    """Start `python -m workers` (forking RQ worker) beside the test; yields a function that starts one."""
    started = []
    app.config["JOB_HEARTBEAT_SECONDS"] = HEARTBEAT
    env = worker_env(app, PORTAL_JOB_HEARTBEAT_SECONDS=str(HEARTBEAT))

    def start():
        process = subprocess.Popen([sys.executable, "-m", "workers", "--without-scheduler"], env=env,
                                   cwd=project_root(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def horse_pid(job_id: str, timeout: float = 90) -> int:
    """The work horse's pid, which the held job writes into its progress message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = row_of(job_id)
        if row.state == "running" and row.message.startswith("pid="):
            return int(row.message[4:])
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} never started: {row.state} {row.error}")


def wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def rq_status(app, job_id: str):
    return RQJob.fetch(job_id, connection=redis_connection(app)).get_status()


needs_real_redis = pytest.mark.skipif(not TEST_REDIS_URL, reason="needs TEST_REDIS_URL for a separate worker process")


@pytest.mark.realredis
@needs_real_redis
def test_a_killed_work_horse_settles_within_two_ticks_and_retries(demo, client, app, tmp_path, real_worker):
    login(client, "county")
    worker = real_worker()
    row = start_held(tmp_path)
    os.kill(horse_pid(row.id), signal.SIGKILL)  # what the OOM killer does
    wait_for(lambda: rq_status(app, row.id) != "started")
    scheduler_tick(app)
    scheduler_tick(app)
    settled = row_of(row.id)
    assert settled.state == "failed" and settled.error == reconcile.CRASHED
    page = body(client.get(f"/jobs/{row.id}", headers=HX))
    assert "失败" in page and "重试" in page and "hx-trigger" not in page
    assert worker.poll() is None  # the worker itself lives on and takes the retry
    (tmp_path / "hold").unlink()
    assert "排队中" in body(post(client, f"/jobs/{row.id}/retry", headers=HX))
    wait_for(lambda: row_of(row.id).state == "done", 60)


@pytest.mark.realredis
@needs_real_redis
def test_a_killed_worker_and_horse_settle_within_two_ticks(demo, client, app, tmp_path, real_worker):
    login(client, "county")
    worker = real_worker()
    row = start_held(tmp_path)
    horse = horse_pid(row.id)
    worker.send_signal(signal.SIGKILL)
    os.kill(horse, signal.SIGKILL)
    worker.wait(timeout=30)
    assert rq_status(app, row.id) == "started"  # nobody is left to tell RQ
    time.sleep(3 * HEARTBEAT + 1)  # three missed heartbeats
    scheduler_tick(app)
    scheduler_tick(app)
    settled = row_of(row.id)
    assert settled.state == "failed" and settled.error == reconcile.STALLED
    assert "失败" in body(client.get(f"/jobs/{row.id}", headers=HX))


@pytest.mark.realredis
@needs_real_redis
def test_an_idempotent_job_whose_horse_died_runs_once_more_then_fails(demo, app, tmp_path, real_worker):
    real_worker()
    row = start_held(tmp_path, idempotent=True)
    first = horse_pid(row.id)
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: rq_status(app, row.id) != "started")
    scheduler_tick(app)
    scheduler_tick(app)
    assert row_of(row.id).requeues == 1
    wait_for(lambda: row_of(row.id).message.startswith("pid=") and row_of(row.id).message != f"pid={first}", 90)
    os.kill(horse_pid(row.id), signal.SIGKILL)
    wait_for(lambda: rq_status(app, row.id) != "started")
    scheduler_tick(app)
    scheduler_tick(app)
    assert row_of(row.id).state == "failed"
