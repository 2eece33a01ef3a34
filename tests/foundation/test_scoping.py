"""Region scoping: users see only their subtree; other areas' ids answer 404."""
import pytest
from flask_login import login_user
from werkzeug.exceptions import NotFound

from app.extensions import db
from app.models.region import Region
from app.models.user import User
from app.security.scoping import get_scoped_or_404, in_scope, scope, scoped_regions
from tests.conftest import body, login, post


def _user(name):
    return db.session.execute(db.select(User).where(User.username == name)).scalar_one()


def _region(code):
    return db.session.execute(db.select(Region).where(Region.code == code)).scalar_one()


def test_materialized_paths_follow_the_tree(demo):
    county, town, community, grid = (_region(c) for c in
                                     ("330127", "330127001", "330127001001", "330127001001001"))
    assert county.path == f"/{county.id}/"
    assert grid.path == f"{community.path}{grid.id}/" and community.path.startswith(town.path)
    assert county.contains(grid) and not grid.contains(county)


def test_grid_worker_sees_only_own_grid(demo, app):
    worker = _user("grid")
    with app.test_request_context():
        login_user(worker)
        visible = list(db.session.execute(scoped_regions()).scalars())
        assert [r.code for r in visible] == ["330127001001001"]
        assert in_scope(_region("330127001001001")) and not in_scope(_region("330127001001002"))
        own = get_scoped_or_404(Region, _region("330127001001001").id, region_attr="id")
        assert own.code == "330127001001001"
        with pytest.raises(NotFound):
            get_scoped_or_404(Region, _region("330127001001002").id, region_attr="id")


def test_scope_of_town_covers_its_villages_only(demo):
    town_admin = _user("town")
    codes = set(db.session.execute(scope(db.select(Region.code), Region.id, town_admin)).scalars())
    assert "330127001002001" in codes and "330127002001" not in codes and "330127" not in codes


def test_sibling_prefix_is_not_inside(demo):
    """A path '/1/2/' must not match '/1/22/': paths end with a slash."""
    parent = _region("330127001")
    twin = Region(code="330127001999", name="测试", level="community", parent_id=parent.id)
    db.session.add(twin)
    db.session.flush()
    twin.path = f"{parent.path}{twin.id}/"
    db.session.commit()
    grid = _region("330127001001001")
    assert not twin.contains(grid)


def test_other_area_user_by_url_is_404(demo, client):
    login(client, "town")
    other = _user("community")  # 清溪社区, inside the town
    outside = db.session.execute(db.select(User).where(User.role == "county_admin")).scalar_one()
    assert client.get(f"/admin/users/{other.id}").status_code == 200
    response = client.get(f"/admin/users/{outside.id}")
    assert response.status_code == 404
    assert "不在您的管辖范围内" in body(response)


def test_grid_worker_cannot_open_admin_pages(demo, client):
    login(client, "grid")
    assert client.get("/admin/users").status_code == 403
    assert "没有权限" in body(client.get("/admin/audit"))


def test_region_of_other_area_cannot_be_renamed(demo, client):
    login(client, "county")
    inside = _region("330127002002")
    assert post(client, f"/admin/regions/{inside.id}", {"name": "西岭新村"}).status_code == 303
    db.session.expire_all()
    assert _region("330127002002").name == "西岭新村"


def test_town_admin_cannot_assign_region_outside(demo, client):
    login(client, "town")
    outside = _region("330127002001001")
    response = post(client, "/admin/users/new", {"username": "newgrid", "display_name": "新网格员",
                                                 "role": "grid_worker", "region_id": outside.id})
    assert response.status_code == 422
    assert db.session.execute(db.select(User).where(User.username == "newgrid")).first() is None


def test_navigation_shows_only_permitted_entries(demo, client):
    login(client, "grid")
    page = body(client.get("/"))
    assert "用户管理" not in page and "审计日志" not in page
    client2 = client.application.test_client()
    login(client2, "county")
    page = body(client2.get("/"))
    assert "用户管理" in page and "审计日志" in page
