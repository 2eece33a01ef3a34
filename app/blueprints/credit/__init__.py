"""Staff pages of the public credit area: subjects, records, objections, repairs, reports, score models."""

from flask import Blueprint

bp = Blueprint("credit", __name__)

from app.blueprints.credit import routes  # noqa: E402,F401
