"""Ops tickets (运维工单): SLA clocks, escalation, supervisor review, worklog."""
from flask import Blueprint

bp = Blueprint("tickets", __name__)

from app.blueprints.tickets import routes  # noqa: E402,F401
