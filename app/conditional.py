"""Conditional GETs (ETag / 304) for pages that show no personal data: a repeat view costs headers only."""
import hashlib
import re
from functools import wraps

from flask import make_response, request

# Per-rendering values that do not change what the page means: the CSRF token (re-signed every second, still
# valid for the session when the cached copy is used) and a form's idempotency key (a fresh one per rendering).
_VOLATILE = re.compile(rb'(name="(?:csrf_token|_idem)" value=")[^"]*(")|("X-CSRFToken":\s*")[^"]*(")')


def page_etag(body: bytes) -> str:
    """A weak validator of the page's meaning (volatile tokens left out)."""
    stable = _VOLATILE.sub(lambda m: b"".join(g for g in m.groups() if g), body)
    return hashlib.sha256(stable).hexdigest()[:32]


def conditional(view):
    """Answer 304 to a GET whose If-None-Match names the page as it would be rendered now."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        if request.method != "GET" or response.status_code != 200 or response.direct_passthrough:
            return response
        response.set_etag(page_etag(response.get_data()), weak=True)
        response.cache_control.no_cache = True  # always revalidate: a 304 costs no body but stays current
        return response.make_conditional(request)

    return wrapped
