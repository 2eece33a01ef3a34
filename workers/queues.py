"""Named queues on Redis, or on one shared in-process fakeredis server when REDIS_URL is unset."""
import threading

import fakeredis
from redis import Redis
from rq import Queue, SimpleWorker, Worker
from rq.timeouts import TimerDeathPenalty

QUEUE_NAMES = ("reports", "dispatch", "default")

_lock = threading.Lock()
_connections: dict[str, Redis] = {}
_fake_server: fakeredis.FakeServer | None = None


def _shared_fake_server() -> fakeredis.FakeServer:
    global _fake_server
    with _lock:
        if _fake_server is None:
            _fake_server = fakeredis.FakeServer()
        return _fake_server


def redis_connection(app) -> Redis:
    """The Redis connection for this app's configuration (one per URL and process)."""
    url = app.config.get("REDIS_URL")
    with _lock:
        conn = _connections.get(url or "embedded")
    if conn is not None:
        return conn
    if url:
        conn = Redis.from_url(url, socket_connect_timeout=3, socket_timeout=10, health_check_interval=30)
    else:
        conn = fakeredis.FakeRedis(server=_shared_fake_server())
    with _lock:
        return _connections.setdefault(url or "embedded", conn)


def reset_connections() -> None:
    """Forget cached connections and the embedded server (tests start each app afresh)."""
    global _fake_server
    with _lock:
        _connections.clear()
        _fake_server = None


def get_queue(app, name: str = "default") -> Queue:
    """One of the named queues."""
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name}")
    return Queue(name, connection=redis_connection(app), default_timeout=app.config["JOB_TIMEOUT"])


class ThreadWorker(SimpleWorker):
    """An RQ worker that runs inside a thread: no signal handlers, timeouts by timer."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self):
        """Signals belong to the main thread; the web server handles them."""


def embedded_worker(app) -> ThreadWorker:
    """A worker on the app's connection listening to every queue."""
    conn = redis_connection(app)
    return ThreadWorker([Queue(name, connection=conn) for name in QUEUE_NAMES], connection=conn)


def start_embedded_worker(app) -> threading.Thread:
    """Run the same RQ worker code in a daemon thread next to the web server."""
    from workers.context import register_app

    def loop():
        register_app(app)  # per thread: jobs in this thread use the serving app
        embedded_worker(app).work(logging_level="WARNING")

    thread = threading.Thread(target=loop, name="embedded-rq-worker", daemon=True)
    thread.start()
    return thread


def drain(app) -> bool:
    """Run every queued job now in this thread (tests and CLI on the embedded queue)."""
    from workers.context import register_app

    register_app(app)
    return embedded_worker(app).work(burst=True, logging_level="WARNING")


def run_worker(app, queues=(), *, burst: bool = False, with_scheduler: bool = True) -> bool:
    """The production worker: forks a work horse per job, on REDIS_URL, for the named queues."""
    from workers.context import register_app

    register_app(app)
    if with_scheduler:
        from workers.scheduler import start_thread

        start_thread(app)  # periodic jobs; a Redis key keeps several workers from doubling them
    conn = redis_connection(app)
    names = queues or QUEUE_NAMES
    return Worker([Queue(name, connection=conn) for name in names], connection=conn,
                  job_monitoring_interval=app.config["JOB_HEARTBEAT_SECONDS"]).work(
        burst=burst, with_scheduler=with_scheduler, logging_level="INFO")
