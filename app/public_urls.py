"""Absolute addresses that leave the portal (QR codes, SMS, e-mail, enrollment links) from PORTAL_PUBLIC_URL.

Never from the request: a forged Host header would otherwise be printed into genuine reports and messages.
"""
from urllib.parse import urlsplit

from flask import current_app


def public_url(endpoint: str, **values) -> str:
    """The absolute URL of an endpoint under the configured public address (works in jobs too)."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def public_link(path: str) -> str:
    """A portal path (as stored in a notification's link) made absolute under the public address."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + "/" + path.lstrip("/")


def public_host_port() -> str:
    """host:port of the public address, for checks that refuse targets pointing back at the portal."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    return f"{base.hostname}:{base.port or (443 if base.scheme == 'https' else 80)}".lower()
