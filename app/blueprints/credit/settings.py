"""Credit settings and their defaults; each can be set in the app config (some via PORTAL_CREDIT_*)."""

import os

from flask import current_app

DEFAULTS = {
    # Publication windows in months from the decision date: (minimum, default, maximum).
    "CREDIT_WINDOW_NORMAL": (3, 12, 12),
    "CREDIT_WINDOW_SERIOUS": (6, 36, 36),
    "CREDIT_WINDOW_OTHER": (1, 36, 60),
    "CREDIT_OBJECTION_DAYS": 5,
    "CREDIT_REPAIR_DAYS": 10,
    "CREDIT_REPORT_VALID_DAYS": 30,
    "CREDIT_ATTACHMENT_MAX_BYTES": 5 * 1024 * 1024,
    "CREDIT_CODE_MINUTES": 5,
    "CREDIT_CODE_TRIES": 5,
    "CREDIT_KIOSK_QUERIES_PER_HOUR": 60,
    "CREDIT_SUBJECT_CODES_PER_HOUR": 5,
    "CREDIT_VERIFY_PER_MINUTE": 30,
}
_ENV = {
    "CREDIT_OBJECTION_DAYS": "PORTAL_CREDIT_OBJECTION_DAYS",
    "CREDIT_REPAIR_DAYS": "PORTAL_CREDIT_REPAIR_DAYS",
    "CREDIT_REPORT_VALID_DAYS": "PORTAL_CREDIT_REPORT_VALID_DAYS",
}


def setting(name: str):
    """App config first, then the environment (integers only), then the default."""
    if name in current_app.config:
        return current_app.config[name]
    env = _ENV.get(name)
    if env and os.environ.get(env, "").isdigit():
        return int(os.environ[env])
    return DEFAULTS[name]
