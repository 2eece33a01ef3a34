"""Credit settings and their defaults; each can be set in the app config (some via PORTAL_CREDIT_*)."""

import os

from flask import current_app

DEFAULTS = {
    # Publication windows in months from the decision date: (shortest, default, longest). The 失信 classes
    # follow 信用修复管理办法 (Order 36): 轻微 at most 3, 一般 3-12, 严重 12-36 months.
    "CREDIT_WINDOW_MINOR": (0, 3, 3),
    "CREDIT_WINDOW_NORMAL": (3, 12, 12),
    "CREDIT_WINDOW_SERIOUS": (12, 36, 36),
    "CREDIT_WINDOW_OTHER": (1, 36, 60),
    # Objections: the credit office checks within N working days, the department answers within M.
    "CREDIT_OBJECTION_CHECK_DAYS": 2,
    "CREDIT_OBJECTION_DAYS": 5,
    # Usernames of the credit office head(s) who receive escalations; empty: every credit officer.
    "CREDIT_OFFICE_HEADS": "",
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
    "CREDIT_OBJECTION_CHECK_DAYS": "PORTAL_CREDIT_OBJECTION_CHECK_DAYS",
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
    if name == "CREDIT_OFFICE_HEADS" and os.environ.get("PORTAL_CREDIT_OFFICE_HEADS"):
        return os.environ["PORTAL_CREDIT_OFFICE_HEADS"]
    return DEFAULTS[name]
