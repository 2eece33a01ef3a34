"""Visit logs (入户走访): 今日走访, the visit form, officers' lists, coverage, visit policies."""
from flask import Blueprint

bp = Blueprint("visits", __name__)

from app.blueprints.visits import routes  # noqa: E402,F401
from app.blueprints.visits.timeline import register  # noqa: E402

register()
