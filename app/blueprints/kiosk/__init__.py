"""The self-service terminal: enrolled devices only, no staff login, a citizen sees only their own data."""

from flask import Blueprint

bp = Blueprint("kiosk", __name__)

from app.blueprints.kiosk import routes  # noqa: E402,F401
