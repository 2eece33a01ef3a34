"""Household archives (一户一档): list, household page, members, recycle bin, tag dictionary."""
from flask import Blueprint

bp = Blueprint("households", __name__)

from app.blueprints.households import admin_routes, routes  # noqa: E402,F401
