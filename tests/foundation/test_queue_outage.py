"""Redis hung or down: short timeouts, a circuit breaker that answers at once, pages that degrade in Chinese."""
import socket
import subprocess
import sys
import threading
import time

import pytest

from app.extensions import db
from app.models import credit as C
from app.models.job import Job
from tests.conftest import TEST_REDIS_URL, body, login, post, project_root, worker_env
from workers.queues import REDIS_TIMEOUT_SECONDS, redis_connection

HX = {"HX-Request": "true"}
DOWN = "任务队列暂不可用"


class SilentServer:
    """A TCP server that accepts connections and never answers: a hung (SIGSTOPped) Redis."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self):
        self.running = False
        self.sock.close()
        for conn in self.accepted:
            conn.close()


def closed_port() -> int:
    """A port nothing listens on (bound once, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(params=["hung", "down"])
def broken_redis(request, demo, app):
    """The app's REDIS_URL pointing at a Redis that hangs, or at a closed port."""
    server = SilentServer() if request.param == "hung" else None
    port = server.port if server else closed_port()
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    yield server
    if server:
        server.close()


def export(client) -> str:
    """Ask for an export; the page the user lands on."""
    response = post(client, "/admin/audit/export", {"action": "auth"})
    assert response.status_code == 303
    return body(client.get(response.headers["Location"]))


def test_the_web_client_waits_one_second_at_most_and_keeps_it(demo, app):
    """RQ's Worker(...) (built by the monitor to list workers) raises a connection's socket timeout to minutes."""
    from rq import Worker

    if not TEST_REDIS_URL:
        pytest.skip("the embedded queue has no sockets")
    conn = redis_connection(app)
    Worker.all(connection=conn)
    Worker([], connection=conn)
    kwargs = conn.connection_pool.connection_kwargs
    assert kwargs["socket_timeout"] == REDIS_TIMEOUT_SECONDS == kwargs["socket_connect_timeout"]


def test_starting_a_job_answers_queue_unavailable_and_the_breaker_spares_redis(broken_redis, client, app):
    login(client, "county")
    first = export(client)
    assert DOWN in first
    connections = len(broken_redis.accepted) if broken_redis else 0
    for _ in range(5):  # while the breaker is open nobody waits on Redis again
        assert DOWN in export(client)
    if broken_redis:
        assert len(broken_redis.accepted) == connections
    rows = db.session.execute(db.select(Job).where(Job.kind == "audit_export")).scalars().all()
    assert len(rows) == 6 and {r.state for r in rows} == {"failed"}


def test_healthz_and_the_monitor_degrade(broken_redis, client, app):
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["queue"]["ok"] is False and health.json["database"]["ok"]
    login(client, "admin")
    page = client.get("/admin/jobs/")
    assert page.status_code == 200 and DOWN in body(page) and "没有在线的工作进程" not in body(page)
    assert 'hx-trigger="every 10s"' in body(client.get("/admin/jobs/", headers=HX))


def test_a_credit_report_is_numbered_without_redis_and_fails_visibly(broken_redis, client, app):
    subject_id = db.session.execute(db.select(db.func.min(C.CreditSubject.id))).scalar()
    login(client, "credit")
    response = post(client, f"/credit/subjects/{subject_id}/reports", {})
    assert response.status_code == 303
    assert DOWN in body(client.get(response.headers["Location"]))
    report = db.session.execute(db.select(C.CreditReport).order_by(C.CreditReport.id.desc())).scalars().first()
    assert report.number.endswith("00001") and report.state == C.REPORT_FAILED


def test_rate_limited_pages_answer_a_chinese_503(broken_redis, client):
    response = client.get("/verify/2026061700001?c=x")
    assert response.status_code in (404, 503) and "Internal Server Error" not in body(response)
    if response.status_code == 503:
        assert DOWN in body(response)


def test_report_numbers_are_unique_across_threads(demo, app):
    """Two web processes issuing at once: the database counter hands out each number once."""
    from app.sequences import next_value

    numbers, errors = [], []

    def issue():
        with app.app_context():
            try:
                for _ in range(10):
                    numbers.append(next_value("test-sequence"))
                    db.session.commit()
            except Exception as exc:  # shown by the assertion
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and sorted(numbers) == list(range(1, 21))


@pytest.mark.realredis
@pytest.mark.skipif(not TEST_REDIS_URL, reason="needs TEST_REDIS_URL for a separate worker process")
def test_the_monitor_sees_the_worker_again_after_a_redis_restart(demo, client, app):
    env = worker_env(app)
    worker = subprocess.Popen([sys.executable, "-m", "workers", "--without-scheduler"], env=env, cwd=project_root(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        login(client, "admin")

        def online() -> bool:
            page = body(client.get("/admin/jobs/"))
            return "reports、dispatch、default" in page and "没有在线的工作进程" not in page

        deadline = time.monotonic() + 60
        while not online():
            assert time.monotonic() < deadline, "the worker never showed up"
            time.sleep(0.3)
        # A restart without persistence: every key is gone and every client connection is cut.
        conn = redis_connection(app)
        conn.flushdb()
        conn.client_kill_filter(_type="normal", skipme=True)
        assert "没有在线的工作进程" in body(client.get("/admin/jobs/"))
        deadline = time.monotonic() + 60
        while not online():
            assert time.monotonic() < deadline, "the worker did not register again"
            time.sleep(0.3)
        assert worker.poll() is None
    finally:
        worker.terminate()
        worker.wait(timeout=30)
