"""Workbench and /healthz."""
from flask import jsonify

from app.blueprints.home import bp, services
from app.security.permissions import HOME_VIEW, requires
from app.web import render


@bp.route("/")
@requires(HOME_VIEW)
def index():
    """The user's workbench: what they may open."""
    return render("home/index.html")


@bp.route("/healthz")
def healthz():
    """Database and queue status as JSON; 503 when either is down."""
    database, queue = services.database_status(), services.queue_status()
    ok = database["ok"] and queue["ok"]
    return jsonify(status="ok" if ok else "degraded", database=database, queue=queue), 200 if ok else 503
