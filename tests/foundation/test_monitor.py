"""Job monitor: workers online, queue depths, failed jobs with retry and cancel."""
import os
import subprocess
import sys
import time

import pytest

from app.blueprints.jobs.services import start_job
from app.extensions import db
from app.models.job import Job
from app.models.user import User
from tests.conftest import TEST_REDIS_URL, body, login, post, project_root, worker_env
from workers.context import portal_job
from workers.queues import drain, start_embedded_worker


@portal_job
def _fails_once(ctx, marker_path: str):
    """Fails on the first run, succeeds when retried (the marker file remembers)."""
    if not os.path.exists(marker_path):
        open(marker_path, "w").close()
        raise RuntimeError("first run fails")
    return {"message": "retried fine"}


def _failed_job(app, tmp_path):
    owner = db.session.execute(db.select(User).where(User.username == "admin")).scalar_one()
    row = start_job(_fails_once, kind="test", title="测试任务", owner=owner, args=(str(tmp_path / "marker"),))
    drain(app)
    return row.id


def test_monitor_is_admin_only(demo, client):
    login(client, "grid")
    assert client.get("/admin/jobs/").status_code == 403


def test_failed_job_listed_then_retried(demo, client, app, tmp_path):
    job_id = _failed_job(app, tmp_path)
    login(client, "admin")
    page = body(client.get("/admin/jobs/"))
    # The kind and the error type only: titles and error messages can quote residents.
    assert "RuntimeError" in page and "first run fails" not in page and "测试任务" not in page
    assert post(client, f"/admin/jobs/failed/{job_id}/retry").status_code == 303
    db.session.expire_all()
    assert db.session.get(Job, job_id).state == "queued"
    drain(app)
    db.session.expire_all()
    assert db.session.get(Job, job_id).state == "done"
    assert "没有失败任务" in body(client.get("/admin/jobs/"))


def test_failed_job_cancelled(demo, client, app, tmp_path):
    job_id = _failed_job(app, tmp_path)
    login(client, "admin")
    post(client, f"/admin/jobs/failed/{job_id}/cancel")
    db.session.expire_all()
    assert db.session.get(Job, job_id).error == "已由管理员取消"
    again = post(client, f"/admin/jobs/failed/{job_id}/cancel", follow_redirects=True)
    assert "不在失败列表中" in body(again)


@pytest.mark.skipif(bool(TEST_REDIS_URL), reason="the embedded worker exists only when REDIS_URL is unset")
def test_embedded_worker_is_listed(demo, client, app):
    start_embedded_worker(app)
    login(client, "admin")
    deadline = time.time() + 10
    while time.time() < deadline and "空闲" not in body(client.get("/admin/jobs/")):
        time.sleep(0.2)
    assert "reports、dispatch、default" in body(client.get("/admin/jobs/"))


@pytest.mark.realredis
@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs TEST_REDIS_URL for a separate worker process")
def test_real_worker_process_is_listed(demo, client, app):
    env = worker_env(app)
    worker = subprocess.Popen([sys.executable, "-m", "workers", "--without-scheduler"], env=env, cwd=project_root(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        login(client, "admin")
        deadline = time.time() + 30
        page = ""
        while time.time() < deadline:
            page = body(client.get("/admin/jobs/"))
            if "没有在线的工作进程" not in page:
                break
            time.sleep(0.3)
        assert "没有在线的工作进程" not in page
        assert "reports、dispatch、default" in page
    finally:
        worker.terminate()
        worker.wait(timeout=30)
