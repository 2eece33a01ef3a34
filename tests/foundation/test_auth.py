"""Login, lockout, password policy, forced change, idle timeout, logout."""
from datetime import timedelta

from app.clock import utcnow
from app.extensions import db
from app.models.audit import AuditLog
from app.models.user import User
from app.security.passwords import policy_errors
from fixtures.loader import DEMO_PASSWORD
from tests.conftest import body, login, post


def _user(name):
    return db.session.execute(db.select(User).where(User.username == name)).scalar_one()


def _actions(action):
    return db.session.execute(db.select(AuditLog).where(AuditLog.action == action)).scalars().all()


def test_login_page_in_chinese(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "登录" in body(response)
    assert 'lang="zh-CN"' in body(response)


def test_login_success_is_audited(demo, client):
    login(client, "grid")
    assert client.get("/").status_code == 200
    rows = _actions("auth.login")
    assert len(rows) == 1 and rows[0].actor_name == "grid"


def test_wrong_password_is_refused_and_audited(demo, client):
    response = post(client, "/login", {"username": "grid", "password": "Wrong#Pass123"})
    assert response.status_code == 422
    assert "用户名或密码错误" in body(response)
    failed = _actions("auth.login_failed")
    assert len(failed) == 1 and failed[0].outcome == "refused"
    assert client.get("/").status_code == 302


def test_unknown_user_gets_the_same_message(demo, client):
    response = post(client, "/login", {"username": "nobody", "password": "Wrong#Pass123"})
    assert "用户名或密码错误" in body(response)
    assert "再错" not in body(response)


def test_five_failures_lock_the_account_even_for_the_right_password(demo, client):
    for _ in range(5):
        post(client, "/login", {"username": "grid", "password": "Wrong#Pass123"})
    assert _user("grid").locked_until > utcnow()
    assert len(_actions("auth.account_locked")) == 1
    response = post(client, "/login", {"username": "grid", "password": DEMO_PASSWORD})
    assert response.status_code == 422
    assert "请 15 分钟后再试" in body(response)  # the one message every refused login gets
    assert len(_actions("auth.login_locked")) == 1


def test_lock_expires_after_fifteen_minutes(demo, client):
    user = _user("grid")
    user.locked_until = utcnow() - timedelta(seconds=1)
    user.must_change_password = False
    db.session.commit()
    response = post(client, "/login", {"username": "grid", "password": DEMO_PASSWORD})
    assert response.status_code == 303


def test_failures_per_address_are_throttled(demo, client, app):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    for name in ("a1", "a2", "a3"):
        post(client, "/login", {"username": name, "password": "Wrong#Pass123"})
    response = post(client, "/login", {"username": "grid", "password": DEMO_PASSWORD})
    assert response.status_code == 429
    assert "过多" in body(response)
    assert len(_actions("auth.login_throttled")) == 1


def test_password_policy():
    assert policy_errors("Short1!")
    assert policy_errors("alllowercaseletters")
    assert policy_errors("lowercase123456")  # two classes only
    assert not policy_errors("Lowercase12345")
    assert not policy_errors("lower-case-123")
    assert policy_errors("Grid#2026grid", "grid")


def test_seeded_password_must_be_changed_first(demo, client):
    login(client, "grid", settle_password=False)
    response = client.get("/")
    assert response.status_code == 302 and "/password" in response.headers["Location"]
    weak = post(client, "/password", {"current": DEMO_PASSWORD, "new": "abcdefghijk", "confirm": "abcdefghijk"})
    assert weak.status_code == 422 and "至少三类" in body(weak)
    assert _user("grid").must_change_password
    same = post(client, "/password", {"current": DEMO_PASSWORD, "new": DEMO_PASSWORD, "confirm": DEMO_PASSWORD})
    assert "不能与当前密码相同" in body(same)
    ok = post(client, "/password", {"current": DEMO_PASSWORD, "new": "New#Passw0rd", "confirm": "New#Passw0rd"})
    assert ok.status_code == 303
    assert client.get("/").status_code == 200
    assert not _user("grid").must_change_password
    assert len(_actions("auth.password_changed")) == 1


def test_password_change_ends_other_sessions(demo, app):
    first, second = app.test_client(), app.test_client()
    login(first, "grid")
    login(second, "grid")
    post(first, "/password", {"current": DEMO_PASSWORD, "new": "New#Passw0rd", "confirm": "New#Passw0rd"})
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302


def test_idle_timeout_ends_the_session(demo, client):
    login(client, "grid")
    with client.session_transaction() as session:
        session["seen"] = session["seen"] - 31 * 60
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "超时" in body(client.get("/login"))
    assert len(_actions("auth.idle_timeout")) == 1


def test_kiosk_idle_limit_is_two_minutes(app):
    from app.security.sessions import idle_limit

    assert idle_limit(User(role="kiosk")) == 120


def test_logout_needs_post_and_ends_session(demo, client):
    login(client, "grid")
    assert client.get("/logout").status_code == 405
    assert post(client, "/logout").status_code == 303
    assert client.get("/").status_code == 302
    assert len(_actions("auth.logout")) == 1


def test_disabled_user_cannot_log_in(demo, client):
    user = _user("grid")
    user.is_enabled = False
    db.session.commit()
    response = post(client, "/login", {"username": "grid", "password": DEMO_PASSWORD})
    assert response.status_code == 422


def test_open_redirect_is_refused(demo, client):
    _user("grid").must_change_password = False
    db.session.commit()
    response = post(client, "/login?next=//evil.example/x", {"username": "grid", "password": DEMO_PASSWORD})
    assert response.headers["Location"] == "/"
