"""CSRF, idempotent double submit, size limits, error pages, security headers, health check."""
import uuid

from app.extensions import db
from app.models.audit import AuditLog
from app.models.region import Region
from app.models.user import User
from tests.conftest import body, csrf_token, login, post


def _count(model, *where):
    return db.session.execute(db.select(db.func.count()).select_from(model).where(*where)).scalar_one()


def test_post_without_csrf_token_is_refused_and_audited(demo, client):
    login(client, "county")
    parent = db.session.execute(db.select(Region).where(Region.code == "330127001")).scalar_one()
    response = client.post(f"/admin/regions/{parent.id}/children",
                           data={"code": "330127001888", "name": "无令牌村", "_idem": uuid.uuid4().hex})
    assert response.status_code == 400
    assert "CSRF" in body(response)
    assert _count(Region, Region.code == "330127001888") == 0
    assert _count(AuditLog, AuditLog.action == "security.csrf_rejected") == 1


def test_csrf_token_in_header_is_accepted(demo, client):
    login(client, "county")
    parent = db.session.execute(db.select(Region).where(Region.code == "330127001")).scalar_one()
    response = client.post(f"/admin/regions/{parent.id}/children",
                           data={"code": "330127001887", "name": "头部令牌村", "_idem": uuid.uuid4().hex},
                           headers={"X-CSRFToken": csrf_token(client), "HX-Request": "true"})
    assert response.status_code == 303
    assert _count(Region, Region.code == "330127001887") == 1


def test_double_submit_creates_one_record(demo, client):
    login(client, "county")
    parent = db.session.execute(db.select(Region).where(Region.code == "330127001")).scalar_one()
    key = uuid.uuid4().hex
    data = {"code": "330127001777", "name": "双击村"}
    first = post(client, f"/admin/regions/{parent.id}/children", data, key=key)
    second = post(client, f"/admin/regions/{parent.id}/children", data, key=key)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert second.headers.get("Idempotent-Replay") == "true"
    assert _count(Region, Region.code == "330127001777") == 1
    assert _count(AuditLog, AuditLog.action == "region.create") == 1


def test_double_submit_of_a_rendered_result_replays_it(demo, client):
    """Creating a user renders the initial password; the replay shows the same page, not a second user."""
    login(client, "county")
    grid = db.session.execute(db.select(Region).where(Region.code == "330127001001001")).scalar_one()
    key = uuid.uuid4().hex
    data = {"username": "twice", "display_name": "重复提交", "role": "grid_worker", "region_id": grid.id}
    first = post(client, "/admin/users/new", data, key=key)
    second = post(client, "/admin/users/new", data, key=key)
    assert first.status_code == second.status_code == 200
    assert body(first) == body(second)
    assert _count(User, User.username == "twice") == 1


def test_failed_validation_releases_the_key(demo, client):
    login(client, "county")
    parent = db.session.execute(db.select(Region).where(Region.code == "330127001")).scalar_one()
    key = uuid.uuid4().hex
    bad = post(client, f"/admin/regions/{parent.id}/children", {"code": "12", "name": "短码村"}, key=key)
    assert bad.status_code == 422 and "6–20 位数字" in body(bad)
    good = post(client, f"/admin/regions/{parent.id}/children", {"code": "330127001666", "name": "短码村"}, key=key)
    assert good.status_code == 303
    assert _count(Region, Region.code == "330127001666") == 1


def test_post_without_idempotency_key_is_refused(demo, client):
    login(client, "county")
    parent = db.session.execute(db.select(Region).where(Region.code == "330127001")).scalar_one()
    response = client.post(f"/admin/regions/{parent.id}/children",
                           data={"csrf_token": csrf_token(client), "code": "330127001555", "name": "无键村"})
    assert response.status_code == 400 and "提交标识" in body(response)
    assert _count(Region, Region.code == "330127001555") == 0


def test_oversized_body_gets_413(demo, client, app):
    login(client, "county")
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = post(client, "/admin/users/new", {"display_name": "x" * 5000})
    assert response.status_code == 413
    assert "超过大小限制" in body(response)


def test_malformed_form_field_is_a_chinese_message(demo, client):
    login(client, "county")
    response = post(client, "/admin/users/new", {"username": "x", "display_name": "", "role": "nope",
                                                 "region_id": "abc"})
    assert response.status_code == 422
    assert "请输入姓名" in body(response)


def test_unknown_url_is_chinese_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "页面不存在" in body(response)


def test_security_headers(client):
    headers = client.get("/login").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_flags(demo, client):
    response = login(client, "grid")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_healthz_reports_database_and_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.get_json()
    assert data["database"]["ok"] and data["queue"]["ok"]
    assert set(data["queue"]["queues"]) == {"reports", "dispatch", "default"}


def test_htmx_fragment_request_gets_the_fragment_only(demo, client):
    login(client, "county")
    full = client.get("/admin/users")
    fragment = client.get("/admin/users?q=grid", headers={"HX-Request": "true"})
    boosted = client.get("/admin/users", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in body(full) and "<html" in body(boosted)
    assert "<html" not in body(fragment) and 'id="users"' in body(fragment)
    assert "HX-Request" in fragment.headers["Vary"]


def test_write_conflict_is_a_chinese_retry_message_and_releases_the_key(demo, client, app):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from app.models.idempotency import RequestKey

    def conflicting_write():
        raise OperationalError("UPDATE move SET state=?", {}, sqlite3.OperationalError("database is locked"))

    app.add_url_rule("/test-conflict", "test_conflict", conflicting_write, methods=["POST"])
    login(client, "county")
    key = uuid.uuid4().hex
    response = post(client, "/test-conflict", key=key, headers={"HX-Request": "true"})
    assert response.status_code == 503 and "刷新页面" in body(response) and "<html" not in body(response)
    assert _count(RequestKey, RequestKey.key == key) == 0
