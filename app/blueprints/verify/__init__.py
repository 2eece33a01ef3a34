"""Public verification of printed credit reports (no login)."""

from flask import Blueprint

bp = Blueprint("verify", __name__)

from app.blueprints.verify import routes  # noqa: E402,F401
