"""X-Forwarded-For counts only through the configured proxy hops; the login limit keys on that address."""
from flask.testing import FlaskClient

from app import create_app
from app.config import TestConfig
from app.extensions import db
from app.models.user import LoginAttempt
from fixtures.loader import DEMO_PASSWORD
from tests.conftest import csrf_token


def _portal(app, tmp_path, hops: int):
    config = TestConfig(tmp_path / f"hops{hops}", app.config["SQLALCHEMY_DATABASE_URI"])
    config.PROXY_HOPS = hops
    config.LOGIN_MAX_FAILURES_PER_ADDRESS = 3
    return create_app(config)


def _login(portal, forwarded: str, password: str):
    browser = FlaskClient(portal, use_cookies=True)
    headers = {"X-Forwarded-For": forwarded}
    browser.environ_base["REMOTE_ADDR"] = "10.0.0.1"  # the reverse proxy
    token = csrf_token(browser)
    return browser.post("/login", headers=headers, data={
        "csrf_token": token, "_idem": "k" * 32, "username": "grid", "password": password})


def _addresses():
    db.session.expire_all()
    return [a.address for a in db.session.execute(db.select(LoginAttempt).order_by(LoginAttempt.id)).scalars()]


def test_behind_one_proxy_each_client_has_its_own_limit(demo, tmp_path):
    portal = _portal(demo, tmp_path, hops=1)
    holder = demo.extensions["test_context"]
    holder["ctx"].pop()
    try:
        for _ in range(3):
            assert _login(portal, "192.0.2.7", "Wrong#Pass123").status_code == 422
        assert _login(portal, "192.0.2.7", "Wrong#Pass123").status_code == 429
        # Another citizen behind the same proxy is not locked out by the first one's failures.
        assert _login(portal, "192.0.2.8", "Wrong#Pass123").status_code == 422
        # A client-supplied extra entry is ignored: the proxy's own (rightmost) entry counts.
        assert _login(portal, "203.0.113.1, 192.0.2.7", DEMO_PASSWORD).status_code == 429
    finally:
        holder["ctx"] = demo.app_context()
        holder["ctx"].push()
    assert set(_addresses()) == {"192.0.2.7", "192.0.2.8"}


def test_without_configured_proxies_forwarded_headers_are_ignored(demo, tmp_path):
    portal = _portal(demo, tmp_path, hops=0)
    assert portal.config["PROXY_HOPS"] == 0
    holder = demo.extensions["test_context"]
    holder["ctx"].pop()
    try:
        for n in range(3):
            _login(portal, f"192.0.2.{n}", "Wrong#Pass123")
        assert _login(portal, "192.0.2.99", "Wrong#Pass123").status_code == 429
    finally:
        holder["ctx"] = demo.app_context()
        holder["ctx"].push()
    assert set(_addresses()) == {"10.0.0.1"}
