"""Data dispatch (数据自动分发): targets, reviewed releases, runs, dead letters."""
from flask import Blueprint

bp = Blueprint("dispatch", __name__)

from app.blueprints.dispatch import routes  # noqa: E402,F401
