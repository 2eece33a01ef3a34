"""Background jobs: the Job row, the status component, a real worker, failures settle the row."""
import subprocess
import sys
import time

import openpyxl
import pytest

from app.extensions import db
from app.models.audit import AuditLog
from app.models.job import Job
from tests.conftest import TEST_REDIS_URL, body, login, post, project_root, worker_env
from workers.context import portal_job
from workers.queues import drain, start_embedded_worker
from tests.xlsx_checks import assert_printable


def _export(client):
    response = post(client, "/admin/audit/export", {"action": "auth"})
    assert response.status_code == 303
    job_id = response.headers["Location"].rsplit("/", 1)[-1]
    return job_id


def test_audit_export_job_runs_and_downloads(demo, client, app):
    login(client, "county")
    job_id = _export(client)
    queued = client.get(f"/jobs/{job_id}", headers={"HX-Request": "true"})
    assert "排队中" in body(queued) and 'hx-trigger="load delay:1s"' in body(queued)
    drain(app)
    done = client.get(f"/jobs/{job_id}", headers={"HX-Request": "true"})
    assert "已完成" in body(done) and "hx-trigger" not in body(done)
    download = client.get(f"/jobs/{job_id}/download")
    assert download.status_code == 200
    path = app.config["FILES_DIR"] / "check.xlsx"
    path.write_bytes(download.data)
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "编号"
    assert_printable(sheet, title_rows="$1:$1", title_cols="$A:$B")
    assert {r[3] for r in rows[1:]} == {"登录成功"} and {r[10] for r in rows[1:]} == {"auth.login"}
    assert db.session.execute(db.select(AuditLog).where(AuditLog.action == "job.download")).first()


def test_other_users_job_is_404(demo, client, app):
    login(client, "county")
    job_id = _export(client)
    other = app.test_client()
    login(other, "town")
    assert other.get(f"/jobs/{job_id}").status_code == 404
    assert other.get(f"/jobs/{job_id}/download").status_code == 404


@portal_job
def _exploding_job(ctx):
    ctx.progress(30, "半途")
    raise RuntimeError("boom")


def test_failed_job_settles_row_with_chinese_error(demo, app):
    from app.blueprints.jobs.services import start_job
    from app.models.user import User

    owner = db.session.execute(db.select(User).where(User.username == "county")).scalar_one()
    row = start_job(_exploding_job, kind="test", title="会失败的任务", owner=owner)
    drain(app)
    db.session.expire_all()
    row = db.session.get(Job, row.id)
    assert row.state == "failed" and row.progress == 30 and "处理出错" in row.error
    assert row.finished_at is not None


@pytest.mark.skipif(bool(TEST_REDIS_URL), reason="the embedded worker exists only when REDIS_URL is unset")
def test_embedded_worker_thread_runs_jobs(demo, client, app):
    """The same RQ code path `make run` uses: a worker thread on the shared queue."""
    login(client, "county")
    job_id = _export(client)
    start_embedded_worker(app)
    deadline = time.time() + 20
    while time.time() < deadline:
        db.session.expire_all()
        if db.session.get(Job, job_id).state == "done":
            break
        time.sleep(0.1)
    assert db.session.get(Job, job_id).state == "done"


@pytest.mark.realredis
@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs TEST_REDIS_URL (a real Redis) for a separate worker process")
def test_real_rq_worker_process_runs_the_job(demo, client, app):
    login(client, "county")
    job_id = _export(client)
    env = worker_env(app)
    result = subprocess.run([sys.executable, "-m", "workers", "--burst", "--without-scheduler"], env=env,
                            cwd=project_root(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    db.session.expire_all()
    row = db.session.get(Job, job_id)
    assert row.state == "done", (row.error, result.stderr[-2000:])
    assert client.get(f"/jobs/{job_id}/download").status_code == 200
