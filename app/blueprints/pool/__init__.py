"""The data resource pool (数据资源池): source imports, cross-check, conflict queue, field mapping."""
from flask import Blueprint

bp = Blueprint("pool", __name__)

from app.blueprints.pool import routes  # noqa: E402,F401
