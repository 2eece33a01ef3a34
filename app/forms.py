"""Base form: CSRF is checked globally by CSRFProtect, so forms do not add a second token."""
from flask_wtf import FlaskForm


class PortalForm(FlaskForm):
    """All portal forms; templates add `form_guard()` for the CSRF token and idempotency key."""

    class Meta:
        csrf = False
        locales = ["zh_CN", "zh"]
