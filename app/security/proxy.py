"""Client addresses behind a reverse proxy: X-Forwarded-* is believed only for the configured number of hops."""
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app) -> None:
    """Wrap the app in ProxyFix when PORTAL_PROXY_HOPS > 0; with 0 (direct exposure) the headers are ignored.

    Each trusted proxy appends the address it saw; ProxyFix takes the one `hops` from the right, so a client
    cannot pick its own address by sending X-Forwarded-For itself."""
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
