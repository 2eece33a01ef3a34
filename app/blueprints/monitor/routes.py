"""Job monitor pages."""
from flask import abort, url_for

from app.blueprints.monitor import bp, services
from app.security.permissions import JOBS_MONITOR, requires
from app.web import attempt, render


@bp.route("/")
@requires(JOBS_MONITOR)
def index():
    """Workers, queue depths and failed jobs; the panel refreshes itself every 10 seconds."""
    try:
        state = {"workers": services.workers(), "queues": services.queues(), "failed": services.failed_jobs()}
    except services.QUEUE_ERRORS:  # Redis down or hung: say so, and keep refreshing until it is back
        state = {"workers": [], "queues": [], "failed": [], "queue_down": True}
    return render("monitor/index.html", "monitor/_panel.html", **state)


@bp.route("/failed/<job_id>/<action>", methods=["POST"])
@requires(JOBS_MONITOR)
def failed(job_id: str, action: str):
    """Requeue (retry) or drop (cancel) a failed job."""
    handlers = {"retry": (services.retry, "任务已重新排队"), "cancel": (services.cancel, "任务已取消")}
    if action not in handlers:
        abort(404)
    handler, message = handlers[action]
    return attempt(lambda: handler(job_id), message, url_for("monitor.index"))
