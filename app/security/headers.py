"""Security headers on every response, and no caching of pages that carry personal data."""
from flask import g, request, session

from app.security.redact import page_path

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


# Anonymous areas whose pages still show a person (the kiosk citizen, a verified report's holder).
PRIVATE_BLUEPRINTS = {"kiosk", "verify"}
# Sent when a session ends: the browser drops its HTTP cache and its storage (htmx's history cache included).
CLEAR_SITE_DATA = '"cache", "storage"'


def private_page() -> bool:
    """True for every staff page (signed in) and every kiosk or verification page: no cache may keep them."""
    if request.endpoint == "static":
        return False
    return request.blueprint in PRIVATE_BLUEPRINTS or _signed_in()


def _signed_in() -> bool:
    """Whether the request carries a staff session, without loading the user (the database may be down)."""
    user = g.get("_login_user")
    if user is not None:
        return bool(user.is_authenticated)
    return "_user_id" in session


def report_source() -> str:
    """The current page for the 报障 link, with personal query values removed before it enters any URL."""
    return page_path(request.full_path.rstrip("?"))


def clear_site_data(response):
    """Ask the browser to forget what it holds for the portal (after logout or an idle timeout)."""
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


def init_app(app) -> None:
    """Add CSP (no inline script), framing, sniffing and referrer rules; no-store on private pages."""
    app.add_template_global(private_page)
    app.add_template_global(report_source)

    @app.after_request
    def secure(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if private_page() or "Clear-Site-Data" in response.headers:
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("ETag", None)
        if app.config.get("PRODUCTION"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
