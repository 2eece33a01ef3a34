"""Admins grant only roles within their own permissions and never act on a higher role."""
from app.blueprints.admin.services import assignable_roles
from app.extensions import db
from app.models.region import Region
from app.models.user import User
from app.security import permissions as P
from tests.conftest import body, login, post


def _user(name):
    db.session.expire_all()
    return db.session.execute(db.select(User).where(User.username == name)).scalar_one()


def _county():
    return db.session.execute(db.select(Region).where(Region.code == "330127")).scalar_one()


def test_every_assignable_role_is_within_the_admins_permissions(demo):
    for actor in ("county", "town"):
        user = _user(actor)
        own = P.ROLE_PERMISSIONS[user.role]
        roles = assignable_roles(user)
        assert P.SYSADMIN not in roles
        assert all(P.ROLE_PERMISSIONS[role] <= own for role in roles), actor
    county = assignable_roles(_user("county"))
    # 县级管理员 holds no credit, job monitor or kiosk permission, so it cannot hand them out.
    for role in (P.CREDIT_ADMIN, P.DEPARTMENT, P.OPS_SUPERVISOR, P.KIOSK):
        assert role not in county


def test_county_admin_cannot_grant_a_role_with_permissions_it_lacks(demo, client):
    login(client, "county")
    response = post(client, "/admin/users/new", {"username": "monitor2", "display_name": "越权授予",
                                                 "role": "ops_supervisor", "region_id": _county().id})
    assert response.status_code == 422
    assert db.session.execute(db.select(User).where(User.username == "monitor2")).first() is None


def test_county_admin_cannot_edit_demote_disable_or_reset_the_system_admin(demo, client):
    login(client, "county")
    admin = _user("admin")
    before = (admin.role, admin.display_name, admin.password_hash, admin.is_enabled, admin.session_version)
    assert client.get(f"/admin/users/{admin.id}").status_code == 403
    demote = post(client, f"/admin/users/{admin.id}", {"display_name": "被降级", "role": "grid_worker",
                                                       "region_id": admin.region_id, "department": ""})
    assert demote.status_code in (403, 422)
    disable = post(client, f"/admin/users/{admin.id}/enabled", {"enabled": "0"}, follow_redirects=True)
    assert "不能修改、停用或重置" in body(disable)
    reset = post(client, f"/admin/users/{admin.id}/reset", follow_redirects=True)
    assert "不能修改、停用或重置" in body(reset)
    admin = _user("admin")
    assert (admin.role, admin.display_name, admin.password_hash, admin.is_enabled,
            admin.session_version) == before


def test_county_admin_cannot_touch_the_credit_admin_either(demo, client):
    login(client, "county")
    credit = _user("credit")
    post(client, f"/admin/users/{credit.id}/reset")
    assert _user("credit").password_hash == credit.password_hash


def test_admin_still_manages_lower_roles(demo, client):
    login(client, "county")
    grid = _user("grid")
    response = post(client, f"/admin/users/{grid.id}", {"display_name": "网格员 陈静（改）", "role": "grid_worker",
                                                        "region_id": grid.region_id, "department": ""})
    assert response.status_code == 303
    assert _user("grid").display_name == "网格员 陈静（改）"
