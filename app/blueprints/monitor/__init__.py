"""Job monitor (机器人管理): workers, queues, failed jobs."""
from flask import Blueprint

bp = Blueprint("monitor", __name__)

from app.blueprints.monitor import routes  # noqa: E402,F401
