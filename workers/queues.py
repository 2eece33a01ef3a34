"""Named queues on Redis, or on one shared in-process fakeredis server when REDIS_URL is unset."""
import threading
import time

import fakeredis
from redis import Redis
from redis.backoff import NoBackoff
from redis.client import Pipeline
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry
from rq import Queue, SimpleWorker, Worker
from rq import worker_registration
from rq.timeouts import TimerDeathPenalty

QUEUE_NAMES = ("reports", "dispatch", "default")
# Web requests and the scheduler wait at most this long for Redis, so a hung Redis cannot hold a thread.
REDIS_TIMEOUT_SECONDS = 1.0
# After a failure every caller is answered at once for this long; then one call tries Redis again.
BREAKER_COOLDOWN_SECONDS = 5.0
# A worker heartbeats at least this often when idle; the monitor calls a worker silent for longer offline.
WORKER_TTL_SECONDS = 60

_lock = threading.Lock()
_connections: dict[str, Redis] = {}
_fake_server: fakeredis.FakeServer | None = None


class QueueDown(RedisConnectionError):
    """Redis failed a moment ago; answered without waiting for it again."""


class CircuitBreaker:
    """Open after a connection failure or timeout; closed again by the first call that succeeds."""

    def __init__(self, cooldown: float = BREAKER_COOLDOWN_SECONDS):
        self.cooldown = cooldown
        self.open_until = 0.0

    @property
    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def check(self) -> None:
        if self.is_open:
            raise QueueDown("任务队列暂不可用")

    def trip(self) -> None:
        self.open_until = time.monotonic() + self.cooldown

    def close(self) -> None:
        self.open_until = 0.0


class _FixedTimeouts(dict):
    """Connection settings RQ may not loosen: `Worker(connection=...)`, which the monitor builds to list workers,
    raises the socket timeout of the connection it is given to its own dequeue wait (minutes)."""

    def update(self, *args, **kwargs):
        values = dict(*args, **kwargs)
        values.pop("socket_timeout", None)
        super().update(values)


class _GuardedPipeline(Pipeline):
    breaker: CircuitBreaker

    def execute(self, raise_on_error: bool = True):
        self.breaker.check()
        try:
            result = super().execute(raise_on_error)
        except (RedisConnectionError, RedisTimeoutError):
            self.breaker.trip()
            raise
        self.breaker.close()
        return result


class GuardedRedis(Redis):
    """A Redis client with short timeouts, no retries and a circuit breaker shared by every caller."""

    breaker: CircuitBreaker

    def execute_command(self, *args, **options):
        self.breaker.check()
        try:
            result = super().execute_command(*args, **options)
        except (RedisConnectionError, RedisTimeoutError):
            self.breaker.trip()
            raise
        self.breaker.close()
        return result

    def pipeline(self, transaction=True, shard_hint=None) -> Pipeline:
        pipe = _GuardedPipeline(self.connection_pool, self.response_callbacks, transaction, shard_hint)
        pipe.breaker = self.breaker
        return pipe


def guarded_connection(url: str) -> GuardedRedis:
    """A client for web requests and the scheduler: answers or fails within about REDIS_TIMEOUT_SECONDS."""
    conn = GuardedRedis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                                 socket_timeout=REDIS_TIMEOUT_SECONDS, retry=Retry(NoBackoff(), 0),
                                 health_check_interval=30)
    conn.breaker = CircuitBreaker()
    conn.connection_pool.connection_kwargs = _FixedTimeouts(conn.connection_pool.connection_kwargs)
    return conn


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
        conn = guarded_connection(url)
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
    return ThreadWorker([Queue(name, connection=conn) for name in QUEUE_NAMES], connection=conn,
                        worker_ttl=WORKER_TTL_SECONDS)


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


class PortalWorker(Worker):
    """The forking RQ worker, which registers itself again when a Redis restart has forgotten it."""

    def heartbeat(self, timeout: int | None = None, pipeline=None):
        super().heartbeat(timeout, pipeline)
        if pipeline is None and self.birth_date is not None and \
                not self.connection.sismember(self.redis_workers_keys, self.key):
            with self.connection.pipeline() as pipe:
                pipe.hset(self.key, mapping=self.serialize())
                pipe.hset(self.key, "state", str(self.get_state()))
                worker_registration.register(self, pipe)
                pipe.expire(self.key, timeout or self.worker_ttl + 60)
                pipe.execute()


def run_worker(app, queues=(), *, burst: bool = False, with_scheduler: bool = True) -> bool:
    """The production worker: forks a work horse per job, on REDIS_URL, for the named queues."""
    from workers.context import register_app

    register_app(app)
    if with_scheduler:
        from workers.scheduler import start_thread

        start_thread(app)  # periodic jobs; a Redis key keeps several workers from doubling them
    # The worker's own client: its blocking dequeue waits longer than a web request may.
    conn = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=3, health_check_interval=30)
    names = queues or QUEUE_NAMES
    return PortalWorker([Queue(name, connection=conn) for name in names], connection=conn,
                        job_monitoring_interval=app.config["JOB_HEARTBEAT_SECONDS"],
                        worker_ttl=WORKER_TTL_SECONDS).work(
        burst=burst, with_scheduler=with_scheduler, logging_level="INFO")
