"""Compress every response whatever its status: flask-compress alone skips anything outside 2xx.

A form sent back with its errors (422), a 403/404 page or a 500 page is as large as a normal page, and the grid
worker on a slow link waits for it just the same.
"""
from flask import Flask, Response

from app.extensions import compress

# Bodiless or not ours to touch: informational, No Content, Not Modified.
SKIPPED = {204, 304}


def compress_any_status(response: Response) -> Response:
    """Run flask-compress on a non-2xx response as if it were a 200, then put the real status back."""
    status = response.status_code
    if 200 <= status < 300 or status < 200 or status in SKIPPED:
        return response  # 2xx: flask-compress's own hook does it
    response.status_code = 200
    try:
        response = compress.after_request(response)
    finally:
        response.status_code = status
    return response


def init_app(app: Flask) -> None:
    """Register after flask-compress, so this runs just before it (Flask runs after_request hooks in reverse)."""
    app.after_request(compress_any_status)
