"""Audit log: append-only, before/after of changes, viewer filters; admin user and region work."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from app.extensions import db
from app.models.audit import AuditLog
from app.models.region import Region
from app.models.user import User
from fixtures.loader import DEMO_PASSWORD
from tests.conftest import body, login, post


def _user(name):
    return db.session.execute(db.select(User).where(User.username == name)).scalar_one()


def _last(action):
    return db.session.execute(
        db.select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id.desc())).scalars().first()


def test_audit_rows_cannot_be_changed_or_deleted(demo):
    row = db.session.execute(db.select(AuditLog)).scalars().first()
    with pytest.raises(DatabaseError):
        db.session.execute(text("UPDATE audit_log SET action = 'forged' WHERE id = :id"), {"id": row.id})
        db.session.flush()
    db.session.rollback()
    with pytest.raises(DatabaseError):
        db.session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": row.id})
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditLog, row.id).action == "demo.load"


def test_user_update_records_before_and_after(demo, client):
    login(client, "county")
    target = _user("grid")
    other_grid = db.session.execute(db.select(Region).where(Region.code == "330127001001002")).scalar_one()
    response = post(client, f"/admin/users/{target.id}", {"display_name": "网格员 陈静", "role": "grid_worker",
                                                          "region_id": other_grid.id})
    assert response.status_code == 303
    row = _last("user.update")
    assert row.actor_name == "county" and row.object_id == str(target.id)
    assert row.changes["region_id"] == [target.region_id, other_grid.id]
    assert "display_name" not in row.changes


def test_create_user_shows_password_once_and_forces_change(demo, client, app):
    login(client, "county")
    grid = db.session.execute(db.select(Region).where(Region.code == "330127002001001")).scalar_one()
    response = post(client, "/admin/users/new", {"username": "newworker", "display_name": "新网格员",
                                                 "role": "grid_worker", "region_id": grid.id})
    assert response.status_code == 200
    password = body(response).split('class="secret">')[1].split("<")[0]
    fresh = app.test_client()
    post(fresh, "/login", {"username": "newworker", "password": password})
    assert "/password" in fresh.get("/").headers["Location"]
    assert _last("user.create").changes["role"] == [None, "grid_worker"]


def test_role_must_fit_region_level(demo, client):
    login(client, "county")
    town = db.session.execute(db.select(Region).where(Region.code == "330127001")).scalar_one()
    response = post(client, "/admin/users/new", {"username": "wrongplace", "display_name": "放错层级",
                                                 "role": "grid_worker", "region_id": town.id})
    assert response.status_code == 422 and "网格" in body(response)


def test_town_admin_cannot_grant_county_role(demo, client):
    login(client, "town")
    town = db.session.execute(db.select(Region).where(Region.code == "330127001")).scalar_one()
    response = post(client, "/admin/users/new", {"username": "upgrade", "display_name": "越权",
                                                 "role": "county_admin", "region_id": town.id})
    assert response.status_code == 422
    assert db.session.execute(db.select(User).where(User.username == "upgrade")).first() is None


def test_reset_password_unlocks_and_forces_change(demo, client, app):
    login(client, "county")
    target = _user("grid")
    response = post(client, f"/admin/users/{target.id}/reset")
    password = body(response).split('class="secret">')[1].split("<")[0]
    assert password != DEMO_PASSWORD
    db.session.expire_all()
    assert _user("grid").must_change_password
    assert _last("user.reset_password").object_id == str(target.id)
    fresh = app.test_client()
    assert post(fresh, "/login", {"username": "grid", "password": password}).status_code == 303


def test_disable_ends_sessions(demo, client, app):
    worker = app.test_client()
    login(worker, "grid")
    login(client, "county")
    post(client, f"/admin/users/{_user('grid').id}/enabled", {"enabled": "0"})
    assert worker.get("/").status_code == 302
    assert _last("user.disable").changes["is_enabled"] == [True, False]


def test_cannot_disable_self(demo, client):
    login(client, "county")
    post(client, f"/admin/users/{_user('county').id}/enabled", {"enabled": "0"})
    db.session.expire_all()
    assert _user("county").is_enabled


def test_region_add_and_rename(demo, client):
    login(client, "county")
    community = db.session.execute(db.select(Region).where(Region.code == "330127002002")).scalar_one()
    assert post(client, f"/admin/regions/{community.id}/children",
                {"code": "330127002002003", "name": "西岭村第三网格"}).status_code == 303
    new = db.session.execute(db.select(Region).where(Region.code == "330127002002003")).scalar_one()
    assert new.level == "grid" and new.path == f"{community.path}{new.id}/"
    grid_form = post(client, f"/admin/regions/{new.id}/children", {"code": "330127002002003001", "name": "更下级"})
    assert grid_form.status_code == 422 and "最末一级" in body(grid_form)
    duplicate = post(client, f"/admin/regions/{community.id}/children", {"code": "330127002002003", "name": "重复"})
    assert "已存在" in body(duplicate)


def test_audit_viewer_filters_and_pages(demo, client):
    login(client, "county")
    for _ in range(3):
        post(client, "/login", {"username": "nobody", "password": "x"})
    page = body(client.get("/admin/audit?action=auth.login_failed"))
    assert page.count("auth.login_failed") >= 1 and "demo.load" not in page
    pages = body(client.get("/admin/audit?size=1"))
    assert "第 1 /" in pages


def test_town_admin_sees_only_own_area_in_audit(demo, client, app):
    county = app.test_client()
    login(county, "county")
    login(client, "town")
    page = body(client.get("/admin/audit?action=auth.login"))
    assert ">town<" in page and ">county<" not in page
