"""With the database unreachable every request answers a Chinese 503 (a fragment for htmx), /healthz JSON 503."""
import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from app import create_app
from app.config import TestConfig, normalize_database_url
from tests.conftest import TEST_DATABASE_URL, body, csrf_token, login

# A PostgreSQL port nobody listens on, or an SQLite file in a folder that does not exist.
UNREACHABLE = ("postgresql://postgres@127.0.0.1:1/portal" if TEST_DATABASE_URL
               else "sqlite:////nonexistent-folder/portal.sqlite3")
CHINESE_503 = "数据库暂时无法连接"


@pytest.fixture
def cut_off(demo, app, tmp_path):
    """A logged-in officer's browser (cookie and CSRF token) facing the portal once its database is gone."""
    browser = app.test_client()
    login(browser, "county")
    token = csrf_token(browser)
    cookie = browser.get_cookie("portal_session").value
    down = create_app(TestConfig(tmp_path / "down", UNREACHABLE))
    client = FlaskClient(down)
    client.set_cookie("portal_session", cookie)
    return client, token


def assert_chinese_503(response, *, fragment: bool = False):
    page = body(response)
    assert response.status_code == 503, page[:300]
    assert CHINESE_503 in page and "Internal Server Error" not in page
    assert ("<html" in page) is not fragment
    assert response.headers["Retry-After"]


@pytest.mark.parametrize("path", ["/", "/households/", "/admin/jobs/", "/credit/subjects", "/no-such-page"])
def test_logged_in_pages_answer_a_chinese_503(cut_off, path):
    client, _ = cut_off
    assert_chinese_503(client.get(path))
    assert_chinese_503(client.get(path, headers={"HX-Request": "true"}), fragment=True)


def test_a_form_post_answers_503_and_an_expired_form_still_gets_its_400(cut_off):
    client, token = cut_off
    assert_chinese_503(client.post("/notifications/read-all", data={"csrf_token": token, "_idem": "k" * 32},
                                   headers={"HX-Request": "true"}), fragment=True)
    refused = client.post("/notifications/read-all", data={"_idem": "k" * 32})
    assert refused.status_code in (400, 503) and "Internal Server Error" not in body(refused)


def test_anonymous_login_answers_503(app, tmp_path):
    client = FlaskClient(create_app(TestConfig(tmp_path / "down", UNREACHABLE)))
    page = client.get("/login")
    assert page.status_code in (200, 503) and "Internal Server Error" not in body(page)
    token = csrf_token(client)
    assert_chinese_503(client.post("/login", data={"csrf_token": token, "_idem": "a" * 32,
                                                  "username": "county", "password": "Qinghe#2026"}))


@pytest.mark.parametrize("cookie", [True, False])
def test_healthz_is_json_503_whatever_the_cookie(cut_off, tmp_path, cookie):
    client, _ = cut_off
    if not cookie:
        client = FlaskClient(client.application)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.is_json
    assert response.json["database"]["ok"] is False and response.json["status"] == "degraded"


def test_static_files_are_still_served(cut_off):
    client, _ = cut_off
    assert client.get("/static/css/app.css").status_code == 200


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="closes a PostgreSQL database to new connections")
def test_a_running_portal_answers_503_while_postgresql_refuses_and_recovers_after(demo, client, app):
    login(client, "county")
    assert client.get("/households/").status_code == 200
    name = app.config["SQLALCHEMY_DATABASE_URI"].rsplit("/", 1)[-1]
    admin = create_engine(normalize_database_url(TEST_DATABASE_URL.rsplit("/", 1)[0] + "/postgres"),
                          isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
        assert_chinese_503(client.get("/households/"))
        assert_chinese_503(client.get("/households/", headers={"HX-Request": "true"}), fragment=True)
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json["database"]["ok"] is False
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
    assert client.get("/households/").status_code == 200  # back without a restart
