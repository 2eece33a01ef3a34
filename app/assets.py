"""Static files under content-hashed URLs, cached for a year."""
import hashlib
from pathlib import Path

from flask import request, url_for

ONE_YEAR = 365 * 24 * 3600
_hashes: dict[str, str] = {}


def content_hash(static_folder: str, filename: str) -> str:
    """First 12 hex digits of the file's SHA-256, computed once per process."""
    if filename not in _hashes:
        path = Path(static_folder) / filename
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.exists() else "missing"
        _hashes[filename] = digest
    return _hashes[filename]


def init_app(app) -> None:
    """`asset_url()` in templates; long cache headers on versioned static responses."""

    @app.template_global()
    def asset_url(filename: str) -> str:
        return url_for("static", filename=filename, v=content_hash(app.static_folder, filename))

    @app.after_request
    def cache_static(response):
        if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
            response.cache_control.public = True
            response.cache_control.max_age = ONE_YEAR
            response.cache_control.immutable = True
            response.cache_control.no_cache = None
        return response
