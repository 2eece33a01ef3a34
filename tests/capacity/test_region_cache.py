"""Region subtrees and area options are cached per process and dropped when any process changes the tree."""
from sqlalchemy import text

from app.blueprints.admin.services import add_region, rename_region
from app.extensions import db
from app.models.region import Region
from app.models.user import User
from app.security.region_cache import VERSION_KEY
from tests.conftest import body, login
from workers.queues import redis_connection

COMMUNITY = "330127001001"  # 清溪社区 of the demo county


def _user(username: str) -> User:
    return db.session.execute(db.select(User).where(User.username == username)).scalar_one()


def _region(code: str) -> Region:
    return db.session.execute(db.select(Region).where(Region.code == code)).scalar_one()


def test_a_new_grid_shows_in_the_area_options_at_once(demo, app, client):
    login(client, "community")
    assert "第九网格" not in body(client.get("/households/"))  # the options are now cached
    add_region(_user("admin"), _region(COMMUNITY), code=COMMUNITY + "009", name="第九网格")
    assert "第九网格" in body(client.get("/households/"))


def test_a_renamed_region_shows_at_once(demo, app, client):
    login(client, "community")
    client.get("/households/")
    grid = _region(COMMUNITY + "001")
    rename_region(_user("admin"), grid, "更名后的网格")
    assert "更名后的网格" in body(client.get("/households/"))


def test_a_change_made_by_another_process_shows_once_it_replaces_the_version(demo, app, client):
    """Another process's commit never reaches this process's session events: the shared version carries it."""
    login(client, "community")
    client.get("/households/")
    community = _region(COMMUNITY)
    with db.engine.begin() as conn:  # as another process would write it: no ORM session of ours involved
        conn.execute(text("INSERT INTO region (code, name, level, parent_id, path, created_at) "
                          "VALUES (:code, '远程新增网格', 'grid', :parent, '', CURRENT_TIMESTAMP)"),
                     {"code": COMMUNITY + "008", "parent": community.id})
        new_id = conn.execute(text("SELECT id FROM region WHERE code = :code"), {"code": COMMUNITY + "008"}).scalar()
        conn.execute(text("UPDATE region SET path = :path WHERE id = :id"),
                     {"path": f"{community.path}{new_id}/", "id": new_id})
    assert "远程新增网格" not in body(client.get("/households/")), "the tree is cached between requests"
    redis_connection(app).set(VERSION_KEY, "changed-by-another-process")
    assert "远程新增网格" in body(client.get("/households/"))
