"""Periodic jobs: enqueued at most once per interval across every scheduler process (a Redis key decides)."""
import logging
import threading
from dataclasses import dataclass

from workers.queues import get_queue, redis_connection

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    """A job function enqueued every `seconds` on `queue`."""

    name: str
    func: str
    seconds: int
    queue: str = "default"


PERIODIC: list[Periodic] = [
    Periodic("dispatch-tick", "workers.dispatch.dispatch_tick", 30, "dispatch"),
    # SLA risk is computed at read time; this only finds 75% / breach crossings to notify (each once).
    Periodic("ticket-escalation", "workers.tickets.escalate", 60, "default"),
    # Only last month's missing workbooks are made, so running it often is cheap and catches up after downtime.
    # Credit objection/repair deadlines on the working-day calendar escalate once per overdue step.
    Periodic("credit-deadlines", "workers.credit.escalate_overdue", 300, "default"),
    Periodic("monthly-reports", "workers.reports.monthly_reports", 6 * 3600, "reports"),
]


def register(periodic: Periodic) -> None:
    """Add a periodic job (areas call this at import of their worker module)."""
    if all(p.name != periodic.name for p in PERIODIC):
        PERIODIC.append(periodic)


def tick(app) -> list[str]:
    """Enqueue every periodic job whose interval has passed, and settle stuck job rows; safe from many processes."""
    conn = redis_connection(app)
    started = []
    # Inline, not as a job: the reconciler must work when no worker is left to run jobs.
    if conn.set("portal:periodic:reconcile", "1", nx=True, ex=app.config["RECONCILE_SECONDS"]):
        from workers.reconcile import reconcile

        reconcile(app)
        started.append("reconcile")
    for periodic in PERIODIC:
        # SET NX EX: only the first scheduler in each interval wins, however many run.
        if conn.set(f"portal:periodic:{periodic.name}", "1", nx=True, ex=periodic.seconds):
            get_queue(app, periodic.queue).enqueue(periodic.func, job_timeout=app.config["JOB_TIMEOUT"],
                                                   result_ttl=3600, failure_ttl=86400)
            started.append(periodic.name)
    return started


def run_forever(app, stop: threading.Event, every: float = 5.0) -> None:
    """Tick until stopped; errors are logged and the loop goes on."""
    while not stop.is_set():
        try:
            tick(app)
        except Exception:  # Redis hiccup: try again next round
            log.exception("periodic tick failed")
        stop.wait(every)


def start_thread(app) -> threading.Event:
    """Run the scheduler in a daemon thread (flask serve on the embedded queue, flask worker in production)."""
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(app, stop), name="portal-scheduler", daemon=True).start()
    return stop
