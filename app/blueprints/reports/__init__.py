"""One-click statistical reports (报表一键生成) and the report archive."""
from flask import Blueprint

bp = Blueprint("reports", __name__)

from app.blueprints.reports import routes  # noqa: E402,F401
