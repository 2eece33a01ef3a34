"""Server-side session revocation and a login that tells nothing about accounts."""
import re

import werkzeug.security

from app.extensions import db
from app.models.audit import AuditLog
from app.models.user import User
from fixtures.loader import DEMO_PASSWORD
from tests.conftest import body, login, post

COOKIE = "portal_session"


def _user(name):
    return db.session.execute(db.select(User).where(User.username == name)).scalar_one()


def _copy_session(source, target) -> None:
    """Put the source browser's session cookie into another client, as a thief would."""
    target.set_cookie(COOKIE, source.get_cookie(COOKIE).value)


def _message(page: str) -> str:
    return re.search(r'role="alert">([^<]*)<', page).group(1)


def _works(client) -> bool:
    return client.get("/").status_code == 200


def test_cookie_copied_before_logout_no_longer_works(demo, app, client):
    login(client, "grid")
    thief = app.test_client()
    _copy_session(client, thief)
    assert _works(thief)
    assert post(client, "/logout").status_code == 303
    response = thief.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logout_ends_the_users_other_sessions(demo, app):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "grid")
    login(phone, "grid")
    post(laptop, "/logout")
    assert not _works(phone)


def test_role_change_ends_the_users_sessions(demo, app, client):
    login(client, "grid2")
    stolen = app.test_client()
    _copy_session(client, stolen)
    admin = app.test_client()
    login(admin, "county")
    grid2 = _user("grid2")
    response = post(admin, f"/admin/users/{grid2.id}", {
        "display_name": grid2.display_name, "role": "community_admin",
        "region_id": str(grid2.region.parent_id), "department": ""})
    assert response.status_code == 303, body(response)[:400]
    assert not _works(client) and not _works(stolen)


def test_disable_and_password_reset_end_copied_sessions(demo, app, client):
    login(client, "grid2")
    stolen = app.test_client()
    _copy_session(client, stolen)
    admin = app.test_client()
    login(admin, "county")
    post(admin, f"/admin/users/{_user('grid2').id}/reset")
    assert not _works(stolen)


def test_revocation_costs_no_extra_query(demo, client, count_queries):
    login(client, "grid")
    client.get("/")
    with count_queries() as counter:
        client.get("/")
    user_loads = [s for s in counter.statements if "FROM user_account" in s]
    assert len(user_loads) == 1


def _hash_checks(monkeypatch):
    calls = []
    real = werkzeug.security.check_password_hash

    def counting(pwhash, password):
        calls.append(pwhash[:6])
        return real(pwhash, password)

    import app.security.passwords as passwords

    monkeypatch.setattr(passwords, "check_password_hash", counting)
    return calls


def test_unknown_account_gets_the_same_message_and_the_same_work(demo, client, monkeypatch, count_queries):
    calls = _hash_checks(monkeypatch)
    with count_queries() as known_queries:
        known = post(client, "/login", {"username": "grid", "password": "Wrong#Pass123"})
    with count_queries() as unknown_queries:
        unknown = post(client, "/login", {"username": "nobody", "password": "Wrong#Pass123"})
    assert known.status_code == unknown.status_code == 422
    messages = [_message(body(r)) for r in (known, unknown)]
    assert messages[0] == messages[1]
    assert "再错" not in body(known) and "次将锁定" not in body(known)
    # One password hash each: an unknown name costs the same scrypt work as a wrong password.
    assert len(calls) == 2 and all(c.startswith("scrypt") for c in calls)
    read = [s for s in known_queries.statements if s.lstrip().upper().startswith("SELECT")]
    read_unknown = [s for s in unknown_queries.statements if s.lstrip().upper().startswith("SELECT")]
    assert len(read) == len(read_unknown)


def test_locked_and_disabled_accounts_answer_like_a_wrong_password(demo, client):
    wrong = body(post(client, "/login", {"username": "nobody", "password": "Wrong#Pass123"}))
    user = _user("grid2")
    user.is_enabled = False
    db.session.commit()
    disabled = body(post(client, "/login", {"username": "grid2", "password": DEMO_PASSWORD}))
    for _ in range(5):
        post(client, "/login", {"username": "grid", "password": "Wrong#Pass123"})
    locked = body(post(client, "/login", {"username": "grid", "password": DEMO_PASSWORD}))
    assert _message(wrong) == _message(disabled) == _message(locked)


def test_kiosk_account_cannot_log_in_with_its_password(demo, client):
    _user("kiosk").must_change_password = False
    db.session.commit()
    response = post(client, "/login", {"username": "kiosk", "password": DEMO_PASSWORD})
    assert response.status_code == 422
    assert client.get("/").status_code == 302
    row = db.session.execute(db.select(AuditLog).where(AuditLog.action == "auth.login_failed")).scalar_one()
    assert row.detail == "自助终端账号不能用密码登录"


def test_an_existing_kiosk_staff_session_ends(demo, app, client):
    login(client, "grid")
    kiosk = _user("kiosk")
    with client.session_transaction() as session:
        session["_user_id"] = f"{kiosk.id}:{kiosk.session_version}"
    assert client.get("/").status_code == 302
