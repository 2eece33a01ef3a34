"""Test setup: a clean schema built by the migrations on SQLite or TEST_DATABASE_URL; fakeredis or TEST_REDIS_URL."""
import os
import re
import shutil
import socket
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import create_engine, inspect, text

from app import create_app
from app.config import TestConfig, normalize_database_url
from app.extensions import db
from tests.frozen import FROZEN_AT
from workers.queues import redis_connection, reset_connections

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")

# The whole run travels to one fixed China time (a Wednesday, office hours) before anything is built, so no
# result depends on when the suite runs; the clock ticks on from there. A test that needs another moment takes
# the `frozen_clock` fixture and moves it (`frozen_clock.move_to(...)`, `frozen_clock.shift(...)`).
@pytest.fixture(scope="session", autouse=True)
def _travel_to_frozen_time():
    """Start every session at FROZEN_AT."""
    with time_machine.travel(FROZEN_AT, tick=True):
        yield


@pytest.fixture
def frozen_clock():
    """A traveller the test may move; time returns to the session's timeline afterwards."""
    with time_machine.travel(datetime.now(UTC), tick=True) as traveller:
        yield traveller


def _reachable(url: str, default_port: int) -> str | None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or default_port
    try:
        with socket.create_connection((host, port), timeout=3):
            return None
    except OSError as exc:
        return f"{host}:{port} 无法连接（{exc}）"


def _migrate(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        db.engine.dispose()  # closing the last SQLite connection folds the WAL into the file we copy


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Build the schema once from empty with the migrations; SQLite tests copy the file."""
    if TEST_DATABASE_URL:
        problem = _reachable(TEST_DATABASE_URL, 5432)
        if problem:
            pytest.exit(f"TEST_DATABASE_URL 指向的 PostgreSQL {problem}；请启动数据库或取消该变量", returncode=3)
        engine = create_engine(normalize_database_url(TEST_DATABASE_URL))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        folder = tmp_path_factory.mktemp("pg")
        _migrate(create_app(TestConfig(folder, TEST_DATABASE_URL)))
        return TEST_DATABASE_URL
    folder = tmp_path_factory.mktemp("template")
    _migrate(create_app(TestConfig(folder, f"sqlite:///{folder / 'template.sqlite3'}")))
    return folder / "template.sqlite3"


@pytest.fixture(scope="session", autouse=True)
def redis_check():
    """A configured Redis must answer, else stop with a clear message rather than hang."""
    if TEST_REDIS_URL:
        problem = _reachable(TEST_REDIS_URL, 6379)
        if problem:
            pytest.exit(f"TEST_REDIS_URL 指向的 Redis {problem}；请启动 Redis 或取消该变量", returncode=3)


def _truncate_all(url: str) -> None:
    engine = create_engine(normalize_database_url(url))
    with engine.begin() as conn:
        tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
        if tables:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production; the test's context resumes afterwards."""

    def open(self, *args, **kwargs):
        holder = self.application.extensions["test_context"]
        if holder["ctx"] is None:  # a redirect followed inside an outer open()
            return super().open(*args, **kwargs)
        holder["ctx"].pop()
        holder["ctx"] = None
        try:
            return super().open(*args, **kwargs)
        finally:
            holder["ctx"] = self.application.app_context()
            holder["ctx"].push()


@pytest.fixture
def app(database_template, tmp_path):
    """A fresh app on a clean database and a clean queue; the test body runs inside an app context."""
    if TEST_DATABASE_URL:
        _truncate_all(TEST_DATABASE_URL)
        url = TEST_DATABASE_URL
    else:
        target = tmp_path / "test.sqlite3"
        shutil.copy(database_template, target)
        url = f"sqlite:///{target}"
    reset_connections()
    application = create_app(TestConfig(tmp_path, url))
    application.test_client_class = IsolatedClient
    if TEST_REDIS_URL:
        redis_connection(application).flushdb()
    holder = application.extensions["test_context"] = {"ctx": application.app_context()}
    holder["ctx"].push()
    try:
        yield application
    finally:
        db.session.remove()
        db.engine.dispose()
        holder["ctx"].pop()


@pytest.fixture
def demo(app):
    """The demo county and its accounts."""
    from fixtures.loader import load_demo

    load_demo()
    return app


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"|"X-CSRFToken":"([^"]+)"')


def csrf_token(client) -> str:
    """The CSRF token of the client's session, read from a rendered page like a browser would."""
    response = client.get("/login", follow_redirects=True)
    match = TOKEN_RE.search(response.get_data(as_text=True))
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def post(client, url: str, data: dict | None = None, *, key: str | None = None, headers=None, **kwargs):
    """POST like the portal's forms do: CSRF token and a fresh (or given) idempotency key."""
    import uuid

    form = {"csrf_token": csrf_token(client), "_idem": key or uuid.uuid4().hex}
    form.update(data or {})
    return client.post(url, data=form, headers=headers or {}, **kwargs)


def login(client, username: str, password: str | None = None, *, settle_password: bool = True):
    """Log in a demo user; by default mark the initial password as already changed."""
    from fixtures.loader import DEMO_PASSWORD
    from app.models.user import User

    if settle_password:
        user = db.session.execute(db.select(User).where(User.username == username)).scalar_one()
        user.must_change_password = False
        db.session.commit()
    response = post(client, "/login", {"username": username, "password": password or DEMO_PASSWORD})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response


def body(response) -> str:
    """Response text."""
    return response.get_data(as_text=True)


def worker_env(app, **extra) -> dict:
    """The environment a separate `python -m workers` process needs to share this test's database and keys."""
    return dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=TEST_REDIS_URL or "",
                PORTAL_INSTANCE_DIR=str(app.config["INSTANCE_DIR"]), PORTAL_FILES_DIR=str(app.config["FILES_DIR"]),
                SECRET_KEY=app.config["SECRET_KEY"], PORTAL_PII_KEY=app.config["PII_KEY"], **extra)


def project_root() -> Path:
    """The checkout's top folder."""
    return Path(__file__).resolve().parent.parent


class QueryCounter:
    """Counts SQL statements run on the app's engine while active (for fixed-query-count tests)."""

    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """Use as `with count_queries() as counter: ...`; counter.count is the number of statements."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return counting
